"""Invitation (and new-password) links in the outbox: sealed at rest, opened only to be
delivered.

`enqueue` stores a message's bodies with the token of every /invite/, /join/, /org-invite/
and /reset/ link replaced by a marker, and the tokens encrypted in `sealed_links` (AES-GCM
under a key derived from the secret key for this purpose alone, bound to the Message-ID).
The sender opens them just before it hands the message to the SMTP server.
After delivery, when delivery fails for good, and as soon as the link can no longer be
used, the sealed tokens are deleted and the markers say why. `drop_ended_links` is the
one place that decides when an invitation's link has ended.
"""

import base64
import binascii
import json
import os
import re
from collections.abc import Iterable
from datetime import datetime
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import bindparam, exists, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from app.domain import invitation_status as st
from app.models import Invitation, OutboxMessage
from app.settings import get_settings

PURPOSE = "outbox-links"
_PATH = r"(/(?:invite|join|org-invite|reset)/)"
_TOKEN = re.compile(_PATH + r"([A-Za-z0-9_\-]+)")
_MARKER = re.compile(_PATH + r"\[sealed link (\d+)\]")
_ANY_LINK = re.compile(_PATH + r"(?:\[sealed link \d+\]|[A-Za-z0-9_\-]+)")
UNSENT = ("queued", "sending")

AFTER_DELIVERY = "removed after delivery"
DELIVERY_FAILED = "link removed: the email could not be delivered"
ENDED = "link removed: the invitation has ended"
UNREADABLE = "link removed: it could not be decrypted"
ENDED_NOTE = ("This invitation ended before this email could be sent, so its link has been "
              "removed. If you still need an invitation, ask the person who sent it.")


def _cipher() -> AESGCM:
    return AESGCM(get_settings().key(PURPOSE))


def seal(message_id: str, text: str, html: str) -> tuple[str, str, str | None]:
    """(text, html, sealed): the bodies with a marker in place of each link token, and the
    tokens encrypted (None when there is no link)."""
    tokens: dict[str, int] = {}

    def mark(match: re.Match) -> str:
        return f"{match[1]}[sealed link {tokens.setdefault(match[2], len(tokens))}]"

    # A marker already in the text (typed into a name) would be filled in at delivery.
    text, html = (_TOKEN.sub(mark, _MARKER.sub(r"\1[link]", body)) for body in (text, html))
    if not tokens:
        return text, html, None
    nonce = os.urandom(12)
    box = _cipher().encrypt(nonce, json.dumps(list(tokens)).encode(), message_id.encode())
    return text, html, base64.urlsafe_b64encode(nonce + box).decode()


def _tokens(message_id: str, sealed: str) -> list[str] | None:
    try:
        raw = base64.urlsafe_b64decode(sealed.encode())
        return json.loads(_cipher().decrypt(raw[:12], raw[12:], message_id.encode()))
    except (InvalidTag, ValueError, binascii.Error):  # another secret key, or damaged
        return None


def removed(body: str, why: str) -> str:
    """`body` with every link token (sealed or not) replaced by `[why]`."""
    return _ANY_LINK.sub(lambda m: f"{m[1]}[{why}]", body)


def opened(row: OutboxMessage) -> tuple[str, str]:
    """(text, html) as they are to be delivered now: with working links while the row
    still holds them."""
    if row.sealed_links is None:
        return row.body_text, row.body_html
    tokens = _tokens(row.message_id, row.sealed_links)
    if tokens is None:
        return removed(row.body_text, UNREADABLE), removed(row.body_html, UNREADABLE)

    def put(match: re.Match) -> str:
        n = int(match[2])
        return match[1] + tokens[n] if n < len(tokens) else match[0]

    return _MARKER.sub(put, row.body_text), _MARKER.sub(put, row.body_html)


def forget(row: OutboxMessage, why: str) -> dict:
    """The column values that delete the row's links, leaving `[why]` in their place."""
    return {"sealed_links": None, "body_text": removed(row.body_text, why),
            "body_html": removed(row.body_html, why)}


@cache
def _ended_links(of_invitations: bool):
    """`drop_ended_links`'s query (built once: an accept runs it, and building its aliases
    cost more than running it), for `now` and, `of_invitations`, the batches of `ids`."""
    sibling, ended = aliased(Invitation), aliased(Invitation)
    now = bindparam("now", type_=Invitation.expires_at.type)
    live = exists().where(sibling.batch_id == Invitation.batch_id,
                          sibling.status == st.PENDING, sibling.expires_at > now)
    query = (select(OutboxMessage).join(Invitation, Invitation.id == OutboxMessage.invitation_id)
             .where(OutboxMessage.sealed_links.is_not(None), OutboxMessage.status.in_(UNSENT),
                    ~live))
    if of_invitations:
        query = query.where(Invitation.batch_id.in_(
            select(ended.batch_id).where(ended.id.in_(bindparam("ids", expanding=True)))))
    return query


def drop_ended_links(db: Session, now: datetime,
                     invitation_ids: Iterable[int] | None = None) -> int:
    """Delete the links of unsent messages whose invitation has ended: no row of its batch
    (the rows that share one link) is still pending and unexpired. Such a message is
    still sent, with a sentence saying the invitation ended (what else it says may
    matter to its reader).

    Services call this with the invitations they just ended (revoked, accepted,
    declined); the sender calls it for the message it is about to send, and the mail
    runner for every message (expiry is computed, never stored). Returns how many
    messages lost their links."""
    params: dict = {"now": now}
    if invitation_ids is not None:
        params["ids"] = list(invitation_ids)
        if not params["ids"]:
            return 0
    dropped = 0
    for row in db.exec(_ended_links(invitation_ids is not None), params=params).all():
        values = forget(row, ENDED)
        values["body_text"] = f"{ENDED_NOTE}\n\n{values['body_text']}"
        if row.body_html:
            values["body_html"] = f"<p>{ENDED_NOTE}</p>{values['body_html']}"
        dropped += db.exec(update(OutboxMessage).where(
            OutboxMessage.id == row.id, OutboxMessage.sealed_links.is_not(None))
            .values(**values)).rowcount
    return dropped
