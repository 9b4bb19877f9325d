"""A real local SMTP server for tests (aiosmtpd) that can be told to fail."""

import ipaddress
import re
import socket
import ssl
import threading
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class _Handler:
    def __init__(self, server):
        self.server = server

    async def handle_DATA(self, smtp, session, envelope):  # noqa: N802
        with self.server.lock:
            mode = self.server.failures.pop(0) if self.server.failures else None
        if mode == "drop":
            smtp.transport.close()
            return "421 closing"
        if mode:
            return mode
        msg = message_from_bytes(envelope.content, policy=policy.default)
        with self.server.lock:
            self.server.messages.append(msg)
            self.server.sessions.append({"tls": session.ssl is not None,
                                         "login": session.auth_data.login.decode()
                                         if isinstance(session.auth_data, LoginPassword)
                                         else None})
        return "250 OK"


class _Login:
    def __init__(self, user: str, password: str):
        self.user, self.password = user.encode(), password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == self.user
              and auth_data.password == self.password)
        return AuthResult(success=ok, handled=False, auth_data=auth_data)


class TestSMTPServer:
    """`failures` is a queue of replies for the next messages: '451 ...', '550 ...', 'drop'.

    With `tls` (an ssl.SSLContext) the server offers STARTTLS and requires it; with
    `login` (user, password) it requires that login too.
    """

    __test__ = False

    def __init__(self, tls=None, login: tuple[str, str] | None = None):
        self.lock = threading.Lock()
        self.messages = []
        self.sessions: list[dict] = []   # per delivered message: was it TLS, who logged in
        self.failures: list[str] = []
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        extra = {}
        if tls is not None:
            extra.update(tls_context=tls, require_starttls=True)
        if login is not None:
            extra.update(authenticator=_Login(*login), auth_required=True)
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port,
                                     **extra)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()

    def to(self, address: str):
        with self.lock:
            return [m for m in self.messages if address in str(m["To"])]

    @staticmethod
    def links(msg) -> list[str]:
        body = msg.get_body(preferencelist=("plain",)).get_content()
        return re.findall(r"https?://\S+", body)


def self_signed(directory) -> tuple[str, ssl.SSLContext]:
    """A certificate for 127.0.0.1 and localhost: its PEM path (the client's cafile) and a
    server context that presents it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = Path(directory) / "smtp-cert.pem", Path(directory) / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return str(cert_path), context

