"""The backprop inspector and the planted bug, through the protocol (issue 13)."""

from __future__ import annotations

import numpy as np
from test_server_wire import Client, run

from engine.backprop_steps import walk
from engine.network import Network
from engine.reference import loss_and_gradients


def as_noted(value: float, noted: str) -> bool:
    """`value` rounded to the decimals the notes print is what they print (9 significant
    digits for E, 8-9 for the rest)."""
    decimals = len(noted.split(".")[1])
    return f"{value:.{decimals}f}" == noted


def test_the_lesson_walks_the_notes_example_to_nine_digits(server):
    async def scenario():
        async with Client(server.ws_url) as c:
            await c.start()
            await c.send({"type": "lesson", "id": "backprop_by_hand"})
            await c.expect("lesson")
            await c.send({"type": "backprop"})
            r = await c.expect("backprop")
            assert as_noted(r["loss"], "0.298371109")
            assert as_noted(r["layers"][0]["net"][0], "0.3775") and as_noted(r["layers"][0]["out"][0], "0.59326999")
            assert as_noted(r["layers"][0]["out"][1], "0.596884378")
            assert as_noted(r["layers"][1]["net"][0], "1.105905967") and as_noted(r["layers"][1]["out"][0], "0.75136507")
            assert as_noted(r["layers"][1]["out"][1], "0.772928465")
            assert as_noted(r["grad_w"][1][0][0], "0.082167041")  # ∂E/∂w5 (w5: h1 -> o1)
            assert as_noted(r["grad_w"][0][0][0], "0.000438568")  # ∂E/∂w1 (w1: i1 -> h1)
            assert as_noted(r["updated_w"][1][0][0], "0.35891648")  # w5 after one step at rate 0.5
            assert as_noted(r["updated_w"][1][1][0], "0.408666186")  # w6
            assert as_noted(r["updated_w"][1][0][1], "0.511301270")  # w7
            assert as_noted(r["updated_w"][1][1][1], "0.561370121")  # w8
            assert as_noted(r["updated_w"][0][0][0], "0.149780716")  # w1
            assert len(r["deltas"]) == 2 and len(r["deltas"][0]) == 2 and r["learning_rate"] == 0.5

    run(scenario())


def test_any_point_on_the_live_network_and_refusals(server):
    async def scenario():
        async with Client(server.ws_url) as c:
            await c.start()
            await c.send({"type": "backprop", "point": [1.0, -2.0, 1]})
            r = await c.expect("backprop")
            shapes = [np.shape(w) for w in r["grad_w"]]
            assert shapes == [(2, 4), (4, 2), (2, 1)] and len(r["layers"]) == 3
            await c.send({"type": "backprop"})  # no lesson example
            assert (await c.expect("error"))["field"] == "point"
            await c.send({"type": "backprop", "point": [9.0, 0.0, 1]})
            assert (await c.expect("error"))["field"] == "points"
            await c.send({"type": "config", "patch": {"hidden": [64, 64]}})
            await c.expect("config")
            await c.send({"type": "backprop", "point": [1.0, 1.0, 0]})
            error = await c.expect("error")
            assert error["field"] == "network" and error["code"] == "network_too_large"

    run(scenario())


def test_a_planted_bug_makes_the_gradient_check_fail(server):
    async def scenario():
        async with Client(server.ws_url) as c:
            await c.start()
            await c.send({"type": "lesson", "id": "gradient_check"})
            await c.expect("lesson")
            await c.send({"type": "gradient_check"})
            right = await c.expect("gradient_check", timeout=30)
            await c.send({"type": "gradient_check", "plant_bug": True})
            wrong = await c.expect("gradient_check", timeout=30)
            assert right["passed"] and right["max_relative_error"] < 1e-6
            assert not wrong["passed"] and wrong["max_relative_error"] > 1e-1

    run(scenario())


def test_the_walk_agrees_with_the_reference_pass():
    net = Network([3, 4, 3], "tanh", "softmax", "cross_entropy", seed=2)
    x, label = np.array([0.3, -1.2, 2.0]), 2
    r = walk(net, x, net.encode([label])[0], learning_rate=0.1)
    loss, dW, db = loss_and_gradients(net, x[None], [label])
    assert r["loss"] == loss
    for mine, ref in zip(r["grad_w"] + r["grad_b"], dW + db):
        np.testing.assert_allclose(mine, ref, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(r["updated_w"][0], net.weights[0] - 0.1 * dW[0])


def test_walk_names_what_it_starts_from():
    """The reply carries the inputs, targets, weights and biases the walk starts from, so the page
    can write out_i × δ_j and w − η·∂E/∂w without knowing the network beforehand."""
    from engine.lesson_example import example_walk
    from engine.lessons import lesson_by_id, load_lessons

    example = lesson_by_id("backprop_by_hand", load_lessons())["example"]
    r = example_walk(example)
    assert r["inputs"] == [0.05, 0.10] and r["targets"] == [0.01, 0.99]
    assert r["weights"] == example["weights"] and r["biases"] == example["biases"]
    # ∂E/∂w5 = out_h1 · δ_o1: the factors the inspector writes multiply to the gradient
    assert abs(r["layers"][0]["out"][0] * r["deltas"][1][0] - r["grad_w"][1][0][0]) < 1e-15
