"""The Broker interface (server.classroom.broker) behaves the same in all three forms: in
memory, the embedded broker of --workers N, and a real Redis."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from services import redis_server
from test_server_wire import run

from server.classroom.broker import MemoryBroker
from server.classroom.embedded import EmbeddedBroker
from server.classroom.resp import RespBroker


@contextlib.contextmanager
def broker_address(kind: str):
    if kind == "embedded":
        embedded = EmbeddedBroker()
        embedded.start_thread()
        yield embedded.address
    else:
        with redis_server() as url:
            yield url


async def contract(make) -> None:
    """Keys expire, delete works, set_if_absent takes a key only once, messages reach every subscriber on two connections and stop
    after unsubscribing, and publish_all delivers a batch in order (and leaves the link in step)."""
    a, b = make(), make()
    try:
        await a.set("k", b"v\r\n\x00", ttl=0.3)
        assert await b.get("k") == b"v\r\n\x00"
        await asyncio.sleep(0.45)
        assert await b.get("k") is None
        await a.set("k", b"1", ttl=10)
        await b.delete("k")
        assert await a.get("k") is None
        # a lock: only the first of two takes it, until it expires (server.live.shared_clients)
        assert await a.set_if_absent("lock", b"a", ttl=0.3)
        assert not await b.set_if_absent("lock", b"b", ttl=10)
        assert await b.get("lock") == b"a"
        await asyncio.sleep(0.45)
        assert await b.set_if_absent("lock", b"b", ttl=10) and await a.get("lock") == b"b"
        await a.delete("lock")
        got_a, got_b = [], []
        stop_a = await a.subscribe("ch", got_a.append)
        await b.subscribe("ch", got_b.append)
        await asyncio.sleep(0.2)  # the subscriptions reach the broker
        await b.publish("ch", b"\x00binary")
        await b.publish("other", b"no")
        for _ in range(50):
            if got_a and got_b:
                break
            await asyncio.sleep(0.02)
        assert got_a == [b"\x00binary"] and got_b == [b"\x00binary"]
        await stop_a()
        await asyncio.sleep(0.1)
        await a.publish("ch", b"second")
        await asyncio.sleep(0.2)
        assert got_a == [b"\x00binary"] and got_b == [b"\x00binary", b"second"]
        other: list[bytes] = []
        await b.subscribe("other", other.append)
        await asyncio.sleep(0.2)
        batch = [("ch", b"m%d" % i) if i % 3 else ("other", b"o%d" % i) for i in range(30)]
        await a.publish_all(batch)
        await a.publish_all([])
        for _ in range(50):
            if len(got_b) + len(other) >= 2 + len(batch):
                break
            await asyncio.sleep(0.02)
        assert got_b[2:] == [m for c, m in batch if c == "ch"] and other == [m for c, m in batch if c == "other"]
        await a.set("after", b"x", ttl=10)  # replies of the batch were all read: the next command gets its own
        assert await a.get("after") == b"x"
    finally:
        await a.close()
        await b.close()


def test_memory_broker_keeps_the_contract():
    shared = MemoryBroker()
    run(contract(lambda: shared))


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["embedded", "redis"])
def test_resp_brokers_keep_the_contract(kind):
    with broker_address(kind) as address:
        run(contract(lambda: RespBroker(address)))


def test_a_dead_broker_is_an_error_not_a_hang():
    async def scenario():
        broker = RespBroker("unix:///nonexistent/broker.sock")
        from server.classroom.resp import BrokerDown
        with pytest.raises(BrokerDown):
            await broker.get("k")
        await broker.close()
    run(scenario())
