"""A dialog that invites up to MAX_BATCH people at once: it says how many were entered,
shows progress while the batch is checked and queued (one transaction, in a worker
thread), and shows one result per person with a summary, a failures-only switch and a
copy button."""

import asyncio
import threading
from collections import Counter
from types import SimpleNamespace

import reflex as rx

from app.domain.limits import MAX_BATCH
from app.states.broadcast import broadcast
from app.states.viewer import run

POLL_SECONDS = 0.2  # how often the dialog's progress line is brought up to date


def count_note(count: int, singular: str, plural: str) -> str:
    """What the dialog says about what was entered: "3 addresses", or a warning past the
    stated limit (nothing is sent then)."""
    if count > MAX_BATCH:
        return (f"{count:,} {plural}: at most {MAX_BATCH:,} in one invitation. "
                f"Remove {count - MAX_BATCH:,} before you send; nothing is sent as it is.")
    return f"{count:,} {singular if count == 1 else plural}"


def summary(results: list[dict]) -> str:
    """ "12 invited · 3 already invited · 1 invalid address", in order of first appearance."""
    counts = Counter(r["outcome"] for r in results)
    return " · ".join(f"{n:,} {outcome}" for outcome, n in counts.items())


class Ticks:
    """Where the worker thread leaves `(done, total)` for the event loop to read."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: tuple[int, int] | None = None

    def set(self, done: int, total: int) -> None:
        with self._lock:
            self._seen = (done, total)

    def say(self) -> str:
        with self._lock:
            seen = self._seen
        if seen is None:
            return "Checking…"
        done, total = seen
        if done >= total:
            return f"Checked {total:,}; saving the invitations…"
        return f"Checking {done + 1:,} of {total:,}…"


class BatchInvite(rx.State, mixin=True):
    """The shared half of a batch-invite dialog: a state defines a background event that
    calls `_invite(prepare, key)` and names its dialog's submit button (`_submit_id`)."""

    results: list[dict[str, str]] = []   # {"who": address or username, "outcome": ...}
    summary: str = ""
    failures_only: bool = False
    invite_error: str = ""
    progress: str = ""
    inviting: bool = False

    def _submit_id(self) -> str:
        """The id of the dialog's submit button."""
        raise NotImplementedError

    def _clear_results(self) -> None:
        self.results, self.summary, self.failures_only, self.invite_error = [], "", False, ""

    @rx.event
    def set_failures_only(self, value: bool):
        self.failures_only = bool(value)

    @rx.event
    def copy_results(self):
        """Copy "who<TAB>outcome" lines of the results this tab was given."""
        lines = (f"{r['who']}\t{r['outcome']}" for r in self.results
                 if not self.failures_only or r["outcome"] != "invited")
        return rx.set_clipboard("\n".join(lines))

    async def _invite(self, prepare, key: str):
        """Read the dialog with `prepare()` (it returns `action(db, viewer, progress)`), run
        the action in a worker thread in one transaction while the dialog shows how far it
        got, then show a result per person (`key` names them), re-read the page and tell the
        other tabs and the people invited. The submit button, disabled meanwhile, lost the
        focus (to the dialog itself): it gets it back."""
        async with self:
            if self.inviting:
                return None
            self._clear_results()
            action = prepare()
            self.inviting, self.progress = True, "Checking…"
            caller = SimpleNamespace(router=self.router)
        ticks = Ticks()
        try:
            work = asyncio.ensure_future(asyncio.to_thread(
                run, caller, lambda db, viewer: action(db, viewer, ticks.set)))
            while not work.done():
                await asyncio.wait({work}, timeout=POLL_SECONDS)
                if not work.done():
                    async with self:
                        self.progress = ticks.say()
            done = work.result()
        finally:
            async with self:
                self.inviting, self.progress = False, ""
        async with self:
            self.invite_error = done.refusal or ""
            if done.away is not None:
                return done.away
            if not done.done:
                return rx.set_focus(self._submit_id())
            self.results = [{"who": r[key], "outcome": r["outcome"]} for r in done.result]
            self.summary = summary(done.result)
            self._reload()
            topics = self._topics(done.viewer, None)
        invited = [r[key] for r in done.result if r["outcome"] == "invited"]
        if invited:
            broadcast(caller, topics, done.event_ids, recipients=invited)
        return rx.set_focus(self._submit_id())
