"""Issue 14, must fix 3 (and the cut-off thumbnails): on a 1024×768 or 1280×720 projector the
controls, the whole network and the output plane are on screen without scrolling; a presentation
mode (button, key p, ?present=1) enlarges text and the plane; the data column folds away."""

from __future__ import annotations

import pytest

# Each element's box in the viewport, and the page's scroll width.
BOXES = """(selectors) => {
  const out = {};
  for (const s of selectors) {
    const els = [...document.querySelectorAll(s)];
    if (!els.length) { out[s] = null; continue; }
    const r = els.map((e) => e.getBoundingClientRect());
    out[s] = { left: Math.min(...r.map((b) => b.left)), top: Math.min(...r.map((b) => b.top)),
               right: Math.max(...r.map((b) => b.right)), bottom: Math.max(...r.map((b) => b.bottom)) };
  }
  return { boxes: out, scrollWidth: document.documentElement.scrollWidth, w: innerWidth, h: innerHeight };
}"""
MUST_SHOW = ["#play", "#topbar-controls .control", "#network .node.feature", "#network .node.unit",
             "#network .output-node", ".output-column .plot", "#test-loss", "#loss-chart"]


@pytest.mark.parametrize("size", [(1024, 768), (1280, 720), (1440, 900)], ids=["1024x768", "1280x720", "1440x900"])
def test_controls_network_and_output_fit_on_a_projector(page_at, server, tmp_path, size):
    page = page_at(*size)
    page.open(server.url + "/?seed=2")
    pw = page.pw
    pw.wait_for_timeout(300)  # the network's layout settles after the first frame
    got = pw.evaluate(BOXES, MUST_SHOW)
    pw.screenshot(path=str(tmp_path / f"layout-{size[0]}x{size[1]}.png"))
    assert got["scrollWidth"] <= size[0], "no sideways scrolling"
    for selector, box in got["boxes"].items():
        assert box, f"{selector} is missing"
        assert box["left"] >= 0 and box["right"] <= size[0] + 0.5, (selector, box)
        assert box["top"] >= 0 and box["bottom"] <= size[1] + 0.5, (selector, box)
    topbar = pw.locator(".topbar").bounding_box()
    assert topbar["height"] <= 110, f"the top bar takes {topbar['height']} px"

    # Thumbnails keep their whole names ("Exclusive or", "Gaussian"), nothing cut off.
    labels = pw.evaluate("""() => [...document.querySelectorAll('.thumb:not([hidden]) .thumb-label')].map((l) =>
        [l.textContent, l.scrollWidth <= l.clientWidth + 1 && l.scrollHeight <= l.clientHeight + 1])""")
    assert ["Exclusive or", True] in labels and ["Gaussian", True] in labels, labels
    assert all(ok for _, ok in labels), labels
    assert not page.errors, page.errors


def test_presentation_mode_and_folding_the_data_column(sized_page, server, tmp_path):
    page = sized_page
    width, height = page.size
    page.open(server.url + "/?seed=2")
    pw = page.pw
    plot = pw.locator(".output-column .plot")
    normal = plot.bounding_box()["width"]
    font = lambda: pw.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")  # noqa: E731
    normal_font = font()

    pw.locator("body").press("p")
    page.wait("document.body.classList.contains('present')")
    page.wait("new URLSearchParams(location.search).get('present') === '1'")
    pw.wait_for_timeout(300)
    assert font() >= normal_font + 2
    # --plot is 100vh - 430px in presentation mode: 338 px at 768 high against 300 (the floor) before
    assert plot.bounding_box()["width"] > normal + 30, "the plane grows for the back row"
    assert pw.locator("#present").get_attribute("aria-pressed") == "true"
    pw.screenshot(path=str(tmp_path / f"present-{width}.png"))

    # The button switches it off again, and a link with ?present=1 opens in it.
    pw.locator("#present").click()
    page.wait("!document.body.classList.contains('present') && !location.search.includes('present')")
    url = pw.url
    pw.goto(url + "&present=1")
    page.wait_live()
    assert pw.evaluate("document.body.classList.contains('present')")

    # Folding the data column gives its width to the network; unfolding brings it back.
    pw.locator("#present").click()
    network = pw.locator("#network")
    before = network.bounding_box()["width"]
    fold = pw.locator("[data-collapse=data-column]")
    fold.click()
    assert fold.get_attribute("aria-expanded") == "false"
    assert pw.locator("#dataset-thumbs").is_hidden()
    pw.wait_for_timeout(200)
    assert network.bounding_box()["width"] > before + 100
    pw.screenshot(path=str(tmp_path / f"data-folded-{width}.png"))
    fold.click()
    assert pw.locator("#dataset-thumbs").is_visible()
    assert not page.errors, page.errors
