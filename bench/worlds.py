"""Databases for the benchmarks: empty and migrated, on SQLite or PostgreSQL."""

from sqlalchemy import text

from app.db import make_engine
from app.migrate import upgrade


def fresh_database(url: str):
    """An engine on `url`, emptied (PostgreSQL: its public schema is dropped) and migrated
    to the newest schema."""
    engine = make_engine(url)
    if url.startswith("postgresql"):
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(url)
    return engine
