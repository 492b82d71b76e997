"""Real redis-server and nginx for the classroom tests, on free loopback ports with generated
configs, stopped afterwards. Without the binaries a test skips locally and fails under CI
(CI=true), where .ci/run installs them."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parent.parent


def need(binary: str, *extra_dirs: str) -> str:
    """The binary's path; skip (or fail under CI) without it."""
    path = shutil.which(binary) or next((p for d in extra_dirs if os.access(p := f"{d}/{binary}", os.X_OK)), None)
    if path is None:
        message = f"{binary} is not installed (.ci/run installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {timeout}s")


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """A private redis-server (no persistence); yields its redis:// URL."""
    binary = need("redis-server")
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--protected-mode", "yes"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


NGINX_CONF = """
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
{site}
}}
"""


def nginx_site(listen: int, upstreams: list[int]) -> str:
    """The server block of docs/deploy.md, for these ports (tests use it as documented)."""
    text = (ROOT / "docs" / "nginx-classroom.conf").read_text()
    servers = "\n".join(f"    server 127.0.0.1:{port};" for port in upstreams)
    return text.replace("    server 127.0.0.1:8001;\n    server 127.0.0.1:8002;", servers) \
               .replace("listen 80;", f"listen 127.0.0.1:{listen};").replace("server_name class.example.org;",
                                                                              "server_name 127.0.0.1;")


@contextlib.contextmanager
def nginx(upstreams: list[int]) -> Iterator[int]:
    """nginx in front of `upstreams` with docs/nginx-classroom.conf; yields its port."""
    binary = need("nginx", "/usr/sbin")
    port = free_port()
    folder = tempfile.mkdtemp(prefix="nnp-nginx-")
    conf = Path(folder) / "nginx.conf"
    conf.write_text(NGINX_CONF.format(dir=folder, site=nginx_site(port, upstreams)))
    proc = subprocess.Popen([binary, "-c", str(conf), "-p", folder], stdout=subprocess.DEVNULL,
                            stderr=open(Path(folder) / "stderr.log", "wb"))
    try:
        wait_for_port(port)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
