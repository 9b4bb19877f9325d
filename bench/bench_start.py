"""Figure 8 (cold start): `make run` on a set-up clone until the first page is served, and
the production build alone.

- cold start: `make run` (demo data and the dev mailbox on, as `make run` sets them) with a
  fresh data directory, timed from the process start until GET / answers 200 with the
  page's HTML. The log's milestones split it: configuration, migrations and demo data
  ("serving on"), Reflex compiling the app, the frontend build, the backend up.
- restart: `make run` again on the same port and data, nothing changed: the frontend's last
  build is served again (app/reflex_runner.py).
- build alone: `reflex export --frontend-only --no-zip --env prod` in the environment the
  app runs Reflex with (`app.cli.reflex_env()`): compile the pages and build the frontend.

Both write the shared `.web/` folder: run this under `flock /tmp/e2e.lock`. Printed, no
target; each is one run per round on a shared machine.

    flock /tmp/e2e.lock .venv/bin/python bench/bench_start.py [--json PATH] [--short]
      [--rounds 2]
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.reflex_runner import STAMP  # noqa: E402
from bench.report import Row, write_rows  # noqa: E402
from tests.app_process import free_port  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# log lines that mark the end of a phase, in order: (phase, text in the line)
MILESTONES = [("configuration, migrations, demo data", "commons: serving on"),
              ("compile the app", "Compiling:"),
              ("frontend build", "Creating Production Build"),
              ("frontend build", "the frontend is unchanged"),  # a restart: none
              ("backend up", "App running at")]


def _lines(stream, seen: list, start: float, log) -> None:
    """Keep each output line with the seconds since `start` when it came."""
    for raw in iter(stream.readline, b""):
        line = raw.decode(errors="replace")
        log.write(line)
        seen.append((time.monotonic() - start, line.strip()))


def _page_served(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/", timeout=2) as answer:
            return answer.status == 200 and b"<html" in answer.read().lower()
    except OSError:
        return False


def cold_start(port: int, data: Path, timeout: float = 600) -> tuple[float, dict[str, float]]:
    """Seconds from `make run` to the first page, and when each milestone was passed; on
    `port`, with the data directory `data` (an empty one: a first start)."""
    base = f"http://localhost:{port}"
    env = {**os.environ, "COMMONS_PORT": str(port), "COMMONS_DATA_DIR": str(data),
           "COMMONS_BASE_URL": base, "COMMONS_DEV_SMTP_PORT": str(free_port()),
           "COMMONS_DATABASE_URL": f"sqlite:///{data / 'commons.db'}"}
    for name in ("REDIS_URL", "COMMONS_SMTP_URL", "COMMONS_SECRET_KEY", "COMMONS_DEMO",
                 "COMMONS_DEV_MAILBOX", "GRANIAN_WORKERS"):
        env.pop(name, None)
    seen: list[tuple[float, str]] = []
    start = time.monotonic()
    proc = subprocess.Popen(["make", "--no-print-directory", "run"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    with (data / "app.log").open("a") as log:
        reader = threading.Thread(target=_lines, args=(proc.stdout, seen, start, log),
                                  daemon=True)
        reader.start()
        try:
            while not _page_served(base):
                if proc.poll() is not None or time.monotonic() - start > timeout:
                    raise RuntimeError("the app did not serve its first page:\n"
                                       + "\n".join(line for _, line in seen[-30:]))
                time.sleep(0.1)
            took = time.monotonic() - start
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            reader.join(timeout=5)
    marks = {}
    for phase, prefix in MILESTONES:
        at = [t for t, line in seen if prefix in line]
        if at:
            marks[phase] = at[-1]
    return took, marks


def build_alone() -> float:
    """Seconds of `reflex export --frontend-only --no-zip --env prod`."""
    from app.cli import reflex_env

    data = Path(tempfile.mkdtemp(prefix="commons-bench-build-"))
    env = {**reflex_env(), "COMMONS_DATA_DIR": str(data),
           "COMMONS_DATABASE_URL": f"sqlite:///{data / 'commons.db'}"}
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "reflex", "export", "--frontend-only",
                           "--no-zip", "--env", "prod", "--loglevel", "info"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=900)
    took = time.monotonic() - start
    if done.returncode:
        raise RuntimeError(f"the build failed:\n{(done.stdout + done.stderr)[-3000:]}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", help="append the figure's rows to this file")
    parser.add_argument("--short", action="store_true", help="one round (CI)")
    parser.add_argument("--rounds", type=int)
    args = parser.parse_args()
    rounds = args.rounds or (1 if args.short else 2)
    starts, restarts, builds = [], [], []
    for r in range(rounds):
        port, data = free_port(), Path(tempfile.mkdtemp(prefix="commons-bench-start-"))
        (ROOT / ".web" / STAMP).unlink(missing_ok=True)  # cold: no build to serve again
        for kind, times in (("cold start", starts), ("restart", restarts)):
            took, marks = cold_start(port, data)
            times.append(took)
            steps, last = [], 0.0
            for phase, at in marks.items():
                steps.append(f"{phase} {at - last:.1f} s")
                last = at
            print(f"{kind} {r + 1}: {took:.1f} s ({'; '.join(steps)}; first page "
                  f"{took - last:.1f} s later)", flush=True)
        builds.append(build_alone())
        print(f"build alone {r + 1}: {builds[-1]:.1f} s", flush=True)
    write_rows(args.json, [
        Row(f"8 cold start: `make run` to the first page (p50 of {rounds})",
            f"{statistics.median(starts):.1f} s"),
        Row(f"8 restart: `make run` again, nothing changed, the build served again (p50 of "
            f"{rounds})", f"{statistics.median(restarts):.1f} s"),
        Row(f"8 production build alone: reflex export --frontend-only (p50 of {rounds})",
            f"{statistics.median(builds):.1f} s"),
    ])


if __name__ == "__main__":
    main()
