"""The load smoke (bench/bench_load.py, soak row 15) tells apart what a person is told when
someone else acted first from an error of the app."""

import os

import pytest

_environ = dict(os.environ)
from bench.bench_load import Tally  # noqa: E402

# bench_load sets the benchmark's secret key as it is imported (the smoke's app and its
# seeding share it); the tests after this one keep theirs.
os.environ.clear()
os.environ.update(_environ)


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
