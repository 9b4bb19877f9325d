"""Runs the sender (and the dev mailbox, when it is on) in exactly one worker per deployment.

Workers compete for a lease row; the holder renews it while it runs and drains the
outbox. When the holder dies, another worker takes over once the lease has expired.
"""

import asyncio
import contextlib
import logging
import os
import socket
from datetime import timedelta

from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.db import Outage
from app.mail.devmailbox import start_dev_mailbox
from app.mail.links import drop_ended_links
from app.mail.sender import DeliveryLog, run_once
from app.models import Lease, utcnow

log = logging.getLogger("commons.mail")
LEASE = "mail-sender"
LEASE_TTL = timedelta(seconds=30)


def take_lease(engine: Engine, holder: str, name: str = LEASE) -> bool:
    """Take or renew the lease; True when `holder` holds it now."""
    now = utcnow()
    with Session(engine) as db:
        result = db.exec(update(Lease).where(
            Lease.name == name, or_(Lease.holder == holder, Lease.expires_at < now))
            .values(holder=holder, expires_at=now + LEASE_TTL))
        if result.rowcount == 1:
            db.commit()
            return True
        try:
            db.add(Lease(name=name, holder=holder, expires_at=now + LEASE_TTL))
            db.commit()
            return True
        except IntegrityError:
            return False


def release_lease(engine: Engine, holder: str, name: str = LEASE) -> None:
    with Session(engine) as db:
        db.exec(update(Lease).where(Lease.name == name, Lease.holder == holder)
                .values(expires_at=utcnow()))
        db.commit()


def drop_expired_links(engine: Engine) -> None:
    """Expiry is computed, never stored: each pass deletes the links of unsent messages
    whose invitation has run out (or ended in any other way)."""
    with Session(engine) as db:
        if drop_ended_links(db, utcnow()):
            db.commit()


async def run_mail(engine: Engine, *, smtp_url: str | None, dev_mailbox: bool = False,
                   dev_port: int, sender: str, delivery_log: DeliveryLog,
                   interval: float = 1.0, reminders=None, on_delivery=None) -> None:
    """Loop until cancelled: hold the lease, run the dev mailbox if it is on (and no SMTP
    server is set), queue due reminders (`reminders()`, when given), send mail (final
    outcomes of invitations' emails go to `delivery_log`), then await
    `on_delivery(invitation_ids)` (when given) for the invitations whose delivery state
    changed, so that open pages can show it. With neither an SMTP server nor the dev
    mailbox nothing is sent: messages stay queued, their links sealed."""
    holder = f"{socket.gethostname()}:{os.getpid()}"
    mailbox = None
    dev = dev_mailbox and not smtp_url
    target = smtp_url or (f"smtp://127.0.0.1:{dev_port}" if dev else None)
    if target is None:
        log.warning("mail is not configured: messages stay queued until COMMONS_SMTP_URL "
                    "is set")
    outage = Outage(log, "mail sender pass", "mail waits", "mail goes out again")
    try:
        while True:
            try:
                if await asyncio.to_thread(take_lease, engine, holder):
                    if dev and mailbox is None:
                        mailbox = start_dev_mailbox(engine, dev_port)
                    if reminders is not None:
                        await asyncio.to_thread(reminders)
                    await asyncio.to_thread(drop_expired_links, engine)
                    touched: list[int] = []
                    if target is not None:
                        await asyncio.to_thread(run_once, engine, worker=holder,
                                                smtp_url=target, sender=sender,
                                                delivery_log=delivery_log,
                                                touched=touched)
                    if touched and on_delivery is not None:
                        await on_delivery(sorted(set(touched)))
                outage.passed()
            except Exception as err:  # keep the loop alive; a claimed row is retried
                outage.failed(err)
            await asyncio.sleep(interval)
    finally:
        if mailbox is not None:
            with contextlib.suppress(Exception):
                mailbox.stop()
        with contextlib.suppress(Exception):
            await asyncio.shield(asyncio.to_thread(release_lease, engine, holder))
