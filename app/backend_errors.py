"""What a person hears when their event fails before it reaches Commons' code.

With several workers Reflex keeps each tab's state in Redis. While Redis is away (a
restart, a failover) an event cannot even load its state: nothing of Commons ran, so
nothing changed, and the person is told so in a sentence they can act on (try again in a
moment; the tab reconnects by itself once Redis is back, app/live/redis_watch.py). The log
gets one warning line, not a traceback per click. Any other failure goes to Reflex's own
handler: an ERROR with its traceback, and "An error occurred".
"""

import logging

from reflex.app import default_backend_exception_handler
from reflex_base.event import EventSpec
from reflex_components_sonner.toast import toast

from app.live.topics import redis_away

log = logging.getLogger("commons.live")

STATE_STORE_GONE = ("The app could not reach its session store, so nothing was changed. "
                    "Try again in a moment.")


def backend_exception_handler(exception: Exception) -> EventSpec | None:
    if redis_away(exception):
        log.warning("an event was not run: Redis could not be reached (%s)",
                    str(exception).splitlines()[0][:200])
        return toast(STATE_STORE_GONE, level="error", id="state-store-gone")
    return default_backend_exception_handler(exception)
