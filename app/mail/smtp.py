"""Building a MIME message safely and handing it to an SMTP server."""

import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from app.domain.errors import InvalidInput

FROM_NAME = "Commons"


class TemporaryFailure(Exception):
    """Try again later: a 4xx reply or a connection that failed or dropped."""


class PermanentFailure(Exception):
    """Do not try again: a 5xx reply."""


def build_message(*, sender: str, to: str, subject: str, text: str, html: str,
                  message_id: str) -> EmailMessage:
    """A multipart message; header values with line breaks are refused, not folded in."""
    for value in (to, subject, message_id):
        if "\r" in value or "\n" in value:
            raise InvalidInput("A mail header value may not contain a line break.")
    msg = EmailMessage()
    msg["From"] = Address(FROM_NAME, addr_spec=sender)
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    return msg


def tls_context(smtp_url: str) -> ssl.SSLContext:
    """Certificates are verified against the system's CAs, or the `?cafile=` of the URL
    (a private CA of an internal relay)."""
    cafile = parse_qs(urlsplit(smtp_url).query).get("cafile", [None])[0]
    return ssl.create_default_context(cafile=cafile)


def send(smtp_url: str, msg: EmailMessage, timeout: float = 20.0) -> None:
    """Deliver `msg` through the server in `smtp_url` (smtp://, smtps://, smtp+starttls://,
    with optional user:password@ to log in)."""
    url = urlsplit(smtp_url)
    secure = url.scheme == "smtps"
    port = url.port or (465 if secure else 25 if url.scheme == "smtp" else 587)
    try:
        context = tls_context(smtp_url) if url.scheme != "smtp" else None
        client = (smtplib.SMTP_SSL(url.hostname, port, timeout=timeout, context=context)
                  if secure else smtplib.SMTP(url.hostname, port, timeout=timeout))
        with client:
            if url.scheme == "smtp+starttls":
                client.starttls(context=context)
            if url.username:
                client.login(unquote(url.username), unquote(url.password or ""))
            client.send_message(msg)
    except smtplib.SMTPRecipientsRefused as err:
        code, reason = next(iter(err.recipients.values()))
        _raise_for(code, reason)
    except smtplib.SMTPResponseException as err:
        _raise_for(err.smtp_code, err.smtp_error)
    except (smtplib.SMTPException, OSError) as err:
        raise TemporaryFailure(f"{type(err).__name__}: {err}") from err


def _raise_for(code: int, reason: bytes | str) -> None:
    text = reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)
    message = f"{code} {text}".strip()
    if 400 <= code < 500:
        raise TemporaryFailure(message)
    raise PermanentFailure(message)
