"""Seeing inside the network from the page (issue 6): the activation explorer, gradient flow,
dead units, the hidden-space view, the gradient check and early stopping, against a real
server in headless Chromium."""

from __future__ import annotations

CANVAS_PIXELS = """(sel) => {
  const c = document.querySelector(sel);
  return c.width ? Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data) : [];
}"""

CANVAS_HAS_INK = """(sel) => {
  const c = document.querySelector(sel);
  if (!c.width) return false;
  const px = new Uint32Array(c.getContext('2d').getImageData(0, 0, c.width, c.height).data.buffer);
  return px.some(v => (v >>> 24) !== 0);
}"""


def test_activation_explorer_follows_the_selector(page, server):
    page.open(server.url + "/?activation=sigmoid&seed=1")
    page.wait("n.insight.activationShown === 'sigmoid'")
    assert page.errors == []
    # sigmoid's derivative peaks at 1/4 and the plot says so
    assert abs(page.nnp("insight.activationPeak") - 0.25) < 1e-3
    plot = page.pw.locator("[data-watch=activation]")
    assert "0.25" in plot.inner_text()
    assert "f(x)" in plot.inner_text() and "f′(x)" in plot.inner_text()
    sigmoid = page.pw.evaluate(CANVAS_PIXELS, "[data-watch=activation] canvas")
    assert any(sigmoid), "the curves are drawn"

    page.pw.get_by_label("Activation", exact=True).select_option("relu")
    page.wait("n.insight.activationShown === 'relu'")
    assert page.nnp("insight.activationPeak") == 1  # ReLU's step: slope 1 for x > 0
    relu = page.pw.evaluate(CANVAS_PIXELS, "[data-watch=activation] canvas")
    assert relu != sigmoid
    assert "ReLU" in page.pw.locator("[data-watch=activation] canvas").get_attribute("aria-label")


def test_gradient_flow_gets_a_line_per_layer_and_starts_over_on_reset(page, server):
    page.open(server.url + "/?hidden=4,3,2&seed=2&epochs_per_second=300")
    page.pw.locator("#play").click()
    page.wait("n.insight.gradientPoints > 10")
    assert page.nnp("insight.gradientLayers") == 4  # three hidden layers and the output
    assert page.nnp("insight.gradientLabels") == ["layer 1", "layer 2", "layer 3", "output"]
    legend = page.pw.locator("#gradient-flow-panel").inner_text()
    assert "layer 3" in legend and "output" in legend
    page.pw.locator("#play").click()
    page.wait("n.state === 'paused'")
    page.pw.wait_for_timeout(300)
    # the lines end at the last frame's per-layer gradient sizes
    latest = page.nnp("insight.gradientLatest")
    sent = page.nnp("lastHeader.metrics.grad_norms")
    assert len(latest) == 4 and all(abs(a - b) <= 1e-6 * max(1.0, abs(b)) for a, b in zip(latest, sent))
    page.pw.locator("#reset").click()
    page.wait("n.epoch === 0 && n.insight.gradientPoints <= 1")
    # a different depth gives a different number of lines
    page.pw.get_by_role("button", name="Remove the last hidden layer").click()
    page.wait("n.config.hidden.length === 2")
    page.pw.locator("#step").click()
    page.wait("n.insight.gradientLayers === 3 && n.insight.gradientPoints >= 1")
    assert page.nnp("insight.gradientLabels") == ["layer 1", "layer 2", "output"]


def test_a_dead_relu_unit_is_marked_in_the_network(page, server):
    page.open(server.url + "/?activation=relu&hidden=4,2&seed=3")
    assert page.pw.locator(".node.unit.dead").count() == 0
    # A very negative bias keeps the unit's input below zero on every point: it is dead.
    page.pw.evaluate("() => __nnp.send({type: 'set_bias', layer: 0, j: 1, value: -100})")
    page.wait("n.lastHeader.metrics.dead_units[0][1] === true")
    node = page.pw.locator(".node.unit[data-layer='0'][data-unit='1']")
    page.wait("document.querySelector(\".node.unit[data-layer='0'][data-unit='1']\").classList.contains('dead')")
    assert "dead unit" in node.get_attribute("aria-label")
    assert "Dead unit" in node.get_attribute("title")
    assert page.pw.locator(".node.unit.dead").count() == 1
    row = page.pw.locator("#dead-row")
    assert row.is_visible() and row.get_attribute("data-watch") == "dead_units"
    assert page.pw.locator("#dead-fraction").inner_text() == f"{round(100 / 6)}%"
    page.pw.locator("#language").select_option("zh")
    assert "死亡神经元" in node.get_attribute("aria-label")


def test_hidden_space_draws_the_mapped_plane_and_follows_the_network(page, server):
    page.open(server.url + "/?hidden=4,3&seed=4&n_samples=200")
    panel = page.pw.locator("#hidden-space-panel")
    panel.get_by_label("Show the hidden space").check()
    page.wait("n.insight.hiddenPoints > 0")
    assert page.nnp("insight.hiddenSubscribed") == {"layer": 0, "units": [0, 1]}
    assert page.nnp("insight.hiddenPoints") == 200  # every training and test point
    assert page.pw.evaluate(CANVAS_HAS_INK, "#hidden-space-panel canvas")
    header = page.nnp("lastHeader.hidden_space")
    assert header["layer"] == 0 and header["units"] == [0, 1] and header["lines"] == 13
    before = page.pw.evaluate(CANVAS_PIXELS, "#hidden-space-panel canvas")

    panel.get_by_label("Layer", exact=True).select_option(label="hidden layer 2")
    panel.get_by_label("Vertical: neuron").select_option(label="3")
    page.wait("n.lastHeader.hidden_space && n.lastHeader.hidden_space.layer === 1 && "
              "n.lastHeader.hidden_space.units[1] === 2")
    page.pw.wait_for_timeout(200)
    assert page.pw.evaluate(CANVAS_PIXELS, "#hidden-space-panel canvas") != before

    # Removing the chosen layer: the server ends that view and the page follows layer 1.
    page.pw.get_by_role("button", name="Remove the last hidden layer").click()
    page.wait("n.config.hidden.length === 1 && n.lastHeader.hidden_space && n.lastHeader.hidden_space.layer === 0")
    assert page.nnp("insight.hiddenOn") is True

    panel.get_by_label("Show the hidden space").uncheck()
    page.wait("n.insight.hiddenSubscribed === null")
    page.pw.locator("#step").click()
    page.wait("n.lastHeader.epoch >= 1 && !n.lastHeader.hidden_space")

    # No hidden layer, no hidden space: the panel says what to do instead.
    page.pw.get_by_role("button", name="Remove the last hidden layer").click()
    page.wait("n.config.hidden.length === 0")
    assert not panel.get_by_label("Show the hidden space").is_visible()
    assert "Add a hidden layer" in panel.inner_text()
    assert page.errors == []


def test_gradient_check_reports_a_small_error_in_both_languages(page, server):
    page.open(server.url + "/?hidden=3&seed=5")
    panel = page.pw.locator("#gradient-check-panel")
    panel.get_by_role("button", name="Check the gradients").click()
    page.wait("n.insight.gradientCheck !== null")
    result = page.nnp("insight.gradientCheck")
    assert result["max_relative_error"] < 1e-4 and result["passed"] is True
    text = panel.locator(".gc-result").inner_text()
    assert "Largest relative error" in text and "passed" in text
    assert "(f(w+h) − f(w−h)) / 2h" in panel.inner_text()
    page.pw.locator("#language").select_option("zh")
    assert "通过" in panel.locator(".gc-result").inner_text()
    assert "数值斜率" in panel.inner_text()


def test_early_stopping_pauses_training_and_marks_the_best_epoch(page, server):
    # Noisy, scarce data and a fast learning rate: the test loss soon stops improving.
    page.open(server.url + "/?dataset=xor&noise=50&n_samples=40&hidden=8,8&learning_rate=0.3"
                           "&batch_size=1&seed=6&epochs_per_second=500")
    box = page.pw.get_by_label("Early stopping (epochs, 0 = off)")
    box.fill("5")
    box.press("Enter")
    page.wait("n.config.early_stopping === 5")
    page.pw.locator("#play").click()
    page.wait("n.state === 'paused' && n.insight.stoppedAt !== null", timeout=20000)
    es = page.nnp("lastHeader.early_stopping")
    assert es["patience"] == 5 and es["stopped"] is True
    assert page.nnp("epoch") - es["best_epoch"] >= 5
    page.wait("n.insight.bestMarker !== null")
    assert page.nnp("insight.bestMarker.epoch") == es["best_epoch"]
    note = page.pw.locator(".es-note")
    assert note.is_visible() and "Stopped early" in note.inner_text()
    page.pw.locator("#language").select_option("zh")
    assert "提前停止" in note.inner_text()
    # a reset forgets the best epoch and the note
    page.pw.locator("#reset").click()
    page.wait("n.epoch === 0 && n.insight.bestMarker === null")
    assert not note.is_visible()
