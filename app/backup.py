"""Backup and restore in one format for both engines, so a SQLite deployment can move to
PostgreSQL (`python -m app.cli backup FILE`, `restore FILE`).

A backup is JSON lines: a header (format, migration, the secret key's fingerprint, row
counts), then one line per row, tables parents first. A restore goes into an empty
database at the same migration, under the same secret key (tokens, sessions and sealed
links are keyed by it: under another key they would all die, so it stops instead), in one
transaction; on PostgreSQL the id sequences then continue after the restored rows.
"""

import base64
import json
from datetime import date, datetime
from typing import IO

from alembic.runtime.migration import MigrationContext
from sqlalchemy import DateTime, LargeBinary, func, insert, select, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import app.models  # noqa: F401 - every table on the metadata
from app.deployment import key_fingerprint

FORMAT = "commons-backup/1"
BATCH = 1000


class BackupRefused(Exception):
    """Why a backup cannot be restored here, in one line."""


def _tables():
    return SQLModel.metadata.sorted_tables  # a table after the tables it points at


def _revision(conn) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def _encode(value):
    if isinstance(value, datetime | date):
        return {"$t": value.isoformat()}
    if isinstance(value, bytes):
        return {"$b": base64.b64encode(value).decode()}
    return value


def _decode(column, value):
    stored = getattr(column.type, "impl", column.type)  # a decorated type: what it stores
    if isinstance(value, dict) and "$t" in value and isinstance(stored, DateTime):
        return datetime.fromisoformat(value["$t"])
    if isinstance(value, dict) and "$b" in value and isinstance(stored, LargeBinary):
        return base64.b64decode(value["$b"])
    return value


def backup(engine: Engine, out: IO[str], secret_key: str) -> dict[str, int]:
    """Write every row of the database at `engine` to `out`; returns the rows per table."""
    with engine.connect() as conn:
        counts = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                  for t in _tables()}
        out.write(json.dumps({"format": FORMAT, "migration": _revision(conn),
                              "key_fingerprint": key_fingerprint(secret_key),
                              "rows": counts}) + "\n")
        for table in _tables():
            order = list(table.primary_key.columns)
            for row in conn.execute(select(table).order_by(*order)).mappings():
                out.write(json.dumps({"table": table.name,
                                      "row": {k: _encode(v) for k, v in row.items()}})
                          + "\n")
    return counts


def restore(engine: Engine, source: IO[str], secret_key: str) -> dict[str, int]:
    """Load a backup into the empty database at `engine` (migrated to the backup's
    migration); BackupRefused, with nothing written, when it does not fit."""
    header = _header(source.readline())
    if header["key_fingerprint"] != key_fingerprint(secret_key):
        raise BackupRefused("this backup was made under another COMMONS_SECRET_KEY: set the "
                            "key it was made with (its links, sessions and sealed mail need it)")
    tables = {t.name: t for t in _tables()}
    with engine.begin() as conn:
        if (here := _revision(conn)) != header["migration"]:
            raise BackupRefused(f"the backup was made at migration {header['migration']}, "
                                f"this database is at {here}")
        if filled := [n for n, t in tables.items()
                      if conn.execute(select(func.count()).select_from(t)).scalar_one()]:
            raise BackupRefused(f"restore into an empty database ({', '.join(filled)} "
                                "already hold rows)")
        counts: dict[str, int] = {}
        pending: list[dict] = []
        table = None
        for line in source:
            item = json.loads(line)
            if table is not None and item["table"] != table.name:
                _flush(conn, table, pending)
            table = tables[item["table"]]
            pending.append({k: _decode(table.c[k], v) for k, v in item["row"].items()})
            counts[table.name] = counts.get(table.name, 0) + 1
            if len(pending) >= BATCH:
                _flush(conn, table, pending)
        if table is not None:
            _flush(conn, table, pending)
        if counts != {n: c for n, c in header["rows"].items() if c}:
            raise BackupRefused("the backup is incomplete: its rows do not add up to its "
                                "header's counts")
        if conn.dialect.name == "postgresql":
            _continue_sequences(conn)
    return counts


def _header(line: str) -> dict:
    try:
        header = json.loads(line)
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupRefused("this file is not a Commons backup")
    return header


def _flush(conn, table, rows: list[dict]) -> None:
    if rows:
        conn.execute(insert(table), rows)
        rows.clear()


def _continue_sequences(conn) -> None:
    for table in _tables():
        if "id" in table.c and table.c.id.autoincrement in (True, "auto") and \
                table.c.id.primary_key:
            conn.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table.name}), 1), "
                f"(SELECT COUNT(*) > 0 FROM {table.name}))"))
