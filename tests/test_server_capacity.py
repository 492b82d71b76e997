"""Capacity (issue 15): pacing in time, fair CPU shares per client, unchanged pictures."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time

import numpy as np
import pytest
from test_server_limits import health
from test_server_session import FakeClock, make_pacer
from test_server_wire import Client, run

from engine import Trainer
from server.live.background import NICE_STEP
from server.live.fairshare import FairShare, charged, run_charged, water_level
from server.live.frame_content import FrameContent
from server.live.session import Session
from server.settings import Settings

# ---- pacing in time ---------------------------------------------------------------------------


def test_a_paced_session_is_owed_a_slice_twice_per_frame_interval_and_trains_it_all_at_once():
    pacer, clock = make_pacer(batches_per_epoch=25, epochs_per_second=60, fps=30)  # 1,500 batches a second
    assert pacer.seconds_until_owed(clock.now) == pytest.approx(1 / 1500)  # the first batch after play: at once
    clock.now += 1 / 1500
    assert pacer.plan_slice(budget_seconds=1.0, epoch=0, stop=None).batches == 1
    assert pacer.seconds_until_owed(clock.now) == pytest.approx(1 / 60, rel=0.05)  # not 1/1500
    clock.now += 1 / 60 + 1e-9
    assert pacer.seconds_until_owed(clock.now) == 0
    assert pacer.plan_slice(budget_seconds=1.0, epoch=0, stop=None).batches == 25  # half a frame's worth
    clock.now += 1 / 30 + 1e-9
    plan = pacer.plan_slice(budget_seconds=20e-4, epoch=0, stop=None)  # 1e-4 s a batch: cut short at 20
    assert plan.batches == 20 and pacer.seconds_until_owed(clock.now) == 0  # the rest is owed at once


def test_time_pacing_trains_the_same_batches_as_batch_by_batch():
    """A slice of n batches is n single steps: the results are bit for bit the same."""
    one, many = Trainer({"seed": 3}), Trainer({"seed": 3})
    for _ in range(50):
        one.step(batches=1)
    many.step(batches=50)
    for a, b in zip(one.snapshot(grid=10, unit_grid=5).weights, many.snapshot(grid=10, unit_grid=5).weights):
        assert np.array_equal(a, b)


# ---- fair shares --------------------------------------------------------------------------------


def test_water_level_gives_light_clients_what_they_use_and_splits_the_rest():
    assert water_level([0.02, 0.9, 0.9], capacity=1.0) == pytest.approx(0.49)
    assert water_level([0.02, 0.1], capacity=1.0) == pytest.approx(0.98)  # nobody wants it: all of it can be had
    assert water_level([], capacity=1.0) == pytest.approx(1.0)


def simulate(seconds: float, light_every: float, light_cost: float, heavy_cost: float, heavies: int):
    """One core shared by one light client (light_cost of CPU every light_every) and greedy
    ones (chunks of heavy_cost whenever they are not in debt). Returns (ledger accounts, the
    light client's worst delay)."""
    clock = FakeClock()
    ledger = FairShare(clock, capacity=1.0)
    light = ledger.account("light")
    heavy = [ledger.account(f"heavy{i}") for i in range(heavies)]
    end, next_light, worst, turn = clock.now + seconds, clock.now, 0.0, 0
    while clock.now < end:
        if clock.now >= next_light and light.wait() == 0:
            worst = max(worst, clock.now - next_light)
            clock.now += light_cost
            light.charge(light_cost)
            next_light += light_every
            continue
        ready = [a for a in heavy if a.wait() == 0]
        if not ready:
            clock.now = min(next_light, clock.now + min(a.wait() for a in heavy))
            continue
        account = ready[turn % len(ready)]
        turn += 1
        clock.now += heavy_cost
        account.charge(heavy_cost)
    return light, heavy, worst


def test_a_light_client_keeps_its_share_beside_greedy_ones():
    light, heavy, worst = simulate(seconds=20, light_every=1 / 30, light_cost=0.0007, heavy_cost=0.02, heavies=3)
    assert light.used == pytest.approx(20 * 30 * 0.0007, rel=0.02)  # all it asked for: 2 % of the core
    assert worst <= 0.02 + 1e-9  # never waits for more than one greedy chunk already running
    shares = [a.used / 20 for a in heavy]
    assert min(shares) > 0.25 and max(shares) - min(shares) < 0.05  # the rest, split evenly


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="threads have nice values of their own on Linux only")
def test_work_sent_to_a_thread_runs_below_the_event_loops_priority():
    # A slice that has started cannot be interrupted: below the loop's priority it takes the
    # CPU the loop leaves, so the light sessions the loop serves keep theirs (server.live.background).
    def nice() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    def work() -> int:
        start = time.thread_time()
        while time.thread_time() - start < 0.002:
            pass
        return nice()

    async def scenario() -> tuple[int, int, float]:
        ledger = FairShare(time.monotonic, capacity=1.0)
        account = ledger.account("big")
        in_thread, _ = await run_charged(account, work, in_thread=True, estimate=0.01)
        return nice(), in_thread, account.used

    if nice() >= 19:
        pytest.skip("this process runs at the lowest priority already: there is none lower")
    loop_nice, thread_nice, used = run(scenario())
    assert thread_nice == min(19, loop_nice + NICE_STEP) > loop_nice
    assert used >= 0.002  # still charged to its client


def test_a_client_in_debt_waits_and_others_do_not():
    clock = FakeClock()
    ledger = FairShare(clock, capacity=1.0)
    big, small = ledger.account("big"), ledger.account("small")
    big.charge(0.3)  # e.g. a large points edit
    small.charge(0.001)
    clock.now += 0.01
    assert big.wait() > 0.1 and small.wait() == 0
    clock.now += 1.0
    assert big.wait() == 0  # paid off at its share


def test_an_expensive_message_is_charged_to_the_client_that_sent_it_and_not_the_waits():
    async def scenario() -> None:
        ledger = FairShare(time.monotonic, capacity=1.0)
        asker, other = ledger.account("asker"), ledger.account("other")

        def burn(seconds: float) -> None:
            start = time.thread_time()
            while time.thread_time() - start < seconds:
                pass

        async def handler() -> None:  # CPU, a wait (while someone else runs), CPU again
            burn(0.03)
            await asyncio.sleep(0.05)
            burn(0.03)

        async def neighbour() -> None:
            await asyncio.sleep(0.01)
            burn(0.05)

        await asyncio.gather(charged(handler(), asker), neighbour())
        assert 0.06 <= asker.used < 0.09  # its own work, not the neighbour's 0.05 during its wait
        assert other.used == 0

    run(scenario())


def test_a_session_of_a_client_in_debt_is_not_owed_training_or_frames():
    async def scenario() -> None:
        clock = FakeClock()
        ledger = FairShare(clock, capacity=1.0)
        session = Session(Settings(), clock=clock, account=ledger.account("page"))
        neighbour = Session(Settings(), clock=clock, account=ledger.account("other"))
        for s in (session, neighbour):
            s.play()
        clock.now += 1.0
        assert session.seconds_until_owed(clock.now) == 0
        session.account.charge(0.5)
        assert session.seconds_until_owed(clock.now) > 0.2
        assert session.next_frame_due(last_sent=0.0) > clock.now + 0.2  # its frames wait too
        assert neighbour.seconds_until_owed(clock.now) == 0 and neighbour.next_frame_due(0.0) <= clock.now

    run(scenario())


# ---- unchanged pictures --------------------------------------------------------------------------


def test_unchanged_pictures_are_not_encoded_again_and_unchanged_extras_not_sent():
    trainer = Trainer({"seed": 2})
    content = FrameContent()  # at fps=1 every frame may carry the extras (their bandwidth share allows it)
    first = content.encode(trainer, version=1, fps=1, early_stopping=None, hidden=None)
    again = content.encode(trainer, version=1, fps=1, early_stopping=None, hidden=None)  # nothing changed
    assert content.pictures.reused >= 1  # the output grid's encoding was reused
    assert b'"name":"units"' in first and b'"name":"units"' not in again  # the client holds them
    assert b'"name":"output"' in again  # the output is in every frame
    trainer.step(batches=5)
    changed = content.encode(trainer, version=1, fps=1, early_stopping=None, hidden=None)
    assert b'"name":"weights.0"' in changed
    after_edit = content.encode(trainer, version=2, fps=1, early_stopping=None, hidden=None)
    assert b'"name":"units"' in after_edit  # after a change they always come


def test_a_frame_after_a_rate_patch_draws_and_quantises_nothing(monkeypatch):
    """With no step since the last frame, the frame that shows a learning-rate patch gets the
    engine's last drawing and sends its encodings again without quantising them: in a
    saturated classroom such frames (one per patch, never stretched) took the CPU training needed."""
    from server.wire import frames

    trainer = Trainer({"seed": 2})
    trainer.step(batches=3)
    content = FrameContent()
    content.encode(trainer, version=1, fps=30, early_stopping=None, hidden=None)
    trainer.update({"learning_rate": 0.1})

    def no_quantising(*args, **kwargs):
        raise AssertionError("quantised a picture that did not change")

    monkeypatch.setattr(frames, "quantize", no_quantising)
    after = content.encode(trainer, version=2, fps=30, early_stopping=None, hidden=None)
    assert b'"learning_rate":0.1' in after and b'"version":2' in after
    assert b'"name":"units"' in after  # after a change the units come, from the kept encoding
    trainer.step(batches=1)  # a step moves the weights: drawn and quantised anew
    with pytest.raises(AssertionError, match="quantised"):
        content.encode(trainer, version=2, fps=30, early_stopping=None, hidden=None)


def test_only_read_only_arrays_are_trusted_by_identity():
    """The engine's kept pictures are read-only, so the very same array has the same values; a
    writable buffer handed in again may have changed, and is compared."""
    from server.live.picture_cache import PictureCache

    cache, buffer = PictureCache(), np.zeros((4, 4), np.float32)
    first, _ = cache.grid("output", buffer, -1.0, 1.0)
    buffer[:] = 0.5
    second, changed = cache.grid("output", buffer, -1.0, 1.0)
    assert changed and second.data != first.data
    buffer.setflags(write=False)
    assert cache.grid("output", buffer, -1.0, 1.0) == (second, False)


# ---- a real server -------------------------------------------------------------------------------


def test_one_playing_default_session_costs_about_two_slices_per_frame(server):
    async def scenario() -> tuple[float, int]:
        async with Client(server.ws_url) as c:
            await c.start()
            await c.send({"type": "play"})
            await c.expect("frame")
            await asyncio.sleep(0.5)
            before, start, epochs = health(server)["slices"], time.monotonic(), 0
            loop = asyncio.get_running_loop()
            end = loop.time() + 3.0
            while loop.time() < end:
                message = await c.recv()
                if message["type"] == "frame":
                    epochs += len(message["history"])
            slices = (health(server)["slices"] - before) / (time.monotonic() - start)
            await c.send({"type": "pause"})
            return slices, epochs

    slices, epochs = run(scenario())
    assert epochs > 0
    assert slices <= 30 * 2.5  # about two per frame interval (30 fps), not one per mini-batch (1,500)


def test_on_a_busy_machine_the_greedy_client_gives_way_first():
    clock = FakeClock()
    ledger = FairShare(clock, capacity=1.0)
    lights, greedy = [ledger.account(f"light{i}") for i in range(3)], ledger.account("greedy")
    for light in lights:
        light.charge(0.03)
    greedy.charge(0.6)  # it took what the process got: 0.69 of a core, not the 1.0 assumed
    clock.now += 1.0
    before = ledger.level(clock.now)
    ledger.squeeze()  # frames ran late
    after = ledger.level(clock.now)
    assert after < before and after > 0.03  # the greedy one's share shrinks, the light ones still fit
    for _ in range(100):
        ledger.relax()  # on time again: back to the whole core
    assert ledger.capacity == 1.0
    alike = FairShare(clock, capacity=1.0)
    for i in range(4):
        alike.account(i).charge(0.2)
    alike.squeeze()  # late, but nobody stands out: the machine is short, not a client greedy
    assert alike.capacity == 1.0


def test_frames_waiting_a_little_for_progress_stay_on_the_senders_grid():
    """server.live.stream.frame_grid: each frame's progress arrives 8 ms after its grid point; the
    frames still go out 30 a second (timing from the arrival lost those 8 ms every frame)."""
    from server.live.stream import frame_grid

    interval, last, sent = 1 / 30, 0.0, []
    for _ in range(60):
        progressed_at = last + interval + 0.008  # the progress the frame waits for comes late
        due = max(last + interval, progressed_at)  # as Pacer.next_frame_due gives it
        now = due + 0.001
        sent.append(now)
        last = frame_grid(last, due, now, interval)
    assert (len(sent) - 1) / (sent[-1] - sent[0]) == pytest.approx(30, rel=0.01)
    assert frame_grid(0.0, 0.5, 0.5, interval) == 0.5  # over an interval behind: a new grid, no burst
    assert frame_grid(1.0, 0.99, 1.0, interval) == 0.99  # a frame wanted after a change: its own time
