"""The load smoke (bench/bench_load.py, soak row 15) tells apart what a person is told when
someone else acted first from an error of the app."""

import importlib
import os

import pytest

import bench.bench_load
from bench.bench_load import Tally


def test_importing_the_smoke_leaves_the_environment_as_it_was(monkeypatch):
    """The tests after this one keep their secret key (the smoke sets its own as it seeds)."""
    monkeypatch.setenv("COMMONS_SECRET_KEY", "the-tests-own-key-0123456789abcdef")
    monkeypatch.delenv("COMMONS_DATA_DIR", raising=False)
    before = dict(os.environ)
    importlib.reload(bench.bench_load)
    assert dict(os.environ) == before


@pytest.mark.parametrize("message", [
    # a Join or an Accept as the inviter revokes or resends the same invitation
    "This invitation was used or changed a moment ago; nothing was done.",
    "This invitation changed a moment ago; nothing was done.",
    "Sent 3 s ago; nothing was sent again.",
    "This invitation is no longer open; nothing was revoked.",
])
def test_someone_else_acting_first_is_an_expected_refusal(message):
    tally = Tally()
    tally.refusal("tenant6/it6", "join", message)
    assert tally.errors == []
    assert sum(tally.refused.values()) == 1


def test_anything_else_is_an_error():
    tally = Tally()
    tally.refusal("tenant6/it6", "join", "Something went wrong on our side.")
    assert tally.errors == ["tenant6/it6 join: Something went wrong on our side."]
