"""`WS /ws`: one live training session per connection (docs/protocol.md).

Order of checks on connect: the Host (server.routes.guard, before this route), the Origin
(cross-site pages are refused with HTTP 403 before the handshake), then capacity (a full
server accepts, says why, and closes with 1013 so a page can show the message), then the
client's own share (--max-sessions-per-client: `client_full`, closed with 1008). Then `hello`, `data` and a first frame, and the receive loop:
rate limit, size limit, parse, apply. Nothing a client sends can raise out of here except
a disconnect; sustained flooding closes that one connection with 1008.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import time
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, WebSocket
from starlette.datastructures import Headers
from starlette.websockets import WebSocketDisconnect

from .. import PROTOCOL, __version__
from ..handlers import dispatch
from ..live.clients import ClientKey
from ..live.fairshare import charged
from ..live import allocator
from ..live.hard_close import close_or_abort
from ..live.hub import Hub, get_hub
from ..live.outbox import SlowClient
from ..live.ratelimit import TokenBucket
from ..live.session import Session
from ..live.stream import send_loop
from ..settings import Settings, get_settings
from ..wire import replies
from ..wire.messages import ProtocolError
from .receiving import message_text, next_event

log = logging.getLogger("nn_playground.ws")
router = APIRouter()

CLOSE_POLICY = 1008  # policy violation: foreign origin, flooding, not reading
CLOSE_TRY_LATER = 1013  # server full
MAX_MESSAGE_WAIT = 2.0  # the longest a message waits for its client's CPU debt to be paid


def origin_allowed(headers: Headers, settings: Settings) -> bool:
    """Same host:port as the page that serves it, a configured origin, or no Origin at all.

    Browsers always send Origin on WebSocket handshakes, so a missing one is a non-browser
    client (tests, scripts), which cannot be used for cross-site hijacking.
    """
    origin = headers.get("origin")
    if origin is None:
        return True
    origin = origin.strip().rstrip("/")
    if origin in settings.allowed_origins:
        return True
    parts = urlsplit(origin)
    host = headers.get("host", "")
    return parts.scheme in ("http", "https") and bool(host) and parts.netloc.lower() == host.lower()


def page_key(websocket: WebSocket) -> ClientKey:
    """The page that opened this connection: the address (the connection's, or
    X-Forwarded-For's when uvicorn was told to trust the proxy it came through,
    --forwarded-allow-ips) and the page id. It shares the CPU fairly (server.live.fairshare)."""
    address = websocket.client.host if websocket.client else "unknown"
    return ClientKey.of(address, websocket.query_params.get("page"))


def client_key(websocket: WebSocket, settings: Settings) -> ClientKey | None:
    """Who counts against --max-sessions-per-client; None for this machine's own browsers when
    only they can connect."""
    key = page_key(websocket)
    if settings.bound_to_loopback:
        try:
            if ipaddress.ip_address(key.address).is_loopback:
                return None
        except ValueError:
            pass
    return key


def hello_message(session: Session, settings: Settings) -> replies.HelloReply:
    """The session's first reply: protocol, its config and the server's limits."""
    return replies.hello(protocol=PROTOCOL, server_version=__version__, config=session.config,
                         version=session.version, limits=settings.limits())


@router.websocket("/ws")
async def live_session(websocket: WebSocket, settings: Settings = Depends(get_settings),
                       hub: Hub = Depends(get_hub)) -> None:
    if not origin_allowed(websocket.headers, settings):
        log.warning("refused WebSocket from origin %r", websocket.headers.get("origin"))
        await websocket.close(code=CLOSE_POLICY)  # before accept: uvicorn answers HTTP 403
        return
    await websocket.accept()
    if hub.full:
        await websocket.send_text(json.dumps(replies.error(
            "server_full", f"the server is full ({settings.sessions_per_worker} sessions per worker); "
                           f"try again later or ask the teacher to raise --max-sessions")))
        await websocket.close(code=CLOSE_TRY_LATER, reason="server full")
        return
    client = client_key(websocket, settings)
    place = None if client is None else await hub.reserve(client)
    if client is not None and place is None:
        await websocket.send_text(json.dumps(replies.error(
            "client_full", f"this computer ({client.address}) already has {settings.max_sessions_per_client} "
                           f"pages open on this server; close one, or ask the teacher to raise "
                           f"--max-sessions-per-client")))
        await websocket.close(code=CLOSE_POLICY, reason="too many pages from this address")
        return
    page = page_key(websocket)
    # a page without an id is a client of its own (a compare page sends one id for both sessions)
    session = hub.open_session(place, address=websocket.client.host if websocket.client else "",
                               share_key=page if page.page is not None else None)
    sender = hub.spawn(send_loop(session, websocket.send_text, websocket.send_bytes, hub.scheduler))
    try:
        session.post(hello_message(session, settings))
        session.post(session.data_message())
        session.want_frame()
        await _receive_loop(websocket, session, settings, sender)
    except WebSocketDisconnect:
        pass
    finally:
        hub.close_session(session)
        sender.cancel()
        await asyncio.gather(sender, return_exceptions=True)
        del session  # the last reference here: its trainer's memory is free only now
        allocator.trim(force=True)


async def _receive_loop(websocket: WebSocket, session: Session, settings: Settings,
                        sender: asyncio.Task) -> None:
    bucket = TokenBucket(settings.messages_per_second, settings.message_burst)
    last_rate_error = 0.0
    while (event := await next_event(websocket, sender)) is not None:
        try:
            if not bucket.allow():
                if bucket.abusive:
                    await websocket.close(code=CLOSE_POLICY, reason="too many messages")
                    return
                now = time.monotonic()
                if now - last_rate_error >= 1.0:  # one notice a second, not one per message
                    last_rate_error = now
                    raise ProtocolError("rate_limited", f"more than {settings.messages_per_second:g} messages a "
                                                        f"second; this message was ignored")
                continue
            incoming = message_text(event, settings, resumable=True)
            # a client in CPU debt (a big edit, a gradient check...) waits for its turn, and
            # what this message costs is charged to it: it delays that client, not others
            wait = session.account.wait()
            if wait > 0:
                await asyncio.sleep(min(wait, MAX_MESSAGE_WAIT))
            await charged(dispatch(session, incoming.text, incoming.check_type), session.account)
        except ProtocolError as exc:
            _post(session, exc.reply())
        except SlowClient as exc:
            await close_or_abort(websocket, CLOSE_POLICY, f"the client does not read its replies ({exc})")
            return
        except Exception:  # a server bug: report, keep the session and the server
            log.exception("handling a message failed")
            _post(session, replies.error("internal", "the server failed to handle this message (see the server log)"))


def _post(session: Session, reply: replies.Reply) -> None:
    try:
        session.post(reply)
    except SlowClient:
        pass
