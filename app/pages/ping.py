"""A minimal Reflex round trip for `make bench`: one button, one counter, no database, no
session. Mounted only when COMMONS_BENCH_PING=1 (the benchmark's own app), so its time is
the baseline every other figure is read beside."""

import reflex as rx


class PingState(rx.State):
    pings: int = 0

    @rx.event
    def ping(self):
        self.pings += 1


def ping_page() -> rx.Component:
    return rx.box(rx.button("Ping", on_click=PingState.ping, id="ping"),
                  rx.text(PingState.pings, id="pings"))
