"""The Overview's charts in a tab: read after the rest of the page, 30 or 90 days only."""

from reflex.state import State

from app.states.overview import OverviewState
from tests.reflex_harness import Browser, full_name
from tests.test_bench_sessions import signed_in  # noqa: F401 - the fixture


def test_the_charts_follow_the_page_and_take_only_30_or_90_days(signed_in):  # noqa: F811
    with Browser() as browser:
        tab = browser.tab(signed_in, "/")
        tab.send(f"{State.get_full_name()}.hydrate_and_load")
        shown = tab.state(OverviewState)
        assert shown.fare_loaded and shown.days == 30
        assert shown.fare_total == sum(k["total"] for k in shown.fare_kinds) > 0
        assert sum(w["sent"] for w in shown.fare_weeks) >= shown.fare_total

        tab.send(full_name(OverviewState, "set_days"), {"value": "90"})
        assert tab.state(OverviewState).days == 90
        for wrong in ("7", "ninety", "", "90; drop table invitation"):
            said = tab.send(full_name(OverviewState, "set_days"), {"value": wrong})
            [toast] = said.toasts("error")
            assert "Choose 30 or 90 days." in toast
            assert tab.state(OverviewState).days == 90


def test_without_a_session_the_charts_send_the_tab_to_sign_in(signed_in):  # noqa: F811
    with Browser() as browser:
        tab = browser.tab(None, "/")
        said = tab.send(full_name(OverviewState, "read_fare"))
        assert said.redirects and "/signin" in said.redirects[0]
        assert tab.state(OverviewState).fare_kinds == []
