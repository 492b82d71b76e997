"""Helpers for the classroom tests: start a class over HTTP, open teacher and student sockets."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from test_server_wire import Client

TEACHER_KEY = "test-teacher-key-1234"


def post_class(base_url: str, key: str | None = TEACHER_KEY) -> tuple[int, dict[str, Any]]:
    """POST /api/classes with `key` as the bearer (None: no Authorization); (status, body)."""
    request = urllib.request.Request(base_url + "/api/classes", method="POST", data=b"")
    if key is not None:
        request.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(request, timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def new_class(base_url: str) -> dict[str, Any]:
    status, body = post_class(base_url)
    assert status == 200, body
    return body


def teacher(base_url: str, klass: dict[str, Any], token: str | None = None) -> Client:
    ws = base_url.replace("http://", "ws://")
    return Client(f"{ws}/ws/teacher?class={klass['code']}&token={token or klass['teacher_token']}")


async def joined_student(base_url: str, code: str, name: str, token: str | None = None) -> tuple[Client, dict]:
    """An open student socket that has joined `code`; (client, the `joined` message)."""
    student = await Client(base_url.replace("http://", "ws://") + "/ws").__aenter__()
    await student.start()
    message = {"type": "join", "class": code, "name": name}
    if token:
        message["token"] = token
    await student.send(message)
    return student, await student.expect("joined")


async def roster_with(client: Client, count: int, timeout: float = 10.0, **match: Any) -> dict[str, Any]:
    """Read the teacher's messages until a roster lists `count` students (each matching `match`)."""
    import asyncio
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        message = await client.expect("roster", timeout=max(0.01, deadline - loop.time()))
        students = message["students"]
        if len(students) == count and all(all(s.get(k) == v for k, v in match.items()) for s in students):
            return message


async def expect_notice(client: Client, kind: str) -> dict[str, Any]:
    """The next `notice` of this kind (Client.expect's own first argument is called kind)."""
    while True:
        message = await client.expect("notice")
        if message["kind"] == kind:
            return message
