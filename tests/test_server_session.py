"""A live session's parts without sockets: its Pacer, its trainer replacement, its replies."""

from __future__ import annotations

import typing

import numpy as np
import pytest
from support.client import run

from engine import ConfigError
from engine.export import model_to_dict
from engine.lessons import load_lessons
from server.handlers import exports, insight
from server.live.pacing import CREDIT_SECONDS, FRAME_CPU_SHARE, Pacer, SlicePlan
from server.live.session import Session
from server.settings import Settings
from server.wire import replies


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


# ---- the Pacer --------------------------------------------------------------------------------


def make_pacer(batches_per_epoch: int = 10, epochs_per_second: float = 2.0, fps: int = 30) -> tuple[Pacer, FakeClock]:
    clock = FakeClock()
    pacer = Pacer(clock, lambda: batches_per_epoch)
    pacer.configure(epochs_per_second, fps)
    pacer.start_playing()
    return pacer, clock


def test_pacer_earns_batches_at_its_pace_and_caps_what_a_late_session_may_catch_up():
    pacer, clock = make_pacer(batches_per_epoch=10, epochs_per_second=2.0)  # 20 batches a second
    assert pacer.seconds_until_owed(clock.now) == pytest.approx(1 / 20)
    clock.now += 0.125  # 2.5 batches owed: whole batches are trained, the half waits
    assert pacer.seconds_until_owed(clock.now) == 0
    assert pacer.plan_slice(budget_seconds=1.0, epoch=0, stop=None).batches == 2
    assert pacer.seconds_until_owed(clock.now) == pytest.approx(0.5 / 20)
    clock.now += 60  # a minute late: only CREDIT_SECONDS of it may be caught up
    assert pacer.plan_slice(budget_seconds=1.0, epoch=0, stop=None).batches == 20 * CREDIT_SECONDS


def test_pacer_slices_spend_the_credit_and_stop_one_batch_into_the_stop_epoch():
    pacer, clock = make_pacer(batches_per_epoch=10, epochs_per_second=2.0)
    clock.now += 0.25  # 5 batches owed
    plan = pacer.plan_slice(budget_seconds=1.0, epoch=0, stop=None)
    assert (plan.epochs, plan.batches) == (0, 5)
    assert pacer.seconds_until_owed(clock.now) == pytest.approx(1 / 20)  # spent: the next batch is due later
    pacer.configure(0, 30)  # as fast as allowed: the budget decides (1e-4 s a batch to start with)
    plan = pacer.plan_slice(budget_seconds=0.01, epoch=0, stop=3)
    assert plan.batches == 2 * 10 + 1  # two whole epochs and one batch, then batch by batch


def test_pacer_steps_add_up_and_train_whole_epochs():
    pacer, _ = make_pacer(batches_per_epoch=4)
    pacer.start_step(epoch=7, epochs=5)
    pacer.start_step(epoch=8, epochs=5)  # a second step while one is under way goes on from its target
    assert pacer.stepping and pacer.seconds_until_owed(0.0) == 0  # a step does not wait for the pace
    plan = pacer.plan_slice(budget_seconds=1.0, epoch=8, stop=None)
    assert plan.epochs == 17 - 8 and plan.units == plan.epochs * 4
    assert not pacer.step_reached(16) and pacer.step_reached(17)


def test_pacer_learns_costs_runs_heavy_work_in_a_thread_and_rests_after_it():
    pacer, clock = make_pacer()
    assert not pacer.slice_is_heavy()
    pacer.costs_unknown()  # a new network: unknown, so pessimistic
    assert pacer.slice_is_heavy() and pacer.snapshot_is_heavy()
    plan = pacer.plan_slice(budget_seconds=0.001, epoch=0, stop=None)
    assert plan.heavy
    assert pacer.slice_done(plan, cpu_seconds=0.2) is True  # the first progress since the last frame
    assert pacer.slice_done(plan, cpu_seconds=0.2) is False
    assert pacer.seconds_until_owed(clock.now) >= 0.2  # rests as long as it trained: half a core at most


def test_pacer_frames_are_due_at_the_frame_rate_or_what_a_heavy_snapshot_allows():
    pacer, clock = make_pacer(fps=20)
    assert pacer.next_frame_due(last_sent=clock.now, playing=True) is None  # nothing new to show
    pacer.want_frame()
    assert pacer.next_frame_due(last_sent=clock.now, playing=False) == clock.now  # owed now, playing or not
    pacer.frame_taken()
    pacer.slice_done(SlicePlan(0, 1, False, 1), 1e-4)
    assert pacer.next_frame_due(last_sent=clock.now, playing=True) == pytest.approx(clock.now + 1 / 20)
    assert pacer.next_frame_due(last_sent=clock.now, playing=False) is None
    pacer.costs_unknown()
    pacer.snapshot_done(0.1)  # a snapshot of 0.1 s: frames take at most FRAME_CPU_SHARE of a core
    assert pacer.next_frame_due(last_sent=clock.now, playing=True) == pytest.approx(clock.now + 0.1 / FRAME_CPU_SHARE)


def test_under_saturation_a_frame_waits_for_about_as_much_training_as_it_costs():
    """While the frame budget stretches frame intervals, a playing frame is due only once the
    session trained about its own cost (one mini-batch per frame was all a lecture hall saw), and
    the slice it waits for is planned that large; a slowly paced session waits only for half of
    what its pace owes in a frame interval; a process that keeps up keeps the old rule."""
    stretch = [1.0]
    clock = FakeClock()
    pacer = Pacer(clock, lambda: 25, lambda: stretch[0])
    pacer.configure(0, 30)  # as fast as possible
    pacer.start_playing()
    pacer.costs_unknown()
    pacer.snapshot_done(0.002)  # a frame costs 2 ms
    pacer.slice_done(SlicePlan(0, 1, False, 1), 1e-4)  # a batch 0.1 ms
    assert pacer.progressed  # keeping up: any progress makes the frame due
    pacer.frame_taken()
    stretch[0] = 2.0  # saturated
    assert pacer.training_per_frame() == pytest.approx(0.002)
    plan = pacer.plan_slice(budget_seconds=0.0005, epoch=0, stop=None)
    assert plan.batches == 20  # 2 ms of 0.1 ms batches, not the 5 the scheduler's budget gave
    assert pacer.slice_done(SlicePlan(0, 5, False, 5), 5e-4) is False
    assert not pacer.progressed and pacer.next_frame_due(last_sent=clock.now - 1, playing=True) is None
    assert pacer.slice_done(SlicePlan(0, 15, False, 15), 15e-4) is True  # the sender is woken now
    assert pacer.next_frame_due(last_sent=clock.now - 1, playing=True) == clock.now
    pacer.frame_taken()
    pacer.configure(1.0, 30)  # 25 batches a second: a stretched interval owes 1.7 of them
    assert pacer.training_per_frame() == pytest.approx(0.5 * 25 * 2 / 30 * 1e-4)
    assert pacer.slice_done(SlicePlan(0, 1, False, 1), 1e-4) is True


def test_one_preempted_frame_does_not_make_a_light_network_heavy():
    """A frame timed at ten times its cost (the OS preempted the process) moves the estimate by
    at most 30 % of twice it: the next frames stay on the event loop. A real change is followed."""
    pacer, _ = make_pacer()
    for _ in range(20):
        pacer.snapshot_done(0.0015)  # a default frame on a slow day
    pacer.snapshot_done(0.015)  # one preempted
    assert not pacer.snapshot_is_heavy() and pacer.snapshot_seconds < 0.0025
    for _ in range(20):
        pacer.snapshot_done(0.012)  # the network really got heavier, without a config change
    assert pacer.snapshot_is_heavy() and pacer.snapshot_seconds == pytest.approx(0.012, rel=0.01)
    pacer.costs_unknown()
    pacer.snapshot_done(0.2)  # a new network is taken at its first measurement
    assert pacer.snapshot_seconds == 0.2


# ---- replacing the trainer ----------------------------------------------------------------------


LESSONS = {lesson["id"]: lesson for lesson in load_lessons("lessons")}


def new_session() -> Session:
    return Session(Settings(), lessons=LESSONS)


def test_a_lesson_builds_a_new_trainer_and_leaves_the_old_one_untouched():
    async def scenario() -> None:
        session = new_session()
        await session.apply_config({"hidden": [3], "fps": 12})
        old = session.trainer
        old_params, old_config = old.network.params.copy(), dict(old.config)
        while session.outbox.take() is not None:
            pass
        await insight.lesson(session, "xor_needs_hidden_layer", "left")
        assert session.trainer is not old
        assert old.config == old_config and np.array_equal(old.network.params, old_params)
        lesson = LESSONS["xor_needs_hidden_layer"]
        assert session.playing is bool(lesson["play"]) and session.trainer.epoch == 0
        assert session.pace["fps"] == 12  # the session's own pace stays
        sent = [session.outbox.take() for _ in range(4)]
        assert [m["type"] for m in sent] == ["lesson", "config", "data", "state"]
    run(scenario())


@pytest.mark.parametrize("call", [
    lambda s: insight.lesson(s, "single_neuron_and_or", "nonsense"),
    lambda s: exports.load(s, {"format": "nn-playground-model", "format_version": 1, "config": {"hidden": [2]},
                               "weights": [], "biases": []}),
])
def test_a_refused_replacement_changes_nothing(call):
    async def scenario() -> None:
        session = new_session()
        await session.apply_config({"hidden": [5]})
        while session.outbox.take() is not None:
            pass
        trainer, version, config = session.trainer, session.version, session.config
        with pytest.raises(ConfigError):
            await call(session)
        assert session.trainer is trainer and session.version == version and session.config == config
        assert session.outbox.take() is None  # nothing was announced
    run(scenario())


def test_a_loaded_model_replaces_the_trainer_and_keeps_playing_as_it_was():
    async def scenario() -> None:
        source = new_session()
        await source.apply_config({"hidden": [3, 3], "seed": 3})
        source.trainer.train(epochs=3)
        model = model_to_dict(source.trainer)
        session = new_session()
        session.play()
        old = session.trainer
        await exports.load(session, model)
        assert session.trainer is not old and session.trainer.epoch == 3 and session.playing
        assert np.array_equal(session.trainer.network.params, source.trainer.network.params)
        assert old.config["hidden"] != [3, 3]  # the trainer it replaced was not filled in
    run(scenario())


# ---- replies ------------------------------------------------------------------------------------


SAMPLE_REPLIES = [
    (replies.HelloReply, replies.hello(protocol=1, server_version="x", config={}, version=0, limits={})),
    (replies.ConfigReply, replies.config({}, version=1, reset=[])),
    (replies.DataReply, replies.data({"problem": "classification", "n_classes": 2, "train": [], "test": []},
                                     version=1)),
    (replies.StateReply, replies.state("diverged", epoch=3, diverged_epoch=2)),
    (replies.ErrorReply, replies.error("invalid_value", "x: bad", "x")),
    (replies.ExportReply, replies.export("numpy", filename="a.py", mime="text/x-python", content="")),
    (replies.LessonReply, replies.lesson("a", "left")),
    (replies.HiddenSpaceReply, replies.hidden_space_ended()),
    (replies.GradientCheckReply, replies.gradient_check(float("nan"), threshold=1e-4, parameters=1, points=1,
                                                        epoch=0)),
    (replies.BackpropReply, replies.backprop({"inputs": [0.1], "targets": [1.0], "weights": [[[0.2]]], "biases": [[0.3]], "loss": float("inf"), "layers": [{"net": [0.5], "out": [float("nan")]}],
                                              "deltas": [[0.1]], "grad_w": [[[0.1]]], "grad_b": [[0.1]],
                                              "updated_w": [[[0.2]]], "updated_b": [[0.3]]},
                                             learning_rate=0.5, plant_bug=False)),
    (replies.UploadError, replies.upload_error("bad_csv", "csv", "line 2: bad", 2)),
    (replies.UploadedPoints, replies.uploaded_points(points=[[0, 0, 1]], problem="classification", n_classes=2,
                                                     class_names=None, scale=1.0, messages=[], split=None)),
]


@pytest.mark.parametrize("kind, reply", SAMPLE_REPLIES, ids=[kind.__name__ for kind, _ in SAMPLE_REPLIES])
def test_every_reply_has_exactly_the_fields_its_type_declares(kind, reply):
    assert set(reply) == set(typing.get_type_hints(kind))


def test_replies_keep_the_protocol_details():
    state = replies.state("diverged", epoch=3, diverged_epoch=2)
    assert state["hint"] == replies.DIVERGED_HINT and state["diverged_epoch"] == 2
    assert replies.state("paused", epoch=3, diverged_epoch=2)["diverged_epoch"] is None
    check = replies.gradient_check(float("nan"), threshold=1e-4, parameters=1, points=1, epoch=0)
    assert check["max_relative_error"] is None and check["passed"] is False
    walk = replies.backprop({"inputs": [0.1], "targets": [1.0], "weights": [[[0.2]]], "biases": [[0.3]], "loss": float("inf"), "layers": [{"net": [0.5], "out": [float("nan")]}], "deltas": [],
                             "grad_w": [], "grad_b": [], "updated_w": [], "updated_b": []},
                            learning_rate=0.5, plant_bug=True)
    assert walk["loss"] is None and walk["layers"] == [{"net": [0.5], "out": [None]}]  # JSON has no NaN
    assert replies.upload_error("too_large", "csv", "too big") == {
        "error": {"code": "too_large", "field": "csv", "line": None, "message": "too big"}}


def test_a_checkpoint_counts_its_state_against_the_outbox_bytes():
    # a client that asks for big checkpoints and never reads is cut off by their size (a big
    # network's state is megabytes of nested lists), not after 256 of them
    from server.live.outbox import OUTBOX_BYTES, Outbox, SlowClient, text_size
    from server.live.wakeup import Wakeup

    state = {"model": {"weights": [[[0.5] * 64 for _ in range(64)] for _ in range(16)]},
             "optimizer": {"m": [0.1] * 70_000}}
    reply = replies.checkpoint(state, session={}, epoch=1, version=0)
    assert text_size(reply) >= 16 * (16 * 64 * 64 + 70_000)
    outbox = Outbox(Wakeup())
    with pytest.raises(SlowClient):
        for _ in range(OUTBOX_BYTES // text_size(reply) + 2):
            outbox.post(reply)
