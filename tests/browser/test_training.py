"""Training from the page: play, live changes, editing the network, weights, keyboard,
rendering cost and a screenshot."""

from __future__ import annotations



def test_play_advances_the_epoch_and_learns_the_circle(page, server):
    # The default network on the circle data; only the pace is raised so a busy machine
    # still reaches the loss within the time limit.
    page.open(server.url + "/?dataset=circle&seed=3&epochs_per_second=200")
    assert page.nnp("config.hidden") == [4, 2]
    page.pw.locator("#play").click()
    page.wait("n.state === 'playing' && n.epoch > 5")
    # the counter is drawn on the next animation frame after the frame that moved n.epoch
    page.wait("Number(document.querySelector('#epoch').textContent.replace(/,/g, '')) > 0")
    shown = int(page.pw.locator("#epoch").inner_text().replace(",", ""))
    assert shown > 0
    page.wait("n.lastHeader.metrics.test_loss !== null && n.lastHeader.metrics.test_loss < 0.1", timeout=30000)
    page.pw.wait_for_timeout(200)
    assert float(page.pw.locator("#test-loss").inner_text()) < 0.15
    assert page.nnp("chartPoints") > 5
    page.pw.locator("#play").click()
    page.wait("n.state === 'paused'")


def test_changes_while_playing_take_effect(page, server):
    page.open(server.url + "/?seed=5")
    page.pw.locator("#play").click()
    page.wait("n.state === 'playing' && n.epoch > 2")
    v0 = page.nnp("version")
    page.pw.get_by_label("Learning rate", exact=True).select_option("0.1")
    page.wait(f"n.version > {v0} && n.config.learning_rate === 0.1")
    page.wait(f"n.lastHeader.version > {v0}")
    assert page.pw.get_by_label("Learning rate", exact=True).input_value() == "0.1"
    v1 = page.nnp("version")
    page.pw.get_by_label("Activation", exact=True).select_option("relu")
    page.wait(f"n.version > {v1} && n.config.activation === 'relu'")
    assert page.pw.get_by_label("Activation", exact=True).input_value() == "relu"
    # an activation change rebuilds the network: the note says so, and training goes on
    page.wait("!document.getElementById('reset-note').hidden")
    epoch = page.nnp("epoch")
    page.wait(f"n.state === 'playing' && n.epoch > {epoch}")


def test_adding_a_layer_and_a_unit_updates_the_picture(page, server):
    page.open(server.url + "/?hidden=4,2&seed=1")
    assert page.pw.locator(".node.unit").count() == 6
    page.pw.get_by_role("button", name="Add a hidden layer").click()
    page.wait("n.config.hidden.length === 3")
    page.wait("document.querySelectorAll('.node.unit').length === 8")
    assert page.pw.locator(".layer-count").inner_text().lower() == "3 hidden layers"
    page.pw.locator(".layer-hidden").first.get_by_role("button", name="Add a neuron to this layer").click()
    page.wait("n.config.hidden[0] === 5 && document.querySelectorAll('.node.unit').length === 9")
    # the new units are drawn from the next frame's unit grids
    page.wait("n.lastHeader.arrays.some(a => a.name === 'units' && a.shape[0] === 9)")
    page.pw.wait_for_timeout(100)
    blank = page.pw.evaluate("""() => [...document.querySelectorAll('.node.unit canvas')]
        .filter(c => !c.width || new Uint32Array(c.getContext('2d').getImageData(0,0,c.width,c.height).data.buffer)
        .every(v => v === 0)).length""")
    assert blank == 0
    links = page.pw.locator("path.link").count()
    assert links == 2 * 5 + 5 * 2 + 2 * 2 + 2 * 1
    page.pw.locator(".layer-hidden").nth(2).get_by_role("button", name="Remove a neuron from this layer").click()
    page.wait("n.config.hidden[2] === 1")


def test_editing_a_weight_and_a_bias(page, server):
    page.open(server.url + "/?seed=2")
    v0 = page.nnp("version")
    # links are focusable and open the editor with Enter, as a keyboard user would
    page.pw.locator("path.link").first.focus()
    page.pw.keyboard.press("Enter")
    editor = page.pw.locator("form.editor input")
    editor.fill("2.5")
    editor.press("Enter")
    page.wait(f"n.version > {v0} && Math.abs(n.weight(0, 0, 0) - 2.5) < 1e-6")
    v1 = page.nnp("version")
    page.pw.locator(".node.unit .bias").first.click()
    editor.fill("-1.25")
    editor.press("Enter")
    page.wait(f"n.version > {v1}")
    # a value that is not a number is refused in place, nothing is sent
    page.pw.locator(".node.unit .bias").first.click()
    editor.fill("")
    editor.press("Enter")
    assert page.pw.locator("form.editor .field-error").is_visible()


def test_keyboard_play_step_and_reset(page, server):
    page.open(server.url + "/?seed=4")
    page.pw.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.pw.keyboard.press(" ")
    page.wait("n.state === 'playing'")
    page.pw.keyboard.press(" ")
    page.wait("n.state === 'paused'")
    epoch = page.nnp("epoch")
    page.pw.keyboard.press("ArrowRight")
    page.wait(f"n.epoch === {epoch} + 1")
    v = page.nnp("version")
    page.pw.keyboard.press("r")
    page.wait(f"n.version > {v} && n.epoch === 0")


def test_server_errors_show_next_to_their_control(page, server):
    page.open(server.url)
    page.pw.evaluate("() => __nnp.send({type: 'config', patch: {learning_rate: 99}})")
    error = page.pw.locator(".control[data-key=learning_rate] .field-error")
    error.wait_for(state="visible")
    assert "10" in error.inner_text(), "the allowed range is shown"
    # a value the page can check itself is refused before sending
    page.pw.locator("details.more summary").click()
    box = page.pw.get_by_label("Number of points")
    box.fill("5")
    box.press("Enter")
    local = page.pw.locator(".control[data-key=n_samples] .field-error")
    local.wait_for(state="visible")
    assert "20" in local.inner_text()
    assert page.nnp("config.learning_rate") != 99


def test_render_cost_per_frame_and_screenshot(page, server, artifacts):
    page.open(server.url + "/?seed=6&epochs_per_second=120")
    page.pw.locator("#play").click()
    page.wait("n.renderSamples > 60", timeout=15000)
    median = page.nnp("renderMedianMs")
    samples = page.pw.evaluate("() => window.__nnp.renderSamples")
    print(f"\nrender time per frame at the default config: median {median:.2f} ms over {samples} frames")
    # The budget is 4 ms; the bound here is loose because the machine is shared and noisy.
    assert median < 16
    page.pw.locator("#play").click()
    page.wait("n.state === 'paused'")
    path = artifacts / "page-after-training.png"
    page.pw.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000


def test_the_largest_network_stays_usable_and_shows_its_strongest_weights(page, server):
    # 16 layers of 64 units: 61 632 weights, which as SVG paths froze the page for minutes
    page.open(server.url + "/?hidden=" + ",".join(["64"] * 16), timeout=30000)
    links = page.pw.locator("#network .link")
    assert 0 < links.count() <= 2400
    note = page.pw.locator(".link-note")
    assert note.is_visible() and "strongest" in note.inner_text() and "61632" in note.inner_text()
    page.pw.locator("#play").click()
    page.wait("n.epoch >= 2", timeout=30000)
    page.pw.locator("#play").click()
    page.wait("n.state === 'paused'")
    page.pw.wait_for_timeout(500)
    # the links shown between hidden layers 1 and 2 are the strongest of their 4096 weights
    shown, strongest = page.pw.evaluate("""() => {
      const shown = [...document.querySelectorAll('#network .link')]
        .map(el => el.getAttribute('aria-label').match(/^weight from neuron (\\d+) of layer 1 to neuron (\\d+) of layer 2: /))
        .filter(m => m).map(m => [Number(m[1]) - 1, Number(m[2]) - 1]);
      const all = [];
      for (let i = 0; i < 64; i++) for (let j = 0; j < 64; j++) all.push([Math.abs(__nnp.weight(1, i, j)), i, j]);
      all.sort((a, b) => b[0] - a[0]);
      return [shown, all.slice(0, shown.length).map(([, i, j]) => [i, j])];
    }""")
    assert len(shown) >= 8 and sorted(shown) == sorted(strongest)
    assert not page.errors, page.errors
