"""How many invitations may go out: per inviter per hour and per organization per day,
counted per address (a batch of one address into several communities is one).

Checked by the invitation core before anything is written (`invitation_lifecycle
.issue_many`), so a batch past a limit is refused whole and nothing is queued; the answer
says when there will be room. The defaults let one 1,000-address batch through.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from app.domain.errors import InvalidInput, LimitReached
from app.domain.viewer import Viewer
from app.models import Invitation
from app.settings import get_settings

HOUR, DAY = timedelta(hours=1), timedelta(days=1)


@dataclass(frozen=True)
class Limits:
    per_hour: int  # addresses one inviter may invite in an hour
    per_day: int   # addresses one organization may invite in a day

    @classmethod
    def configured(cls) -> "Limits":
        s = get_settings()
        return cls(s.invites_per_hour, s.invites_per_day)


def check_room(db: Session, viewer: Viewer, addresses: int, now: datetime,
               limits: Limits | None = None) -> None:
    """TooManyAttempts unless `addresses` more invitations fit both limits."""
    limits = limits or Limits.configured()
    for column, value, window, limit, who, unit in (
            (Invitation.invited_by_user_id, viewer.user_id, HOUR, limits.per_hour,
             "You have", "hour"),
            (Invitation.organization_id, viewer.organization_id, DAY, limits.per_day,
             "Your organization has", "day")):
        span = f"{'an' if unit == 'hour' else 'a'} {unit}"
        recent = (select(func.min(Invitation.created_at))
                  .where(column == value, Invitation.created_at > now - window)
                  .group_by(Invitation.batch_id))
        sent = db.exec(select(func.count()).select_from(recent.subquery())).one()
        if sent + addresses <= limit:
            continue
        if addresses > limit:
            raise InvalidInput(f"At most {limit} addresses can be invited in {span}; this "
                               f"list has {addresses}. Nothing was sent.")
        # room comes back as the oldest of the window leave it
        first = sorted(db.exec(recent).all())[sent + addresses - limit - 1]
        raise LimitReached(
            f"{who} invited {sent} addresses in the last {unit}, and {limit} is the most "
            f"in {span}: {addresses} more would pass it. Nothing was sent; try again in "
            f"{_wait(first + window - now)}.",
            retry_after=max(1, math.ceil((first + window - now).total_seconds())))


def _wait(left: timedelta) -> str:
    """"1 minute", "40 minutes", "22 hours": rounded up, so the room is there by then."""
    minutes = max(1, math.ceil(left / timedelta(minutes=1)))
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{math.ceil(minutes / 60)} hours"
