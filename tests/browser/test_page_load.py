"""The page loads cleanly against a real server, draws the output, and labels its controls."""

from __future__ import annotations

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "static"

CANVAS_IS_NOT_BLANK = """(sel) => {
  const c = document.querySelector(sel);
  const px = new Uint32Array(c.getContext('2d').getImageData(0, 0, c.width, c.height).data.buffer);
  return c.width > 0 && px.some(v => v !== px[0]) && px.some(v => (v >>> 24) !== 0);
}"""


def test_loads_without_console_errors_and_draws_the_output(page, server):
    page.open(server.url)
    # Let the thumbnail probe and a few frames run, so late errors are caught too.
    page.wait("n.version !== null && document.querySelectorAll('.thumb canvas').length > 0")
    page.pw.wait_for_timeout(1000)
    assert page.errors == []
    assert page.pw.evaluate(CANVAS_IS_NOT_BLANK, "#output-heatmap")
    assert page.pw.evaluate(CANVAS_IS_NOT_BLANK, "#output-points"), "training points are drawn"
    assert page.pw.evaluate(CANVAS_IS_NOT_BLANK, ".node.unit canvas"), "unit heatmaps are drawn"
    header = page.nnp("lastHeader")
    assert header["type"] == "frame" and header["output_kind"] == "binary"
    assert page.pw.get_by_text("Connecting").count() == 0
    assert page.pw.locator("#connection").inner_text() == "Live"


def test_the_page_asks_for_every_module_at_once(page, server):
    # main.js's imports go several levels deep; found level by level, each level waited for
    # the one above (2.1 s to DOMContentLoaded headless on loopback, 1.5 s with the list)
    page.open(server.url)
    preloaded = page.pw.evaluate("""() => [...document.querySelectorAll('head link[rel=modulepreload]')]
        .map((l) => new URL(l.href).pathname)""")
    fetched = page.pw.evaluate("""() => performance.getEntriesByType('resource')
        .map((r) => new URL(r.name).pathname).filter((p) => p.endsWith('.js'))""")
    assert len(preloaded) == len(set(preloaded)) > 40
    assert set(preloaded) == set(fetched)  # every module listed, none listed that the page does not use
    assert page.errors == []


def test_controls_are_labelled_and_show_the_server_config(page, server):
    page.open(server.url)
    config = page.nnp("config")
    lr = page.pw.get_by_label("Learning rate", exact=True)
    assert lr.input_value() == str(config["learning_rate"])
    assert page.pw.get_by_label("Activation", exact=True).input_value() == config["activation"]
    assert page.pw.get_by_label("Batch size").input_value() == str(config["batch_size"])
    # every form control has an accessible name
    unnamed = page.pw.evaluate("""() => [...document.querySelectorAll('select, input, button')]
        .filter(el => !el.closest('[hidden]') && !(el.labels && el.labels.length) &&
                      !el.getAttribute('aria-label') && !el.textContent.trim())
        .map(el => el.outerHTML.slice(0, 80))""")
    assert unnamed == []
    units = page.pw.locator(".node.unit").count()
    assert units == sum(config["hidden"])
    assert page.pw.locator(".layer-count").inner_text().lower() == f"{len(config['hidden'])} hidden layers"


def test_dataset_thumbnails_show_real_points_and_switch_the_data(page, server):
    page.open(server.url)
    page.wait("[...document.querySelectorAll('.thumb:not([hidden]) canvas')].filter(c => "
              "new Uint32Array(c.getContext('2d').getImageData(0,0,64,64).data.buffer).some(v => v)).length >= 6",
              timeout=15000)
    before = page.nnp("version")
    page.pw.locator(".thumb[data-dataset=xor]").click()
    page.wait("n.config.dataset === 'xor'")
    assert page.nnp("version") > before
    assert page.pw.locator(".thumb[data-dataset=xor]").get_attribute("aria-checked") == "true"
    page.wait("!document.getElementById('reset-note').hidden")
    assert "reset" in page.pw.locator("#reset-note").inner_text()


def test_both_languages_have_every_string():
    def keys(name: str) -> set[str]:
        text = (STATIC / "js" / "strings" / name).read_text(encoding="utf-8")
        return set(re.findall(r'^\s*"([^"]+)":', text, flags=re.M))

    en, zh = keys("en.js"), keys("zh.js")
    assert len(en) > 100
    assert en - zh == set() and zh - en == set()
    # every key the code asks for directly exists
    used = set()
    for path in (STATIC / "js").glob("*.js"):
        used |= set(re.findall(r'\bt\("([a-z_.]+)"', path.read_text(encoding="utf-8")))
    used |= set(re.findall(r'data-i18n(?:-title)?="([^"]+)"',
                           (STATIC.parent / "templates" / "index.html").read_text(encoding="utf-8")))
    assert used - en == set()


def test_the_page_decodes_every_array_encoding_the_server_writes(page, server):
    """static/js/frame.js against server.wire.frames: row-differenced deflated grids (steep and
    smooth rows, wrapping below 0 and above 255) and raw float32 arrays, byte for byte."""
    import numpy as np

    from server.wire import frames

    rng = np.random.default_rng(5)
    grid = rng.uniform(-1, 1, (2, 9, 31)).astype(np.float32)
    grid[1] = np.linspace(-1, 1, 31)[::-1]  # every step down: differences wrap below zero
    weights = rng.normal(size=(3, 4)).astype(np.float32)
    data = frames.encode_frame({"type": "frame"}, [frames.grid("units", grid, -1.0, 1.0),
                                                  frames.floats("weights.0", weights)])
    page.pw.goto(server.url)
    decoded = page.pw.evaluate("""async (bytes) => {
      const { decodeFrame } = await import('/static/js/frame.js');
      const { arrays } = decodeFrame(new Uint8Array(bytes).buffer);
      return { units: [...arrays.units.data], weights: [...arrays['weights.0'].data], shape: arrays.units.shape };
    }""", list(data))
    assert decoded["shape"] == [2, 9, 31]
    assert decoded["units"] == frames.quantize(grid, -1.0, 1.0).ravel().tolist()
    assert np.array_equal(np.array(decoded["weights"], dtype=np.float32), weights.ravel())
