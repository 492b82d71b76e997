"""`WS /ws/teacher?class=CODE&token=T`: the teacher's dashboard socket (docs/protocol.md,
"Classroom").

A wrong class or token is refused at the handshake (HTTP 403). Then the socket receives the
class's state, the roster at most twice a second (merged from every worker's and server's
slice, server.classroom.room), thumbnails and a spotlit student's frames; what the teacher
sends is checked here (server.classroom.orders) and published to every worker.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque

from fastapi import APIRouter, Depends, WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from ..classroom.codes import normal_code
from ..classroom.orders import Orders
from ..classroom.roster import RosterView
from ..classroom.store import channel
from ..live.hub import Hub, get_hub
from ..settings import Settings, get_settings
from ..wire import replies
from ..wire.class_messages import TEACHER_MODELS
from ..wire.messages import ProtocolError, parse_message
from .classes import join_url
from .receiving import message_text, next_event
from .socket import CLOSE_POLICY, origin_allowed

log = logging.getLogger("nn_playground.teacher")
router = APIRouter()

TICK_SECONDS = 1 / 15  # spotlight frames go out this often at most; the roster every 0.5 s
ROSTER_SECONDS = 0.5
RENEW_SECONDS = 60.0  # a connected teacher keeps the class from expiring
MAX_QUEUED_THUMBNAILS = 300


@router.websocket("/ws/teacher")
async def teacher_socket(websocket: WebSocket, settings: Settings = Depends(get_settings),
                         hub: Hub = Depends(get_hub)) -> None:
    code = normal_code(websocket.query_params.get("class", ""))
    token = websocket.query_params.get("token", "")
    record = await hub.classroom.store.get(code) if code else None
    if (not origin_allowed(websocket.headers, settings) or record is None or not token
            or not record.admits_teacher(token)):
        await websocket.close(code=CLOSE_POLICY)  # before accept: uvicorn answers HTTP 403
        return
    await websocket.accept()
    view = RosterView()
    thumbs: deque[bytes] = deque(maxlen=MAX_QUEUED_THUMBNAILS)
    spot: deque[bytes] = deque(maxlen=1)  # only the spotlit student's latest frame is worth sending
    broker = hub.classroom.broker
    base = f"{'https' if websocket.url.scheme == 'wss' else 'http'}://{websocket.headers.get('host', '')}"
    orders = Orders(hub, record, join_url(base, record.code))
    unsubscribes = [
        await broker.subscribe(channel("roster", record.code), view.take_slice),
        await broker.subscribe(channel("thumbs", record.code), thumbs.append),
        await broker.subscribe(channel("spot", record.code), spot.append),
    ]
    await broker.publish(channel("cmd", record.code), b'{"type": "refresh"}')  # every student's picture, now
    sender = asyncio.get_running_loop().create_task(_send_loop(websocket, view, thumbs, spot, orders))
    try:
        await websocket.send_text(json.dumps(orders.state()))
        await _receive_loop(websocket, settings, orders, view, sender)
    except WebSocketDisconnect:
        pass
    finally:
        sender.cancel()
        await asyncio.gather(sender, return_exceptions=True)
        for unsubscribe in unsubscribes:
            await unsubscribe()


async def _send_loop(websocket: WebSocket, view: RosterView, thumbs: deque[bytes], spot: deque[bytes],
                     orders: Orders) -> None:
    last_roster = last_renew = time.monotonic()
    while True:
        await asyncio.sleep(TICK_SECONDS)
        now = time.monotonic()
        if now - last_roster >= ROSTER_SECONDS:
            last_roster = now
            roster = view.roster(now, orders.record.challenge is not None)
            if roster is not None:
                await websocket.send_text(json.dumps(roster, separators=(",", ":")))
            while thumbs:
                await websocket.send_bytes(thumbs.popleft())
        if spot:
            frame = spot.pop()
            if orders.record.spotlight is not None:  # not one still on its way after "spotlight": null
                await websocket.send_bytes(frame)
        if now - last_renew >= RENEW_SECONDS:
            last_renew = now
            await orders.renew()


async def _receive_loop(websocket: WebSocket, settings: Settings, orders: Orders, view: RosterView,
                        sender: asyncio.Task[None]) -> None:
    while (event := await next_event(websocket, sender)) is not None:
        try:
            message = parse_message(message_text(event, settings).text, TEACHER_MODELS)
            ended = await orders.carry_out(message, view.student_ids())
            await websocket.send_text(json.dumps(orders.state()))
            if ended:
                await websocket.send_text(json.dumps(replies.class_ended(orders.record.code)))
                await websocket.close(code=1000, reason="class ended")
                return
        except ProtocolError as exc:
            await websocket.send_text(json.dumps(exc.reply()))
        except WebSocketDisconnect:
            raise
        except Exception:  # noqa: BLE001 - reported below, the socket stays
            if websocket.application_state != WebSocketState.CONNECTED:
                return  # the teacher left while we answered (the sender noticed first)
            log.exception("handling a teacher message failed")  # a server bug or the broker down
            await websocket.send_text(json.dumps(replies.error("internal", "the server failed to handle this "
                                                                           "message (see the server log)")))
