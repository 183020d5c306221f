"""Real local servers the messaging tests talk to: an SMTP server that refuses every recipient
(550) or accepts everything, and an HTTP server that records requests and answers as told."""

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _SmtpHandler(socketserver.StreamRequestHandler):
    def handle(self):
        server = self.server
        self.wfile.write(b"220 test.local ESMTP\r\n")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode("ascii", "replace").strip()
            verb = command.split(" ", 1)[0].upper()
            server.commands.append(command)
            if verb in ("EHLO", "HELO"):
                self.wfile.write(b"250 test.local\r\n")
            elif verb == "MAIL":
                self.wfile.write(b"250 OK\r\n")
            elif verb == "RCPT":
                refused = server.refuse is None or any(a in command for a in server.refuse)
                self.wfile.write(server.rcpt_answer if refused else ACCEPT)
            elif verb == "DATA":
                self.wfile.write(b"354 go on\r\n")
                while self.rfile.readline() not in (b".\r\n", b""):
                    pass
                server.delivered += 1
                self.wfile.write(b"250 queued\r\n")
            elif verb == "RSET" or verb == "NOOP":
                self.wfile.write(b"250 OK\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"502 not implemented\r\n")


class SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, rcpt_answer: bytes, refuse: set[str] | None = None):
        super().__init__(("127.0.0.1", 0), _SmtpHandler)
        self.rcpt_answer = rcpt_answer
        # None: every recipient gets `rcpt_answer`; else only these addresses (others: 250)
        self.refuse = refuse
        self.commands: list[str] = []
        self.delivered = 0

    @property
    def rcpt_count(self) -> int:
        return sum(1 for c in self.commands if c.upper().startswith("RCPT"))


REFUSE = b"550 5.1.1 <nobody@example.gov.cn>: Recipient address rejected: User unknown\r\n"
ACCEPT = b"250 OK\r\n"


@contextmanager
def smtp_server(
    settings, *, rcpt_answer: bytes = REFUSE, refuse: set[str] | None = None
) -> Iterator[SmtpServer]:
    """A real SMTP server on a free port; Django's SMTP backend pointed at it. `refuse`: only
    these addresses get `rcpt_answer`, the others are accepted."""
    server = SmtpServer(rcpt_answer, refuse)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.server_address[1]
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


class _HttpHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        server = self.server
        length = int(self.headers.get("Content-Length") or 0)
        server.requests.append(
            {"path": self.path, "headers": dict(self.headers), "body": self.rfile.read(length)}
        )
        status, body = server.answer
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # keep the test output clean
        pass


class HttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, answer: tuple[int, bytes]):
        super().__init__(("127.0.0.1", 0), _HttpHandler)
        self.answer = answer
        self.requests: list[dict] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/sms/norsubmit"


@contextmanager
def http_server(answer: tuple[int, bytes]) -> Iterator[HttpServer]:
    server = HttpServer(answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
