"""A real nginx (Debian's package) running deploy/nginx/portal.conf in front of a test gunicorn:
the shipped file with only its paths, ports and certificate replaced, in a main configuration of
its own (temporary prefix, no daemon, logs and temporary files in a folder of the caller's).

Used by tests/live/test_nginx.py and bench/nginx_files.py.
"""

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.production import REPO, process

PORTAL_CONF = REPO / "deploy" / "nginx" / "portal.conf"


def nginx_binary() -> str | None:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    return found


def nginx_problem() -> str | None:
    """Why nginx cannot run here (None when it can)."""
    if nginx_binary() is None:
        return "nginx is not installed (Debian: apt-get install nginx; .ci/run installs it)"
    if shutil.which("openssl") is None:
        return "openssl is not installed (the test makes a certificate for nginx's TLS server)"
    if not Path("/etc/nginx/mime.types").exists():
        return "/etc/nginx/mime.types is missing (Debian's nginx-common)"
    return None


@dataclass
class Nginx:
    port: int  # the TLS server of portal.conf
    http_port: int  # its plain-HTTP server (a redirect to HTTPS)
    folder: Path
    proc: subprocess.Popen[bytes]
    cert: Path  # the server's self-signed certificate: a client's `verify`

    @property
    def base(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def error_log(self) -> str:
        return (self.folder / "error.log").read_text(errors="replace")


def _replace(text: str, old: str, new: str, count: int) -> str:
    found = text.count(old)
    assert found == count, f"deploy/nginx/portal.conf: {old!r} found {found} times, not {count}"
    return text.replace(old, new)


def portal_conf(
    *,
    port: int,
    http_port: int,
    upstreams: list[int],
    static_root: Path,
    media_root: Path,
    cert: Path,
    key: Path,
) -> str:
    """deploy/nginx/portal.conf for this machine: loopback ports, the test's folders."""
    text = PORTAL_CONF.read_text(encoding="utf-8")
    servers = "".join(f"server 127.0.0.1:{p};\n    " for p in upstreams).rstrip()
    text = _replace(text, "server 127.0.0.1:8000;", servers, 1)
    text = _replace(text, "listen 80;", f"listen 127.0.0.1:{http_port};", 1)
    text = _replace(text, "listen [::]:80;\n", "", 1)
    text = _replace(text, "listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;", 1)
    text = _replace(text, "listen [::]:443 ssl;\n", "", 1)
    text = _replace(text, "/etc/ssl/portal/fullchain.pem", str(cert), 1)
    text = _replace(text, "/etc/ssl/portal/privkey.pem", str(key), 1)
    text = text.replace("/srv/portal/static/", f"{static_root}/")
    text = text.replace("/srv/portal/media/", f"{media_root}/")
    return text


def main_conf(folder: Path) -> str:
    """nginx.conf around the site file: Debian's defaults that matter, everything in `folder`."""
    user = "user root;\n" if os.geteuid() == 0 else ""  # the test's folders are private
    temp = "".join(
        f"    {kind}_temp_path {folder}/tmp/{kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}daemon off;\nworker_processes 1;\npid {folder}/nginx.pid;\n"
        f"error_log {folder}/error.log warn;\n"
        "events { worker_connections 1024; }\n"
        "http {\n"
        "    include /etc/nginx/mime.types;\n"
        "    default_type application/octet-stream;\n"
        "    sendfile on;\n    tcp_nopush on;\n"
        f"    access_log {folder}/access.log;\n"
        f"{temp}"
        f"    include {folder}/portal.conf;\n"
        "}\n"
    )


def self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


@contextmanager
def running_nginx(
    folder: Path,
    *,
    port: int,
    http_port: int,
    upstreams: list[int],
    static_root: Path,
    media_root: Path,
) -> Iterator[Nginx]:
    """nginx with portal.conf on `port` (TLS) and `http_port`, stopped when the block ends."""
    folder.mkdir(parents=True, exist_ok=True)
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / "tmp" / kind).mkdir(parents=True, exist_ok=True)
    cert, key = self_signed(folder)
    (folder / "portal.conf").write_text(
        portal_conf(
            port=port,
            http_port=http_port,
            upstreams=upstreams,
            static_root=static_root,
            media_root=media_root,
            cert=cert,
            key=key,
        ),
        encoding="utf-8",
    )
    (folder / "nginx.conf").write_text(main_conf(folder), encoding="utf-8")
    binary = nginx_binary()
    assert binary is not None
    args = [
        binary,
        "-p",
        str(folder),
        "-c",
        str(folder / "nginx.conf"),
        "-e",
        str(folder / "error.log"),
    ]
    check = subprocess.run([*args, "-t"], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, f"nginx -t refused the configuration:\n{check.stderr}"
    with process(args, dict(os.environ), folder / "nginx.out") as proc:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, (folder / "error.log").read_text(errors="replace")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, "nginx is not listening after 30 s"
                time.sleep(0.1)
        yield Nginx(port=port, http_port=http_port, folder=folder, proc=proc, cert=cert)
