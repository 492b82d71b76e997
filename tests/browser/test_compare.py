"""Compare mode: a second session (B) beside the page's own (A), on the same data, with its
own settings, both heatmaps drawn and both sides' losses on one chart."""

from __future__ import annotations

CANVAS_IS_NOT_BLANK = """(sel) => {
  const c = document.querySelector(sel);
  const px = new Uint32Array(c.getContext('2d').getImageData(0, 0, c.width, c.height).data.buffer);
  return c.width > 0 && px.some(v => v !== px[0]) && px.some(v => (v >>> 24) !== 0);
}"""
DATA_KEYS = ["problem", "dataset", "n_classes", "boundary_fn", "n_samples", "noise", "train_ratio", "seed"]


def same_data(page) -> bool:
    return page.pw.evaluate("""() => {
        const a = window.__nnp.data, b = window.__nnp.compare.data;
        return !!a && !!b && JSON.stringify([a.train, a.test]) === JSON.stringify([b.train, b.test]);
    }""")


def wait_same_config(page, keys):
    page.wait(f"n.compare.config && {list(keys)!r}.every(k => JSON.stringify(n.config[k]) === "
              "JSON.stringify(n.compare.config[k]))")


def test_compare_mode_two_sides_on_the_same_data(page, server):
    page.open(server.url + "/?dataset=xor&seed=3&activation=tanh&epochs_per_second=120")
    assert page.nnp("chartSeries") == 2
    assert not page.pw.locator("#compare-column").is_visible()
    toggle = page.pw.get_by_role("button", name="Train a second network (B) beside this one (A) on the same data")
    toggle.click()
    page.wait("n.compare.open && n.compare.connection === 'live'")
    # B starts as a copy of A: every engine key equal, and the same data points
    wait_same_config(page, DATA_KEYS + ["activation", "hidden", "learning_rate", "features"])
    page.wait("n.compare.dataMessages > 0 && n.compare.data.train.length > 0")
    assert same_data(page)
    assert toggle.get_attribute("aria-pressed") == "true"
    assert page.nnp("chartSeries") == 4
    # B's own activation; A keeps its own
    b_activation = page.pw.get_by_label("Activation (B)", exact=True)
    b_activation.select_option("relu")
    page.wait("n.compare.config.activation === 'relu'")
    assert page.nnp("config.activation") == "tanh"
    page.wait("n.compare.differs.includes('activation')")
    assert "Activation" in page.pw.locator("#b-differs").inner_text()
    assert "differs" in page.pw.locator("#compare-column .control[data-key=activation]").get_attribute("class")
    # the deeper-network keys are B's own too (issue 18: compare mode follows every key)
    page.pw.locator("#compare-column .control[data-key=residual] input").click()
    page.pw.locator("#compare-column .control[data-key=normalization] select").select_option("layer")
    page.wait("n.compare.config.residual === true && n.compare.config.normalization === 'layer'")
    assert page.nnp("config.residual") is False and page.nnp("config.normalization") == "none"
    # play acts on both sides; both heatmaps draw and both curves grow
    page.pw.locator("#play").click()
    page.wait("n.state === 'playing' && n.compare.state === 'playing' && n.epoch > 20 && n.compare.epoch > 20",
              timeout=20000)
    page.pw.locator("#play").click()
    page.wait("n.state === 'paused' && n.compare.state === 'paused'")
    page.pw.wait_for_timeout(200)
    assert page.pw.evaluate(CANVAS_IS_NOT_BLANK, "#output-heatmap")
    assert page.pw.evaluate(CANVAS_IS_NOT_BLANK, "#b-heatmap")
    assert page.pw.evaluate(CANVAS_IS_NOT_BLANK, "#b-points"), "B's data points are drawn"
    assert page.pw.locator("#b-test-loss").inner_text() not in ("", "—")
    assert page.pw.locator("#b-test-acc").is_visible()
    # a data key changed on A goes to B; regenerate's new seed too
    noise = page.pw.get_by_label("Noise", exact=True)
    noise.fill("25")
    noise.dispatch_event("change")
    page.wait("n.config.noise === 25 && n.compare.config && n.compare.config.noise === 25")
    seed = page.nnp("config.seed")
    page.pw.get_by_role("button", name="New random points (a new seed)").click()
    page.wait(f"n.config.seed !== {seed} && n.compare.config.seed === n.config.seed")
    page.pw.wait_for_function("""() => { const a = window.__nnp.data, b = window.__nnp.compare.data;
        return JSON.stringify([a.train, a.test]) === JSON.stringify([b.train, b.test]); }""")
    assert page.nnp("compare.config.activation") == "relu", "B keeps its own settings"
    # reset acts on both
    page.pw.locator("#reset").click()
    page.wait("n.epoch === 0 && n.compare.epoch === 0")
    page.pw.locator("#step").click()
    page.wait("n.epoch === 1 && n.compare.epoch === 1")
    # closing compare mode closes B's session
    toggle.click()
    page.wait("!n.compare.open")
    assert not page.pw.locator("#compare-column").is_visible()
    assert page.nnp("chartSeries") == 2
    assert page.errors == []


def test_custom_points_are_mirrored_to_side_b(page, server):
    page.open(server.url + "/?seed=2")
    page.pw.locator("#compare-toggle").click()
    page.wait("n.compare.open && n.compare.connection === 'live' && n.compare.dataMessages > 0")
    points = [[-3, -3, 0], [3, 3, 1], [-3, 3, 0], [3, -3, 1], [0, 4, 1], [0, -4, 0], [4, 0, 1], [-4, 0, 0]]
    page.pw.evaluate("(add) => window.__nnp.send({type: 'points', clear: true, add})", points)
    page.wait("n.config.dataset === 'custom' && n.compare.config.dataset === 'custom'")
    page.wait("n.data.train.length + n.data.test.length === 8 && "
              "n.compare.data.train.length + n.compare.data.test.length === 8")
    assert same_data(page)
    # a CSV upload's order: a data patch (here to regression), then the points
    page.pw.evaluate("""() => {
        window.__nnp.send({type: 'config', patch: {dataset: 'custom', problem: 'regression'}});
        window.__nnp.send({type: 'points', clear: true, add: [[-2, -2, -1.5], [2, 2, 1.5], [0, 1, 0.25], [1, 0, 0.5]]});
    }""")
    page.wait("n.compare.config.problem === 'regression' && n.config.problem === 'regression' && "
              "n.compare.data && n.compare.data.train.concat(n.compare.data.test).length === 4 && "
              "n.data.train.concat(n.data.test).length === 4")
    assert same_data(page)
    assert page.pw.locator("#b-error").is_hidden()
    # B's hidden layers are typed as a list
    hidden = page.pw.get_by_label("Hidden layers (B)", exact=True)
    hidden.fill("3,3,2")
    hidden.press("Enter")
    hidden.dispatch_event("change")
    page.wait("n.compare.config.hidden.join() === '3,3,2'")
    assert page.nnp("config.hidden") == [4, 2]
    hidden.fill("3,x")
    hidden.dispatch_event("change")
    error = page.pw.locator("#compare-column .control[data-key=hidden] .field-error")
    error.wait_for(state="visible")
    assert page.nnp("compare.config.hidden") == [3, 3, 2]


def test_early_stopping_marks_each_sides_best_epoch_on_the_shared_chart(page, server):
    page.open(server.url + "/?lesson=overfitting_regularization")
    page.wait("n.compare.open && n.compare.config && n.compare.config.regularization === 'l2'")
    # both markers at once, each at its own side's best epoch as that side's frame header says
    seen = page.wait("n.insight.bestMarker && n.insight.bestMarkerB && n.compare.lastHeader.early_stopping"
                     " && [n.insight.bestMarker.epoch, n.insight.earlyStopping.best_epoch,"
                     " n.insight.bestMarkerB.epoch, n.compare.lastHeader.early_stopping.best_epoch]",
                     timeout=20000).json_value()
    assert seen[0] == seen[1] >= 1 and seen[2] == seen[3] >= 1, seen
    page.pw.locator("#compare-toggle").click()  # closing compare mode removes B's marker
    page.wait("n.insight.bestMarkerB === null")
    assert not page.errors, page.errors


def test_opening_compare_on_own_points_gives_b_the_same_train_test_split(page, server):
    page.open(server.url + "/?seed=4")
    points = [[-3, -3, 0], [3, 3, 1], [-3, 3, 0], [3, -3, 1], [0, 4, 1], [0, -4, 0]]
    page.pw.evaluate("(add) => __nnp.send({type: 'points', clear: true, add, train: [true, false, true, false, true, false]})",
                     points)
    page.wait("n.config.dataset === 'custom' && n.data.train.length === 3 && n.data.test.length === 3")
    page.pw.locator("#compare-toggle").click()
    page.wait("n.compare.data && n.compare.data.train.length + n.compare.data.test.length === 6", timeout=15000)
    assert page.nnp("compare.data.train") == page.nnp("data.train")
    assert page.nnp("compare.data.test") == page.nnp("data.test")
    assert not page.errors, page.errors
