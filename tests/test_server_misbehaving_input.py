"""Input that used to reach the log as tracebacks or overflow warnings, over real connections:
an upload aborted mid-body, a text frame that is not UTF-8, values beyond float32, and lesson
files nested absurdly deep or holding a 5,000-digit number."""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from support.client import Client, run

ROOT = Path(__file__).resolve().parent.parent


class LogTail:
    """What a server wrote to its log since this was made (the log file is appended to)."""

    def __init__(self, server):
        self.path = server.log
        self.start = self.path.stat().st_size

    def text(self, settle: float = 0.5) -> str:
        time.sleep(settle)  # the server writes after the client is done
        with open(self.path, "rb") as f:
            f.seek(self.start)
            return f.read().decode("utf-8", "replace")


def open_raw_websocket(server) -> socket.socket:
    """A WebSocket handshake on a plain socket, the 101 read; frames are then ours to write."""
    s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    response = b""
    while b"\r\n\r\n" not in response:
        response += s.recv(4096)
    assert response.startswith(b"HTTP/1.1 101"), response[:100]
    return s


def client_frame(opcode: int, payload: bytes) -> bytes:
    """One final, masked client frame (RFC 6455 5.2)."""
    mask = os.urandom(4)
    n = len(payload)
    length = bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n)
    return bytes([0x80 | opcode]) + length + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def close_code_of(s: socket.socket) -> int:
    """Read server frames until its close frame; that frame's code."""
    buffer = b""
    while True:
        while len(buffer) < 2:
            buffer += s.recv(65536)
        opcode, n, at = buffer[0] & 0x0F, buffer[1] & 0x7F, 2
        if n == 126:
            while len(buffer) < 4:
                buffer += s.recv(65536)
            n, at = struct.unpack(">H", buffer[2:4])[0], 4
        elif n == 127:
            while len(buffer) < 10:
                buffer += s.recv(65536)
            n, at = struct.unpack(">Q", buffer[2:10])[0], 10
        while len(buffer) < at + n:
            chunk = s.recv(65536)
            assert chunk, "connection ended without a close frame"
            buffer += chunk
        if opcode == 0x8:
            return struct.unpack(">H", buffer[at:at + 2])[0]
        buffer = buffer[at + n:]


def test_an_upload_aborted_mid_body_logs_one_warning_and_no_traceback(make_server):
    srv = make_server()
    log = LogTail(srv)
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
        s.sendall(b"POST /api/csv?problem=classification HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  b"Content-Type: text/csv\r\nContent-Length: 500000\r\n\r\n0123456789")
        time.sleep(0.3)
    text = log.text()
    assert "Traceback" not in text and "Exception in ASGI" not in text, text
    assert len([line for line in text.splitlines() if "aborted" in line]) == 1, text
    assert srv.health()["ok"]


def test_a_text_frame_that_is_not_utf8_closes_with_1007_and_one_warning(make_server):
    srv = make_server()
    log = LogTail(srv)
    with open_raw_websocket(srv) as s:
        s.sendall(client_frame(0x1, b'{"type": "snapshot", "x": "\xff\xfe"}'))
        # RFC 6455 8.1: invalid UTF-8 in a text message fails the connection, code 1007
        assert close_code_of(s) == 1007
    text = log.text()
    assert "Traceback" not in text, text
    assert len([line for line in text.splitlines() if "UTF-8" in line]) == 1, text

    async def others_go_on():
        async with Client(srv.ws_url) as c:
            await c.start()

    run(others_go_on())


def test_values_beyond_float32_are_refused_where_they_enter(make_server):
    srv = make_server()
    log = LogTail(srv)

    async def scenario():
        async with Client(srv.ws_url) as c:
            await c.start()
            for message in ({"type": "set_weight", "layer": 0, "i": 0, "j": 0, "value": 1e308},
                            {"type": "set_bias", "layer": 0, "j": 0, "value": -1e308}):
                error = await _reply(c, message)
                assert error["type"] == "error" and error["field"] == "value", error
                assert error["code"] == "invalid_value" and "3.4e38" in error["message"], error
            # float32's largest still goes in
            await c.send({"type": "set_weight", "layer": 0, "i": 0, "j": 0, "value": 3.0e38})
            assert (await c.expect("frame", version=1))["version"] == 1
            await c.send({"type": "config", "patch": {"problem": "regression", "dataset": "custom"}})
            await c.expect("config")
            await c.expect("data")
            error = await _reply(c, {"type": "points", "add": [[1, 1, 0.5], [2, 2, 1e308], [0, 0, 1]]})
            assert error["type"] == "error" and error["field"] == "points", error
            assert "point 1" in error["message"] and "3.4e38" in error["message"], error
            await c.send({"type": "points", "clear": True, "add": [[1, 1, 0.5], [2, 2, -0.5], [0, 0, 1]]})
            await c.expect("data")
            await c.send({"type": "step", "epochs": 3})
            await c.expect("frame")

    run(scenario())
    request = urllib.request.Request(srv.url + "/api/csv?problem=regression", method="POST",
                                     data=b"x,y,target\n1,1,0.5\n2,2,1e308\n", headers={"Content-Type": "text/csv"})
    try:
        urllib.request.urlopen(request, timeout=10)
        raise AssertionError("a target of 1e308 was accepted")
    except urllib.error.HTTPError as exc:
        body = json.loads(exc.read())["error"]
        assert exc.code == 400 and body["code"] == "bad_csv" and body["line"] == 3
        assert "target" in body["message"] and "3.4e38" in body["message"], body
    text = log.text()
    assert "RuntimeWarning" not in text and "overflow" not in text and "Traceback" not in text, text


async def _reply(c: Client, message: dict) -> dict:
    """The error `message` gets (a TimeoutError if it is accepted)."""
    await c.send(message)
    return await c.expect("error", timeout=5)


def _lesson_dir(tmp_path: Path, edit) -> Path:
    folder = tmp_path / edit.__name__
    folder.mkdir()
    source = sorted((ROOT / "lessons").glob("*.json"))[0]
    (folder / "broken.json").write_text(edit(source.read_text(encoding="utf-8")), encoding="utf-8")
    return folder


@pytest.mark.slow
def test_a_lesson_nested_100000_deep_or_with_a_5000_digit_number_is_named(tmp_path):
    def nested_deep(text: str) -> str:
        return text.rstrip().rstrip("}") + ', "watch": ' + "[" * 100_000 + "]" * 100_000 + "}"

    def huge_order(text: str) -> str:
        lesson = json.loads(text)
        return json.dumps({**lesson, "order": 0}).replace('"order": 0', '"order": ' + "7" * 5000)

    for edit, expected in ((nested_deep, "broken.json: watch: nested more than 32 levels deep"),
                           (huge_order, "broken.json: order: expected a whole number, got a 5,000-digit number")):
        folder = _lesson_dir(tmp_path, edit)
        result = subprocess.run([sys.executable, "-m", "server", "--lessons-dir", str(folder)], cwd=ROOT,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode != 0
        assert expected in result.stderr and "Traceback" not in result.stderr, result.stderr
