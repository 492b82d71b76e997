"""Guards on the HTTP surface: requests must name this server, responses carry security headers.

DNS rebinding: a page on another site can make its own name resolve to 127.0.0.1 (or to the
teacher's LAN address) and then talk to this server as if it were that site; the browser
still sends that site's name as `Host` (and as `Origin`, so the WebSocket's Origin check
alone passes). `HostGuard` therefore answers only requests whose Host names this server: its
bound address, `localhost` and the loopback addresses, the address the connection arrived
at, this machine's own addresses and name, and what `--allowed-hosts` (or the host of an
`--allowed-origins` entry) adds; `*` there switches the check off. A refused HTTP request
gets 403; a refused WebSocket handshake is closed before it is accepted (HTTP 403 too).

`SecurityHeaders` adds a Content-Security-Policy that allows only this server's own scripts,
styles, pictures and connections (no inline script; `connect-src 'self'` includes the page's
own ws:/wss: socket), forbids framing, and sets nosniff and no-referrer. The page needs no
more: its schema is a JSON data block (not run, so not script), the PNG export downloads
through a blob: URL (a navigation, which the policy does not govern), fflate inflates
synchronously (no worker), and styles are set through element.style (CSSOM, allowed).

Both are plain ASGI middleware, so they see every HTTP request and WebSocket handshake
before FastAPI's routing does. `api_docs_routes` serves the API description when the
teacher asks for it (`--api-docs`): the OpenAPI document and a plain page listing the
endpoints, with no script from a CDN (Swagger UI is not vendored here).
"""

from __future__ import annotations

import html
import ipaddress
import logging
import socket
import time
from typing import Any, Awaitable, Callable, Iterable
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse

log = logging.getLogger("nn_playground.guard")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self'", "connect-src 'self'",
    "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
])
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),  # frame-ancestors for browsers that predate it
]
WILDCARD_BINDS = ("0.0.0.0", "::", "")
MACHINE_REFRESH_SECONDS = 30.0  # an unknown address re-reads the machine's (Wi-Fi changed, DHCP)
MAX_LOGGED_HOSTS = 64  # one warning per refused name, not one per request of an attacking page


class AllowedHosts:
    """Which Host header values name this server (see the module docstring)."""

    def __init__(self, bind_host: str, extra: Iterable[str] = ()):
        extra = [name.strip().lower().rstrip(".") for name in extra if name.strip()]
        self.any = "*" in extra
        self.names = {"localhost", *(n for n in extra if _ip(n) is None)}
        self.addresses = {a for a in (_ip(n) for n in extra) if a is not None}
        bound = _ip(bind_host)
        if bound is not None and not bound.is_unspecified:
            self.addresses.add(bound)
        elif bind_host not in WILDCARD_BINDS:
            self.names.add(bind_host.lower())
        self._machine: set[ipaddress.IPv4Address | ipaddress.IPv6Address] = set()
        self._machine_names: set[str] = set()
        self._machine_read = -MACHINE_REFRESH_SECONDS
        self._refresh_machine()

    def admits(self, host: str, local_address: str | None = None) -> bool:
        """True if `host` (a Host header's host part, no port) names this server."""
        if self.any:
            return True
        host = host.lower().rstrip(".")
        address = _ip(host)
        if address is None:
            return host in self.names or host in self._machine_names
        if address.is_loopback or address in self.addresses or address == _ip(local_address or ""):
            return True
        if address not in self._machine and time.monotonic() - self._machine_read > MACHINE_REFRESH_SECONDS:
            self._refresh_machine()
        return address in self._machine

    def _refresh_machine(self) -> None:
        self._machine = {a for a in (_ip(s) for s in machine_addresses()) if a is not None}
        name = socket.gethostname().lower()
        self._machine_names = {name, name + ".local"} if name else set()
        self._machine_read = time.monotonic()


def machine_addresses() -> list[str]:
    """This machine's addresses others may reach it at, the outgoing interface's first (no packet is sent)."""
    found: list[str] = []
    for family, probe in ((socket.AF_INET, "10.255.255.255"), (socket.AF_INET6, "fd00::1")):
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as s:
                s.connect((probe, 1))  # picks the outgoing interface; UDP connect sends nothing
                found.append(s.getsockname()[0])
        except OSError:
            pass
    try:
        found += [info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)]
    except OSError:
        pass
    return list(dict.fromkeys(a.split("%")[0] for a in found))


def host_part(header: str) -> str:
    """The host of a Host header value: "[::1]:8000" -> "::1", "Example.org:80" -> "Example.org"."""
    header = header.strip()
    if header.startswith("["):
        return header[1:header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


class HostGuard:
    """ASGI middleware: refuse HTTP requests and WebSocket handshakes whose Host does not name this server."""

    def __init__(self, app: ASGIApp, allowed: AllowedHosts):
        self.app = app
        self.allowed = allowed
        self._logged: set[str] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        raw = _header(scope, b"host")
        # No Host at all: an HTTP/1.0 script; every browser sends one, so no page can rebind that.
        host = None if raw is None else host_part(raw)
        local = (scope.get("server") or (None,))[0]
        if host is None or (host and self.allowed.admits(host, local)):
            await self.app(scope, receive, send)
            return
        self._warn(host)
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})  # before accept: HTTP 403
            return
        body = (f"This server does not answer to the name {host!r}. If that is its name, start it with "
                f"--allowed-hosts {host}\n").encode()
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    def _warn(self, host: str) -> None:
        if host in self._logged or len(self._logged) >= MAX_LOGGED_HOSTS:
            return
        self._logged.add(host)
        log.warning("refused requests for Host %r (not this server's name; possible DNS rebinding). "
                    "Add it with --allowed-hosts if it is this server's name", host[:100])


class SecurityHeaders:
    """ASGI middleware: the security headers (module docstring) on every HTTP response."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in SECURITY_HEADERS if n not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def origin_hosts(origins: Iterable[str]) -> list[str]:
    """The host names of `--allowed-origins` entries: a proxy serving the page by that name sends it as Host."""
    return [host for host in (urlsplit(o).hostname for o in origins) if host]


def api_docs_routes(app: FastAPI) -> None:
    """`/api/openapi.json` and a plain `/api/docs` page listing the endpoints (`--api-docs`)."""

    @app.get("/api/openapi.json", include_in_schema=False)
    async def openapi_document() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/api/docs", include_in_schema=False, response_class=HTMLResponse)
    async def api_docs_page() -> HTMLResponse:
        rows = []
        for path, methods in app.openapi().get("paths", {}).items():
            for method, operation in methods.items():
                summary = operation.get("summary") or operation.get("description") or ""
                rows.append(f"<tr><td>{html.escape(method.upper())}</td><td><code>{html.escape(path)}</code></td>"
                            f"<td>{html.escape(summary.splitlines()[0] if summary else '')}</td></tr>")
        page = ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>NN Playground API</title>"
                "</head><body><h1>NN Playground API</h1><p>The full description: "
                "<a href=\"/api/openapi.json\">/api/openapi.json</a> (OpenAPI). The live session's WebSocket "
                "protocol is in docs/protocol.md.</p><table><tr><th>method</th><th>path</th><th>what</th></tr>"
                + "".join(rows) + "</table></body></html>")
        return HTMLResponse(page)
