"""Battery row 13: backup and restore, across engines.

A SQLite database with every kind of invitation, memberships, mail and audit is backed up
and restored into an empty database on each engine; every table holds the same rows and
every list reads the same. A backup under another secret key, into a filled database, or
of something that is not a backup, is refused in one line with nothing written.
"""

import io

import pytest
from sqlalchemy import func, select
from sqlmodel import Session, SQLModel

from app.backup import BackupRefused, backup, restore
from app.db import make_engine
from app.deployment import check_secret_key
from app.migrate import upgrade
from app.services import tenant_invitations as ti
from app.services import user_invitations as ui
from app.services.communities import list_communities
from app.services.demo import seed_demo
from app.services.invitation_list import Filters, page, status_counts
from tests.conftest import _wipe
from tests.helpers import NOW, SECRET, viewer
from tests.test_battery_races import _token, tenant_invitation, user_invitation
from tests.test_invitation_list import MAIL

PEOPLE = ("alice", "bob", "carol", "dave", "frank")


@pytest.fixture
def filled(tmp_path):
    """A SQLite database with a confirmed tenant, an accepted user invitation, pending ones
    of every kind, their mail and audit, and the key's fingerprint."""
    url = f"sqlite:///{tmp_path / 'source.db'}"
    upgrade(url)
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as db:
        seed_demo(db, NOW)
        check_secret_key(db, SECRET)
        db.commit()
        _, inv_id, token = tenant_invitation(db, "Backed up")
        ti.join(db, viewer(db, "bob"), token, now=NOW, mailer=MAIL.tenant())
        ti.confirm_tenant(db, viewer(db, "alice"), inv_id, now=NOW)
        _, _, token = user_invitation(db, "Backed up client")
        ui.accept(db, viewer(db, "carol"), token, now=NOW, secret_key=SECRET)
        tenant_invitation(db, "Still pending")
        from app.services import parent_invitations as pi
        pi.invite_parent_users(db, viewer(db, "dave"), ["alice", "frank"], [], now=NOW,
                               secret_key=SECRET, base_url=MAIL.base_url)
        db.commit()
        assert _token(db, "alice@contoso.example", "org-invite")
    yield engine
    engine.dispose()


def _everything(engine) -> dict:
    with engine.connect() as conn:
        return {t.name: [dict(r) for r in conn.execute(
            select(t).order_by(*t.primary_key.columns)).mappings()]
            for t in SQLModel.metadata.sorted_tables}


def _lists(engine) -> dict:
    with Session(engine) as db:
        seen = {}
        for who in PEOPLE:
            v = viewer(db, who)
            seen[who] = (page(db, v, Filters(), NOW)[0], status_counts(db, v, Filters(), NOW),
                         list_communities(db, v))
        return seen


@pytest.fixture(params=["sqlite", "postgresql"])
def empty(request, engines, tmp_path):
    """An empty database at the newest migration, on each engine."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'target.db'}"
        upgrade(url)
        target = make_engine(url)
        yield target
        target.dispose()
    elif request.param not in engines:
        pytest.skip("COMMONS_TEST_DATABASE_URL is not set")
    else:
        _wipe(engines[request.param])
        yield engines[request.param]
        _wipe(engines[request.param])


def test_a_backup_restored_on_either_engine_holds_every_row_and_reads_the_same(filled,
                                                                               empty):
    file = io.StringIO()
    counts = backup(filled, file, SECRET)
    assert counts["invitation"] >= 5 and counts["outboxmessage"] >= 5
    file.seek(0)
    assert restore(empty, file, SECRET) == {n: c for n, c in counts.items() if c}
    assert _everything(empty) == _everything(filled)
    assert _lists(empty) == _lists(filled)
    # the restored database goes on: new rows take new ids
    with Session(empty, expire_on_commit=False) as db:
        _, inv_id, _ = tenant_invitation(db, "After the move")
        assert inv_id > max(r["id"] for r in _everything(filled)["invitation"])


def test_a_backup_is_refused_under_another_key_into_a_filled_database_or_when_it_is_not_one(
        filled, tmp_path):
    file = io.StringIO()
    backup(filled, file, SECRET)
    url = f"sqlite:///{tmp_path / 'target.db'}"
    upgrade(url)
    target = make_engine(url)
    for source, key, said in (
            (file.getvalue(), "another-secret-key-0123456789abcdef", "another COMMONS_SECRET"),
            ("not a backup\n", SECRET, "not a Commons backup"),
            (file.getvalue().rsplit("\n", 3)[0] + "\n", SECRET, "incomplete")):
        with pytest.raises(BackupRefused, match=said):
            restore(target, io.StringIO(source), key)
        with target.connect() as conn:  # nothing was written
            assert all(conn.execute(select(func.count()).select_from(t)).scalar_one() == 0
                       for t in SQLModel.metadata.sorted_tables)
    restore(target, io.StringIO(file.getvalue()), SECRET)
    with pytest.raises(BackupRefused, match="empty database"):
        restore(target, io.StringIO(file.getvalue()), SECRET)
    target.dispose()


def test_the_command_line_backs_up_and_restores(filled, tmp_path, monkeypatch, capsys):
    from app.cli import main

    source_url = str(filled.url)
    monkeypatch.setenv("COMMONS_SECRET_KEY", SECRET)
    monkeypatch.setenv("COMMONS_DATABASE_URL", source_url)
    path = str(tmp_path / "commons.backup")
    assert main(["app.cli", "backup", path]) == 0
    monkeypatch.setenv("COMMONS_DATABASE_URL", f"sqlite:///{tmp_path / 'restored.db'}")
    assert main(["app.cli", "restore", path]) == 0
    assert "rows restored" in capsys.readouterr().out
    monkeypatch.setenv("COMMONS_SECRET_KEY", "another-secret-key-0123456789abcdef")
    monkeypatch.setenv("COMMONS_DATABASE_URL", f"sqlite:///{tmp_path / 'other.db'}")
    assert main(["app.cli", "restore", path]) == 2
    assert "not restored: this backup was made under another" in capsys.readouterr().err
