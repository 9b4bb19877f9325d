"""A real HTTP receiver of webhooks on loopback, for tests: it records each request and
answers as the test says (a status, after a pause, or only once something happened)."""

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from app.domain.webhook_signing import BadSignature, verify


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    @property
    def id(self) -> str:
        return self.headers["webhook-id"]

    def verified(self, secret: str, now: int | None = None) -> bool:
        try:
            verify(secret, self.headers, self.body, now=now or int(time.time()))
        except BadSignature:
            return False
        return True


@dataclass
class Receiver:
    answers: list = field(default_factory=list)  # statuses (or callables) to give, in turn
    default: int = 200
    got: list[Received] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                receiver.got.append(Received(self.path, {k.lower(): v for k, v in
                                                         self.headers.items()}, body))
                receiver.arrived.set()
                answer = receiver.answers.pop(0) if receiver.answers else receiver.default
                status = answer() if callable(answer) else answer
                self.send_response(status)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
