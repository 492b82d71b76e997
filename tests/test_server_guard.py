"""The HTTP surface over real connections: requests must name this server (DNS rebinding),
security headers, API docs only on request, and the per-client session limit."""

from __future__ import annotations

import base64
import http.client
import os
import re
import socket

import pytest
from support.client import closed_code
from support.client import Client, run

from server.routes.guard import machine_addresses


def get(server, path: str, host: str | None = None, **headers: str) -> tuple[int, dict[str, str], bytes]:
    """(status, lower-cased headers, body) of a GET sent with the given Host header."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", path, headers={"Host": host or f"127.0.0.1:{server.port}", **headers})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def ws_handshake_status(server, host: str, origin: str | None = None) -> int:
    """The HTTP status a WebSocket handshake naming `host` gets (101: accepted)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        key = base64.b64encode(os.urandom(16)).decode()
        lines = ["GET /ws HTTP/1.1", f"Host: {host}", "Upgrade: websocket", "Connection: Upgrade",
                 f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
        if origin:
            lines.append(f"Origin: {origin}")
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        status_line = s.recv(4096).split(b"\r\n", 1)[0].decode()
    return int(status_line.split()[1])


# --- DNS rebinding ---------------------------------------------------------------------------

def test_a_foreign_host_is_refused_for_the_page_and_the_websocket(server):
    evil = f"evil.example:{server.port}"
    status, _, body = get(server, "/", host=evil, Origin=f"http://{evil}")
    assert status == 403 and b"--allowed-hosts" in body
    assert ws_handshake_status(server, evil, origin=f"http://{evil}") == 403
    assert get(server, "/static/js/main.js", host=evil)[0] == 403
    # names of this server are answered
    for host in (f"127.0.0.1:{server.port}", f"localhost:{server.port}", f"[::1]:{server.port}",
                 f"LOCALHOST.:{server.port}", f"{socket.gethostname()}:{server.port}"):
        assert get(server, "/", host=host)[0] == 200, host
    assert ws_handshake_status(server, f"localhost:{server.port}", origin=f"http://localhost:{server.port}") == 101


def test_allowed_hosts_flag_admits_a_name(make_server):
    srv = make_server("--allowed-hosts", "class.example.org, other.example")
    assert get(srv, "/", host="class.example.org")[0] == 200
    assert ws_handshake_status(srv, "other.example:80", origin="http://other.example:80") == 101
    assert get(srv, "/", host="evil.example")[0] == 403


def test_bound_to_every_interface_the_machines_own_addresses_count(make_server):
    addresses = [a for a in machine_addresses() if not a.startswith("127.")]
    if not addresses:
        pytest.skip("this machine has no address besides loopback")
    srv = make_server("--host", "0.0.0.0")
    for address in addresses:
        host = f"[{address}]" if ":" in address else address
        assert get(srv, "/", host=f"{host}:{srv.port}")[0] == 200, address
    assert get(srv, "/", host=f"198.51.100.77:{srv.port}")[0] == 403  # TEST-NET-2: nobody's address
    assert get(srv, "/", host=f"evil.example:{srv.port}")[0] == 403


# --- headers and API docs ----------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/static/js/main.js", "/static/css/playground.css",
                                  "/static/vendor/uplot/dist/uPlot.esm.js", "/api/schema"])
def test_security_headers_on_the_page_and_static_files(server, path):
    status, headers, _ = get(server, path)
    assert status == 200
    policy = headers["content-security-policy"]
    directives = {d.split()[0]: d.split()[1:] for d in policy.split("; ")}
    assert directives["default-src"] == ["'self'"] and directives["script-src"] == ["'self'"]
    assert directives["connect-src"] == ["'self'"] and directives["frame-ancestors"] == ["'none'"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


def test_the_page_has_no_inline_script_style_or_handlers(server):
    html = get(server, "/")[2].decode()
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag  # JSON data is not run
    assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=", html)


def test_api_docs_are_off_by_default_and_without_a_cdn_when_on(server, make_server):
    for path in ("/api/docs", "/api/openapi.json", "/docs", "/redoc", "/openapi.json"):
        assert get(server, path)[0] == 404, path
    srv = make_server("--api-docs")
    status, headers, body = get(srv, "/api/openapi.json")
    assert status == 200 and b'"/api/csv"' in body
    status, headers, body = get(srv, "/api/docs")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert b"/api/openapi.json" in body and b"/api/csv" in body
    assert b"<script" not in body and b"://" not in body  # nothing loaded from elsewhere
    assert "content-security-policy" in headers


# --- per-client limit --------------------------------------------------------------------------

def test_max_sessions_per_client_refuses_with_client_full(make_server):
    # Bound to every interface, so this loopback client is not exempt.
    srv = make_server("--host", "0.0.0.0", "--max-sessions-per-client", "2")

    async def scenario():
        async with Client(srv.ws_url) as a, Client(srv.ws_url) as b:
            await a.start()
            await b.start()
            async with Client(srv.ws_url) as third:
                error = await third.expect("error")
                assert error["code"] == "client_full"
                assert "127.0.0.1" in error["message"] and "--max-sessions-per-client" in error["message"]
                assert await closed_code(third) == 1008
            await a.send({"type": "snapshot"})
            await a.expect("frame")
        async with Client(srv.ws_url) as again:  # places free again once those closed
            await again.start()

    run(scenario())


def test_a_compare_pages_two_sessions_count_as_one_page(make_server):
    srv = make_server("--host", "0.0.0.0", "--max-sessions-per-client", "2")
    url = srv.ws_url + "?page="

    async def scenario():
        async with Client(url + "p1") as a, Client(url + "p1") as a_compare, Client(url + "p2") as b:
            for c in (a, a_compare, b):
                await c.start()  # two pages, three sessions
            async with Client(url + "p2") as b_compare:
                await b_compare.start()
            async with Client(url + "p1") as third_of_p1:  # a page id shared by more: a new page
                assert (await third_of_p1.expect("error"))["code"] == "client_full"
            async with Client(srv.ws_url) as no_id:
                assert (await no_id.expect("error"))["code"] == "client_full"

    run(scenario())


def test_loopback_clients_are_exempt_only_when_bound_to_loopback(make_server):
    srv = make_server("--max-sessions-per-client", "1")  # conftest binds 127.0.0.1

    async def scenario():
        async with Client(srv.ws_url) as a, Client(srv.ws_url) as b, Client(srv.ws_url) as c:
            for client in (a, b, c):
                await client.start()

    run(scenario())


def test_x_forwarded_for_counts_only_from_a_trusted_proxy(make_server):
    untrusted = make_server("--host", "0.0.0.0", "--max-sessions-per-client", "1", wait=False)
    trusted = make_server("--host", "0.0.0.0", "--max-sessions-per-client", "1",
                          "--forwarded-allow-ips", "127.0.0.1", wait=False)
    for srv in (untrusted, trusted):  # both start up at once
        srv.wait_ready()

    def as_client(srv, address):
        return Client(srv.ws_url, additional_headers={"X-Forwarded-For": address})

    async def scenario():
        # Anyone can send the header: without a trusted proxy it changes nothing.
        async with as_client(untrusted, "203.0.113.1") as a:
            await a.start()
            async with as_client(untrusted, "203.0.113.2") as b:
                error = await b.expect("error")
                assert error["code"] == "client_full" and "127.0.0.1" in error["message"]
        # Through a trusted proxy each forwarded address is its own client.
        async with as_client(trusted, "203.0.113.1") as a, as_client(trusted, "203.0.113.2") as b:
            await a.start()
            await b.start()
            async with as_client(trusted, "203.0.113.1") as again:
                error = await again.expect("error")
                assert error["code"] == "client_full" and "203.0.113.1" in error["message"]

    run(scenario())


@pytest.mark.slow
def test_invalid_network_flags_are_refused_at_startup(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for args, key in ((["--forwarded-allow-ips", "not-an-ip"], "forwarded_allow_ips"),
                      (["--allowed-hosts", "http://x.example/"], "allowed_hosts"),
                      (["--max-sessions-per-client", "0"], "max_sessions_per_client")):
        result = subprocess.run([sys.executable, "-m", "server", *args], cwd=root, capture_output=True,
                                text=True, timeout=60)
        assert result.returncode != 0 and key in result.stderr, (args, result.stderr)
