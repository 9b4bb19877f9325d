"""The migrations build exactly the schema the models describe (tables, columns, indexes),
so a database made by `alembic upgrade` and one the models would make never differ."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import app.models  # noqa: F401 - every table on the metadata
from app.db import make_engine
from app.migrate import migrate, upgrade


def test_the_migrations_build_what_the_models_describe(tmp_path):
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), SQLModel.metadata) == []
    engine.dispose()


# Columns a migration rewrites by design: 0007 seals the links of queued mail.
REWRITTEN = {("outboxmessage", "body_text"), ("outboxmessage", "body_html")}


def _rows(engine, table, columns) -> list[tuple]:
    from sqlalchemy import select as sa_select

    with engine.connect() as conn:
        return sorted(conn.execute(sa_select(*[table.c[c] for c in columns])).all(), key=repr)


def test_a_filled_database_from_the_first_migration_keeps_every_row_to_head_and_back(
        tmp_path):
    """Battery row 14: the demo's data (organizations, people, communities, invitations of
    every kind, mail, audit) written into a database at the first migration, then upgraded
    through every migration to head: every row is still there with its values; down to
    the first migration again and back up, the same."""
    from datetime import UTC, datetime

    from sqlalchemy import MetaData, insert
    from sqlmodel import Session

    from app.services.demo import seed_demo, seed_demo_invitations
    from tests.test_invitation_list import MAIL

    now = datetime(2026, 11, 1, 12, tzinfo=UTC)
    source_url = f"sqlite:///{tmp_path / 'head.db'}"
    upgrade(source_url)
    source = make_engine(source_url)
    with Session(source) as db:
        seed_demo(db, now)
        seed_demo_invitations(db, MAIL, now)
        db.commit()
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate(url, "0001")
    old = make_engine(url)
    at_first = MetaData()
    at_first.reflect(old)
    copied = {}
    for table in SQLModel.metadata.sorted_tables:  # parents before children
        if table.name not in at_first.tables:
            continue
        written = [c.name for c in at_first.tables[table.name].columns if c.name in table.c]
        if rows := _rows(source, table, written):
            with old.begin() as conn:
                conn.execute(insert(at_first.tables[table.name]),
                             [dict(zip(written, r, strict=True)) for r in rows])
        columns = [c for c in written if (table.name, c) not in REWRITTEN]
        rows = _rows(source, table, columns)
        copied[table.name] = (columns, rows)
    assert sum(len(rows) for _, rows in copied.values()) > 30  # a real world, not a token
    for step, down in (("head", False), ("0001", True), ("head", False)):
        migrate(url, step, down=down)
        migrated = make_engine(url)
        for name, (columns, rows) in copied.items():
            assert _rows(migrated, SQLModel.metadata.tables[name], columns) == rows, (step,
                                                                                       name)
        migrated.dispose()
    old.dispose()
    source.dispose()


def test_the_command_line_takes_the_database_back_a_migration(tmp_path, monkeypatch,
                                                              capsys):
    from sqlalchemy import text

    from app.cli import main

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    monkeypatch.setenv("COMMONS_DATABASE_URL", url)
    assert main(["app.cli", "downgrade", "0010"]) == 0
    assert "at migration 0010" in capsys.readouterr().out
    with make_engine(url).connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).all() == [
            ("0010",)]
