"""How invitations fare: the Overview's charts, read in one statement.

Over the invitations the viewer's side sent (`invitation_visibility.sent`) in the last 30
or 90 days: how many of each kind are in each status now, how long acceptance took (median
and 90th percentile, nearest rank), and week by week how many were sent and how many of
those were answered. The three parts are one UNION ALL over one scan of the window, read
through the (branch column, created_at) indexes the Invitations page uses.
"""

from datetime import datetime, timedelta

from sqlalchemy import Float, bindparam, case, cast, false, func, literal, null, or_, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, select

from app.domain import invitation_status as st
from app.domain.errors import InvalidInput
from app.domain.viewer import Viewer
from app.models import Invitation
from app.services import invitation_visibility as vis
from app.services.invitation_list import KIND_LABELS
from app.services.status_sql import effective_status

WINDOWS = (30, 90)  # days the charts may look back
# The chart's statuses, in the order of an invitation's life, with one word for both kinds
# of ending (a parent organization user invitation is deleted, the others revoked).
STATUS_LABELS = {st.PENDING: "Pending", st.ACCEPTED: "Accepted", st.CONFIRMED: "Confirmed",
                 st.DECLINED: "Declined", st.EXPIRED: "Expired",
                 st.REVOKED: "Revoked or deleted"}
PERCENTILES = {"median": 50, "p90": 90}
WEEK = timedelta(days=7)


class seconds_between(FunctionElement):  # noqa: N801 - a SQL function's name
    """`later - earlier` in seconds, on either engine."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between)
def _seconds_postgresql(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"EXTRACT(EPOCH FROM ({later} - {earlier}))"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


def week_start(at: datetime) -> datetime:
    """Monday 00:00 of the week holding `at` (weeks are calendar weeks, UTC)."""
    day = at.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def window_days(value) -> int:
    """The look-back the viewer asked for, when it is one of `WINDOWS`."""
    try:
        days = int(value)
    except (TypeError, ValueError):
        days = 0
    if days not in WINDOWS:
        raise InvalidInput("Choose 30 or 90 days.")
    return days


def fare(db: Session, viewer: Viewer, now: datetime, days: int = 30) -> dict:
    """The charts' numbers: `kinds` (per kind, a count per status and the total), `timing`
    (per kind with acceptances: how many, and the median and 90th percentile hours from
    sent to accepted), `weeks` (each calendar week touching the window: sent, answered),
    and `total` sent in the window."""
    days = window_days(days)
    since = now - timedelta(days=days)
    first_week = week_start(since)
    rows = db.exec(_statement(viewer, now, since, first_week)).all()
    return _shaped(rows, now, days, first_week)


def _statement(viewer: Viewer, now: datetime, since: datetime, first_week: datetime):
    """One scan of the window, grouped by kind, status, week, whether it is inside the
    look-back (the first week may start before it) and whether it was answered; and the
    sent-to-accepted seconds at the ranks the percentiles need (`_ranks`)."""
    at = Invitation.created_at
    since_at = bindparam("since", since, type_=at.type)
    week = case(*[(at < bindparam(f"week_{i}", first_week + i * WEEK, type_=at.type), i - 1)
                  for i in range(1, _week_count(now, first_week))],
                else_=_week_count(now, first_week) - 1)
    answered = case((or_(Invitation.accepted_at.is_not(None),
                         Invitation.declined_at.is_not(None)), 1), else_=0)
    fresh = case((at >= since_at, 1), else_=0)
    columns = (Invitation.kind.label("kind"), effective_status(now).label("status"),
               week.label("week"), fresh.label("fresh"), answered.label("answered"))
    scanned = _each_once(viewer, columns, at >= bindparam("first_week", first_week,
                                                          type_=at.type))
    c = scanned.c
    groups = (select(literal("group"), c.kind, c.status, c.week, c.fresh, c.answered,
                     func.count(), cast(null(), Float))
              .group_by(c.kind, c.status, c.week, c.fresh, c.answered))
    took = seconds_between(Invitation.accepted_at, at)
    accepted = _each_once(viewer, (Invitation.kind.label("kind"), took.label("took")),
                          Invitation.accepted_at.is_not(None), at >= since_at)
    ranked = (select(accepted.c.kind, accepted.c.took,
                     func.row_number().over(partition_by=accepted.c.kind,
                                            order_by=accepted.c.took).label("rank"),
                     func.count().over(partition_by=accepted.c.kind).label("n"))
              .subquery())
    r = ranked.c
    wanted = or_(*[r.rank == (r.n * pct + 99) // 100 for pct in PERCENTILES.values()])
    ranks = select(literal("rank"), r.kind, literal(""), r.rank, literal(0), literal(0),
                   r.n, r.took).where(wanted)
    return union_all(groups, ranks)


def _each_once(viewer: Viewer, columns, *conditions):
    """`columns` of what the viewer's side sent, read branch by branch (each through its
    own (branch column, created_at) index), each row once."""
    reads = [select(*columns).where(branch, *conditions)
             for branch in vis.disjoint(vis.sent.branches(viewer))]
    if not reads:
        return select(*columns).where(false()).subquery()
    return union_all(*reads).subquery() if len(reads) > 1 else reads[0].subquery()


def _week_count(now: datetime, first_week: datetime) -> int:
    return (now - first_week) // WEEK + 1


def _shaped(rows, now: datetime, days: int, first_week: datetime) -> dict:
    kinds: dict[str, dict] = {}
    weeks = [{"sent": 0, "answered": 0} for _ in range(_week_count(now, first_week))]
    took: dict[str, dict[int, float]] = {}   # kind: {rank: seconds}
    accepted: dict[str, int] = {}
    for part, kind, status, week, fresh, answered, n, seconds in rows:
        if part == "group":
            if fresh:
                counts = kinds.setdefault(kind, dict.fromkeys(STATUS_LABELS, 0))
                counts[status] += n
            weeks[week]["sent"] += n
            weeks[week]["answered"] += n if answered else 0
        else:
            took.setdefault(kind, {})[week] = float(seconds)
            accepted[kind] = n
    timing = {}
    for kind, n in accepted.items():
        timing[kind] = {"accepted": n}
        for name, pct in PERCENTILES.items():
            hours = took[kind][(n * pct + 99) // 100] / 3600
            timing[kind].update({name: round(hours, 1), f"{name}_text": duration_text(hours)})
    return {
        "days": days,
        "total": sum(sum(c.values()) for c in kinds.values()),
        "kinds": [{"kind": KIND_LABELS[k], **kinds[k], "total": sum(kinds[k].values())}
                  for k in KIND_LABELS if k in kinds],
        "timing": [{"kind": KIND_LABELS[k], **timing[k]} for k in KIND_LABELS if k in timing],
        "weeks": [{"week": (first_week + i * WEEK).strftime("%b %-d"), **w}
                  for i, w in enumerate(weeks)],
    }


def duration_text(hours: float) -> str:
    """"45 min", "5.5 h", "3.2 days": a time to accept, in the unit that reads best."""
    if hours < 1:
        return f"{max(1, round(hours * 60))} min"
    if hours < 48:
        return f"{hours:.1f} h".replace(".0 h", " h")
    return f"{hours / 24:.1f} days".replace(".0 days", " days")

