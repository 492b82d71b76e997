"""One teacher steering students spread over processes: `--workers 2` (the embedded broker),
and two servers sharing Redis behind nginx (docs/deploy.md's configuration)."""

from __future__ import annotations

import json
import urllib.request

import pytest
from classroom_helpers import TEACHER_KEY, expect_notice, joined_student, new_class, roster_with, teacher
from services import nginx, redis_server
from test_server_wire import run

from server.process import balancer

pytestmark = pytest.mark.slow


def sessions_of(url: str) -> int:
    with urllib.request.urlopen(url + "/healthz", timeout=5) as r:
        return json.loads(r.read())["sessions"]


async def steer_everyone(base_url: str, n: int) -> None:
    """n students join through `base_url`; the teacher sees them all, and a push, a lock and a
    pause reach every one of them."""
    klass = new_class(base_url)
    async with teacher(base_url, klass) as t:
        students = [await joined_student(base_url, klass["code"], f"student {i}") for i in range(n)]
        roster = await roster_with(t, n)
        assert {s["id"] for s in roster["students"]} == {j["student"] for _, j in students}
        await t.send({"type": "push", "config": {"learning_rate": 0.25}})
        await t.send({"type": "lock", "keys": ["learning_rate"]})
        for client, _ in students:
            assert (await client.expect("config"))["config"]["learning_rate"] == 0.25
            await expect_notice(client, "push")
            assert (await client.expect("locked"))["keys"] == ["learning_rate"]
            await client.send({"type": "config", "patch": {"learning_rate": 0.5}})
            assert (await client.expect("error"))["code"] == "locked"
        await t.send({"type": "play_all"})
        for client, _ in students:
            await client.expect("state", state="playing")
        roster = await roster_with(t, n, state="playing")
        assert all(s["config"]["learning_rate"] == 0.25 for s in roster["students"])
        for client, _ in students:
            await client.close()


@pytest.mark.skipif(not balancer.supported(), reason="this platform cannot pass sockets")
def test_two_workers_share_a_class_through_the_embedded_broker(make_server):
    server = make_server("--workers", "2", "--teacher-key", TEACHER_KEY)

    async def scenario():
        import asyncio
        answered: set[int] = set()  # both workers up and answering first, so that both can take students
        for _ in range(100):
            with urllib.request.urlopen(server.url + "/healthz", timeout=5) as r:
                answered.add(json.loads(r.read())["pid"])
            if len(answered) == 2:
                break
            await asyncio.sleep(0.1)
        klass = new_class(server.url)
        held = []
        for i in range(4):  # a pause between joins lets the workers' next pings report their counts
            held.append(await joined_student(server.url, klass["code"], f"s{i}"))
            await asyncio.sleep(0.4)
        pids = set()
        for _ in range(20):  # /healthz is answered by either worker: both hold students
            with urllib.request.urlopen(server.url + "/healthz", timeout=5) as r:
                h = json.loads(r.read())
            if h["sessions"]:
                pids.add(h["pid"])
        assert len(pids) == 2
        for client, _ in held:
            await client.close()
        await steer_everyone(server.url, 4)
    run(scenario())


def test_two_servers_behind_nginx_share_classes_through_redis(make_server):
    with redis_server() as url:
        servers = [make_server("--redis", url, "--teacher-key", TEACHER_KEY, "--allowed-hosts", "127.0.0.1",
                               wait=False) for _ in range(2)]
        for server in servers:  # both start up at once
            server.wait_ready()
        with nginx([s.port for s in servers]) as port:
            base = f"http://127.0.0.1:{port}"

            async def scenario():
                klass = new_class(base)
                held = [await joined_student(base, klass["code"], f"s{i}") for i in range(4)]
                assert all(sessions_of(s.url) >= 1 for s in servers)  # nginx spread them
                async with teacher(base, klass) as t:
                    await roster_with(t, 4)
                for client, _ in held:
                    await client.close()
                await steer_everyone(base, 4)
            run(scenario())
