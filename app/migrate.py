"""Apply the Alembic migrations to a database (used by `make run`, the tests and bench)."""

from pathlib import Path

from alembic.config import Config

from alembic import command
from app.db import get_engine

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str) -> None:
    """Bring the database at `url` to the newest revision."""
    migrate(url, "head")


def migrate(url: str, revision: str, *, down: bool = False) -> None:
    """Upgrade (or, with `down`, downgrade) the database at `url` to `revision`.

    On SQLite a migration that alters a table copies it, drops the old one and renames the
    copy; with foreign keys enforced, dropping a table other rows point at fails, so they
    are off while the migrations run, and every reference is checked before they commit.
    """
    cfg = alembic_config(url)
    engine = get_engine(url)
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:  # outside any transaction, or SQLite ignores it
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                (command.downgrade if down else command.upgrade)(cfg, revision)
                if sqlite and (broken := conn.exec_driver_sql("PRAGMA foreign_key_check")
                               .all()):
                    raise RuntimeError(f"the migration to {revision} left rows pointing at "
                                       f"nothing: {broken[:5]}")
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()
