"""Small helpers shared by service tests."""

from datetime import timedelta

from sqlmodel import Session, select

from app.models import Organization, User, utcnow
from app.services.auth import viewer_for_user

SECRET = "test-secret-key-0123456789abcdef"
NOW = utcnow().replace(microsecond=0)
LATER = NOW + timedelta(minutes=1)


def user(db: Session, username: str) -> User:
    return db.exec(select(User).where(User.username == username)).one()


def org(db: Session, alias: str) -> Organization:
    return db.exec(select(Organization).where(Organization.alias == alias)).one()


def viewer(db: Session, username: str, alias: str | None = None):
    """The Viewer of demo user `username` acting in `alias` (default: their home)."""
    u = user(db, username)
    org_id = org(db, alias).id if alias else u.home_organization_id
    return viewer_for_user(db, u, org_id)
