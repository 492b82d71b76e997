"""Classroom mode (issue 16) over real sockets: creating a class, joining, the teacher's
roster, thumbnails and every command, and every refusal."""

from __future__ import annotations

import asyncio

import pytest
from classroom_helpers import TEACHER_KEY, expect_notice, joined_student, new_class, post_class, roster_with, teacher
from test_server_wire import Client, run
from websockets.exceptions import InvalidStatus

from server.classroom.codes import CODE_ALPHABET, CODE_LENGTH


@pytest.fixture(scope="module")
def class_server(make_server_module):
    return make_server_module("--teacher-key", TEACHER_KEY)


def test_creating_a_class_needs_the_teacher_key(class_server):
    assert post_class(class_server.url, None)[0] == 401
    status, body = post_class(class_server.url, "not-the-key")
    assert status == 403 and body["error"]["code"] == "forbidden"
    status, body = post_class(class_server.url)
    assert status == 200
    assert len(body["code"]) == CODE_LENGTH and set(body["code"]) <= set(CODE_ALPHABET)
    assert body["join_url"].endswith(f"/?class={body['code']}") and len(body["teacher_token"]) >= 16


def test_a_wrong_teacher_token_or_class_is_refused_at_the_handshake(class_server):
    klass = new_class(class_server.url)
    other = new_class(class_server.url)

    async def scenario():
        for client in (teacher(class_server.url, klass, token="wrong"),
                       teacher(class_server.url, klass, token=other["teacher_token"]),
                       teacher(class_server.url, {**klass, "code": "AAAAAA"})):
            with pytest.raises(InvalidStatus) as refused:
                await client.__aenter__()
            assert refused.value.response.status_code == 403
        async with teacher(class_server.url, klass) as t:
            state = await t.expect("class")
            assert state["class"] == klass["code"] and state["locks"] == []
    run(scenario())


def test_join_refusals_unknown_class_and_bad_names(class_server):
    klass = new_class(class_server.url)

    async def scenario():
        async with Client(class_server.ws_url) as s:
            await s.start()
            await s.send({"type": "join", "class": "AAAAAA", "name": "Ann"})
            assert (await s.expect("error"))["code"] == "unknown_class"
            await s.send({"type": "join", "class": klass["code"], "name": "   "})
            error = await s.expect("error")
            assert error["field"] == "name" and "1 to 40" in error["message"]
            await s.send({"type": "join", "class": klass["code"], "name": "x" * 41})
            assert (await s.expect("error"))["field"] == "name"
            for kind in ("push", "pause_all", "play_all", "reset_all", "end_class"):
                body = {"type": kind, **({"config": {"learning_rate": 1}} if kind == "push" else {})}
                await s.send(body)
                error = await s.expect("error")
                assert error["code"] == "teacher_only", kind
            await s.send({"type": "join", "class": klass["code"].lower(), "name": "<b>Bob</b>"})
            joined = await s.expect("joined")
            assert joined["class"] == klass["code"] and joined["name"] == "<b>Bob</b>"
    run(scenario())


def test_teacher_sees_the_roster_with_thumbnails_and_a_reload_is_the_same_student(class_server):
    klass = new_class(class_server.url)

    async def scenario():
        async with teacher(class_server.url, klass) as t:
            a, joined_a = await joined_student(class_server.url, klass["code"], "Ada <i>")
            b, joined_b = await joined_student(class_server.url, klass["code"], "Ben")
            roster = await roster_with(t, 2)
            entry = next(s for s in roster["students"] if s["id"] == joined_a["student"])
            assert entry["name"] == "Ada <i>"  # as text: the markup is the name
            assert set(entry) >= {"id", "name", "epoch", "train_loss", "test_loss", "test_accuracy", "state",
                                  "config"}
            assert entry["state"] == "paused" and entry["config"]["learning_rate"] > 0
            thumbs = set()
            while len(thumbs) < 2:
                await t.recv()
                thumbs = {h["student"] for h, _ in t.frames if h["type"] == "thumbnail"}
            header, arrays = next(f for f in t.frames if f[0]["type"] == "thumbnail")
            assert arrays["output"].shape == (100, 100)
            await a.close()
            again, rejoined = await joined_student(class_server.url, klass["code"], "Ada", joined_a["token"])
            assert rejoined["student"] == joined_a["student"]
            roster = await roster_with(t, 2)
            assert {s["name"] for s in roster["students"]} == {"Ada", "Ben"}
            async with teacher(class_server.url, klass) as late:  # a reloaded dashboard: paused students'
                while len({h["student"] for h, _ in late.frames if h["type"] == "thumbnail"}) < 2:  # pictures
                    await late.recv()                                                        # come again
            await again.close()
            await b.close()
    run(scenario())


def test_push_pause_play_reset_reach_the_students_with_a_notice(class_server):
    klass = new_class(class_server.url)

    async def scenario():
        async with teacher(class_server.url, klass) as t:
            a, ja = await joined_student(class_server.url, klass["code"], "A")
            b, jb = await joined_student(class_server.url, klass["code"], "B")
            await roster_with(t, 2)
            await t.send({"type": "push", "config": {"learning_rate": 0.3, "dataset": "xor"}})
            assert (await t.expect("class"))["setup"] == {"learning_rate": 0.3, "dataset": "xor"}
            for s in (a, b):
                config = await s.expect("config")
                assert config["config"]["learning_rate"] == 0.3 and config["config"]["dataset"] == "xor"
                assert (await s.expect("notice"))["kind"] == "push"
            await t.send({"type": "push", "lesson": "xor_needs_hidden_layer", "students": [jb["student"]]})
            assert (await b.expect("lesson"))["id"] == "xor_needs_hidden_layer"
            await expect_notice(b, "push")
            await t.send({"type": "play_all"})
            for s in (a, b):
                await s.expect("state", state="playing")
            await t.send({"type": "pause_all"})
            for s in (a, b):
                await s.expect("state", state="paused")
            await t.send({"type": "reset_all", "students": [ja["student"]]})
            assert (await a.expect("config"))["reset"] == ["network", "optimizer"]
            await expect_notice(a, "reset_all")
            await t.send({"type": "push", "lesson": "no-such-lesson"})
            assert (await t.expect("error"))["code"] == "unknown_lesson"
            await t.send({"type": "push", "config": {"learning_rate": -1}})
            error = await t.expect("error")
            assert error["code"] == "invalid_config" and error["field"] == "learning_rate"
            await t.send({"type": "pause_all", "students": ["nobody"]})
            assert (await t.expect("error"))["code"] == "unknown_student"
            await a.close()
            await b.close()
    run(scenario())


def test_a_locked_key_is_refused_by_name_and_the_student_is_told(class_server):
    klass = new_class(class_server.url)

    async def scenario():
        async with teacher(class_server.url, klass) as t:
            s, _ = await joined_student(class_server.url, klass["code"], "C")
            await t.send({"type": "lock", "keys": ["learning_rate", "dataset"]})
            assert (await s.expect("locked"))["keys"] == ["dataset", "learning_rate"]
            await s.send({"type": "config", "patch": {"learning_rate": 0.5}})
            error = await s.expect("error")
            assert error["code"] == "locked" and error["field"] == "learning_rate"
            await s.send({"type": "lesson", "id": "xor_needs_hidden_layer"})
            assert (await s.expect("error"))["code"] == "locked"
            await s.send({"type": "config", "patch": {"batch_size": 8}})
            assert (await s.expect("config"))["config"]["batch_size"] == 8
            await t.send({"type": "lock", "keys": ["no_such_key"]})
            assert (await t.expect("error"))["field"] == "keys"
            late, joined = await joined_student(class_server.url, klass["code"], "Late")
            assert joined["locked"] == ["dataset", "learning_rate"]
            await t.send({"type": "lock", "keys": []})
            assert (await s.expect("locked"))["keys"] == []
            await s.send({"type": "config", "patch": {"learning_rate": 0.5}})
            assert (await s.expect("config"))["config"]["learning_rate"] == 0.5
            await s.close()
            await late.close()
    run(scenario())


def test_spotlight_sends_the_students_own_frames_to_the_teacher(class_server):
    klass = new_class(class_server.url)

    async def scenario():
        async with teacher(class_server.url, klass) as t:
            s, joined = await joined_student(class_server.url, klass["code"], "D")
            await roster_with(t, 1)
            await t.send({"type": "spotlight", "student": "nobody"})
            assert (await t.expect("error"))["code"] == "unknown_student"
            await t.send({"type": "spotlight", "student": joined["student"]})
            assert (await t.expect("class"))["spotlight"] == joined["student"]
            await s.send({"type": "play"})
            frame = await t.expect("frame", student=joined["student"])
            assert "metrics" in frame and "weights.0" in t.frames[-1][1] or frame["epoch"] >= 0
            await t.send({"type": "spotlight", "student": None})
            assert (await t.expect("class"))["spotlight"] is None
            await s.close()
    run(scenario())


def test_challenge_ranks_students_within_the_budget(class_server):
    klass = new_class(class_server.url)

    async def scenario():
        async with teacher(class_server.url, klass) as t:
            await t.expect("class")  # the state on connect
            small, js = await joined_student(class_server.url, klass["code"], "Small")
            big, jb = await joined_student(class_server.url, klass["code"], "Big")
            await big.send({"type": "config", "patch": {"hidden": [8, 8]}})
            await big.expect("config")
            await t.send({"type": "challenge", "config": {"dataset": "circle"}, "max_neurons": 8,
                          "max_epochs": 10_000})
            assert (await t.expect("class"))["challenge"]["max_neurons"] == 8
            for s in (small, big):
                await expect_notice(s, "challenge")
                await s.send({"type": "play"})
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 15
            while loop.time() < deadline:
                roster = await t.expect("roster")
                if roster["ranking"]:
                    break
            assert roster["ranking"] == [js["student"]]  # 16 neurons is over the budget
            await t.send({"type": "challenge", "end": True})
            assert (await t.expect("class"))["challenge"] is None
            await small.close()
            await big.close()
    run(scenario())


def test_end_class_forgets_the_roster_and_disconnects_nobody(class_server):
    klass = new_class(class_server.url)

    async def scenario():
        t = await teacher(class_server.url, klass).__aenter__()
        s, _ = await joined_student(class_server.url, klass["code"], "E")
        await roster_with(t, 1)
        await t.send({"type": "end_class"})
        await t.expect("class_ended")
        assert (await s.expect("class_ended"))["class"] == klass["code"]
        await s.send({"type": "snapshot"})
        await s.expect("frame")  # still training alone
        await s.send({"type": "join", "class": klass["code"], "name": "E"})
        assert (await s.expect("error"))["code"] == "unknown_class"
        with pytest.raises(InvalidStatus):
            await teacher(class_server.url, klass).__aenter__()
        await s.close()
    run(scenario())


@pytest.mark.slow
def test_join_attempts_are_rate_limited_per_address(make_server):
    server = make_server("--teacher-key", TEACHER_KEY)
    klass = new_class(server.url)

    async def scenario():
        async with Client(server.ws_url) as s:
            await s.start()
            for _ in range(10):
                await s.send({"type": "join", "class": "AAAAAA", "name": "guess"})
                assert (await s.expect("error"))["code"] == "unknown_class"
            await s.send({"type": "join", "class": klass["code"], "name": "guess"})
            assert (await s.expect("error"))["code"] == "rate_limited"
    run(scenario())
