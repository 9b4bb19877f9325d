"""A real local SMTP server for tests (aiosmtpd) that can be told to fail."""

import re
import socket
import threading
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


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
        return "250 OK"


class TestSMTPServer:
    """`failures` is a queue of replies for the next messages: '451 ...', '550 ...', 'drop'."""

    __test__ = False

    def __init__(self):
        self.lock = threading.Lock()
        self.messages = []
        self.failures: list[str] = []
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

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
