"""Issue 14, must fix 2: a broken network says what is wrong and what to do, in English and
简体中文, instead of silently "playing": the classic ReLU at learning rate 10 on the circle (a dead
layer, one flat colour, loss stuck at chance), and a diverged regression (NaN/∞). Every number
on the page is written for people (no "-2.2098537911590775e+24")."""

from __future__ import annotations

import re

BROKEN = "/?dataset=circle&activation=relu&learning_rate=10&seed=967081&epochs_per_second=120"
# A linear regression at the largest learning rate overshoots to infinity within an epoch or two.
DIVERGING = "/?problem=regression&dataset=plane&loss=squared&activation=linear&learning_rate=10&epochs_per_second=30"

# Visible text that prints a machine float: many decimals or an e-exponent.
RAW_NUMBERS = """() => {
  const bad = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const el = n.parentElement;
    if (!el || !el.checkVisibility() || el.closest('script, style')) continue;
    if (/\\d\\.\\d{5,}|\\de[+-]?\\d/.test(n.textContent)) bad.push(n.textContent.trim());
  }
  return bad;
}"""


def test_relu_at_learning_rate_10_on_the_circle_is_explained(sized_page, server, tmp_path):
    page = sized_page
    page.open(server.url + BROKEN)
    pw = page.pw
    box = pw.locator("#diagnosis")
    assert box.is_hidden(), "a fresh network has nothing wrong"
    pw.locator("#play").click()
    page.wait("['dead_layer', 'flat_output', 'stuck'].every((c) => n.diagnosis.includes(c))", timeout=30000)
    pw.locator("#play").click()  # pause: the notes stay while the network stays broken
    box.wait_for(state="visible")
    text = box.inner_text()
    assert "Every neuron of hidden layer 2 is dead" in text, text
    assert "one flat colour" in text and "chance level" in text, text
    assert text.count("→") == 3, "each cause comes with a suggested fix"
    assert "Lower the learning rate" in text
    pw.screenshot(path=str(tmp_path / f"broken-relu-en-{page.size[0]}.png"))
    # The notes sit in view with the output, not below the fold, and leave the plane (with its
    # axis numbers) on screen too: where three notes do not fit, they scroll within the room left.
    assert box.bounding_box()["y"] + box.bounding_box()["height"] <= page.size[1]
    ticks = pw.evaluate("() => Math.max(...[...document.querySelectorAll('.output-column .plot .tick')]"
                        ".map((t) => t.getBoundingClientRect().bottom))")
    assert ticks <= page.size[1] + 0.5, f"the plane's axis ends at {ticks} px, below the window"
    clipped = pw.evaluate("() => { const d = document.getElementById('diagnosis');"
                          " return d.scrollHeight > d.clientHeight + 1; }")
    if clipped:  # scrolled notes can be reached from the keyboard
        assert box.get_attribute("tabindex") == "0"

    pw.locator("#language").select_option("zh")
    zh = box.inner_text()
    assert "第 2 个隐藏层的所有神经元都已死亡" in zh and "输出只有一种颜色" in zh and "随机水平" in zh, zh
    assert "降低学习率" in zh
    pw.screenshot(path=str(tmp_path / f"broken-relu-zh-{page.size[0]}.png"))
    pw.locator("#language").select_option("en")

    # A sane learning rate and a reset: the notes go away.
    pw.get_by_label("Learning rate", exact=True).select_option("0.03")
    pw.locator("#reset").click()
    page.wait("n.diagnosis.length === 0")
    box.wait_for(state="hidden")
    assert not page.errors, page.errors


def test_a_diverged_regression_is_explained_and_its_numbers_are_readable(page, server, tmp_path):
    page.open(server.url + DIVERGING)
    pw = page.pw
    pw.locator("#play").click()
    page.wait("n.state === 'diverged' && n.diagnosis.includes('diverged')", timeout=20000)
    text = pw.locator("#diagnosis").inner_text()
    assert "Diverged: the loss became NaN or ∞" in text and "Lower the learning rate (e.g. to 1)" in text, text
    legend = pw.locator("#legend").inner_text()
    assert not re.search(r"\d\.\d{5,}|\de[+-]?\d", legend), legend
    assert pw.evaluate(RAW_NUMBERS) == []
    # The number the issue saw printed raw, through the page's own formatter.
    formatted = pw.evaluate("async () => (await import('/static/js/format.js')).fmtNum(-2.2098537911590775e+24)")
    assert formatted == "−2.21 × 10²⁴"
    pw.screenshot(path=str(tmp_path / "diverged-regression.png"))
    assert not page.errors, page.errors


def test_a_slow_start_is_not_called_saturated(page, server):
    """Sigmoid at 0.03 paints one pale, undecided colour for its first epochs: it is still learning,
    and the note "saturated … lower the learning rate" would be wrong advice (a lower rate is slower
    yet). Only a flat output at an end of the colour scale is saturated."""
    page.open(server.url + "/?seed=2&activation=sigmoid&learning_rate=0.03")
    page.nnp("send({type: 'step', epochs: 40})")
    page.wait("n.epoch >= 40 && n.lastHeader.epoch >= 40")
    page.pw.wait_for_timeout(300)
    shades = page.pw.evaluate("""() => { const c = document.getElementById('output-heatmap');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        const s = new Set(); for (let i = 0; i < d.length; i += 4) s.add(d[i] + ',' + d[i + 1] + ',' + d[i + 2]);
        return s.size; }""")
    assert shades <= 4, f"the case is a flat output ({shades} shades): it tests the midpoint rule"
    assert "flat_output" not in page.nnp("diagnosis")
    assert page.pw.locator("#diagnosis").is_hidden()
    assert not page.errors, page.errors
