"""The built-in SMTP sink: what it receives is stored for the Mailbox page."""

import re
from email import message_from_bytes, policy
from urllib.parse import urlsplit

from aiosmtpd.controller import Controller
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.models import DevMailboxMessage


def _text_of(msg) -> str:
    part = msg.get_body(preferencelist=("plain", "html")) if msg.is_multipart() else msg
    return part.get_content() if part is not None else ""


class _StoreHandler:
    def __init__(self, engine: Engine):
        self.engine = engine

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        msg = message_from_bytes(envelope.content, policy=policy.default)
        row = DevMailboxMessage(
            mail_from=envelope.mail_from[:320], rcpt_to=", ".join(envelope.rcpt_tos)[:2000],
            subject=str(msg.get("Subject", ""))[:300],
            message_id=str(msg.get("Message-ID", ""))[:200], body_text=_text_of(msg),
        )
        with Session(self.engine) as db:
            db.add(row)
            db.commit()
        return "250 Message accepted"


def start_dev_mailbox(engine: Engine, port: int) -> Controller:
    """Start the sink on 127.0.0.1:`port` in its own thread; call `.stop()` to end it."""
    controller = Controller(_StoreHandler(engine), hostname="127.0.0.1", port=port)
    controller.start()
    return controller


_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)


def link_parts(text: str) -> list[dict[str, str]]:
    """`text` cut into pieces, each {"text", "href"}: the http(s) addresses in it carry
    themselves as `href` (trailing punctuation left out), everything else an empty one. The
    page shows every piece as text, the addresses as links: nothing in a message is ever
    read as HTML, and no other scheme (javascript:, data:) becomes a link."""
    parts, start = [], 0
    for match in _URL.finditer(text):
        url = match.group().rstrip(".,;:!?)]}")
        split = urlsplit(url)
        if split.scheme.lower() not in ("http", "https") or not split.hostname:
            continue
        if match.start() > start:
            parts.append({"text": text[start:match.start()], "href": ""})
        parts.append({"text": url, "href": url})
        start = match.start() + len(url)
    if start < len(text):
        parts.append({"text": text[start:], "href": ""})
    return parts


def list_messages(db: Session, limit: int = 200) -> list[dict]:
    rows = db.exec(select(DevMailboxMessage)
                   .order_by(DevMailboxMessage.id.desc()).limit(limit)).all()
    return [{"id": r.id, "to": r.rcpt_to, "subject": r.subject, "body": r.body_text,
             "parts": link_parts(r.body_text),
             "received": r.received_at.strftime("%Y-%m-%d %H:%M:%S UTC")} for r in rows]
