"""Runs the webhook sender in exactly one worker per deployment (a lease of its own, as the
mail sender's), beside the mail sender so neither waits for the other."""

import asyncio
import contextlib
import logging
import os
import socket

from sqlalchemy.engine import Engine

from app.db import Outage
from app.mail.runner import release_lease, take_lease
from app.webhooks.sender import Pump

log = logging.getLogger("commons.webhooks")
LEASE = "webhook-sender"


async def run_webhooks(engine: Engine, *, allow_private: bool, base_url: str,
                       interval: float = 1.0, on_change=None) -> None:
    """Loop until cancelled: hold the lease, start posting what is due (without waiting
    for the calls), then await `on_change(organization_ids)` (when given) for the
    organizations whose calls finished."""
    holder = f"{socket.gethostname()}:{os.getpid()}"
    outage = Outage(log, "webhook sender pass", "webhooks wait", "webhooks go out again")
    pump = Pump(engine, worker=holder, allow_private=allow_private, base_url=base_url)
    try:
        while True:
            try:
                if await asyncio.to_thread(take_lease, engine, holder, LEASE):
                    changed = await asyncio.to_thread(pump.step)
                    if changed and on_change is not None:
                        await on_change(sorted(changed))
                outage.passed()
            except Exception as err:  # keep the loop alive; a claimed row is retried
                outage.failed(err)
            await asyncio.sleep(interval)
    finally:
        pump.close()
        with contextlib.suppress(Exception):
            await asyncio.shield(asyncio.to_thread(release_lease, engine, holder, LEASE))
