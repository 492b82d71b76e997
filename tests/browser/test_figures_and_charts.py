"""Issue 14, should fix: the loss chart has a key (train vs test, A vs B) and no made-up tick labels
while empty; the activation explorer opens large (every activation with f′, labelled axes, max f′);
the output exports as a figure (axes −6..6, colour key, points, title) in PNG and SVG; "?" help
cards and the "what am I looking at" text exist in both languages."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"
# Pixels of a downloaded PNG, decoded by the browser: size, and whether the title strip and the
# left axis strip hold any ink (a bare plane has neither).
PNG_INK = """async (b64) => {
  const img = new Image();
  img.src = 'data:image/png;base64,' + b64;
  await img.decode();
  const c = document.createElement('canvas');
  c.width = img.width; c.height = img.height;
  const ctx = c.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const ink = (x, y, w, h) => { const d = ctx.getImageData(x, y, w, h).data;
    let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] < 600) n++; return n; };
  return { w: img.width, h: img.height, title: ink(60, 10, 500, 36), axis: ink(0, 56, 60, 540) };
}"""


def test_chart_key_and_empty_chart(page_at, server, tmp_path):
    page = page_at(1024, 768)
    page.open(server.url + "/?seed=2")
    pw = page.pw
    page.wait("n.chartTicks && n.chartTicks[1].length > 0")
    assert all(label == "" for axis in page.nnp("chartTicks") for label in axis), "an empty chart shows no numbers"
    key = pw.locator("#chart-key")
    assert key.inner_text().split("\n") == ["Training loss", "Test loss"] or "Training loss" in key.inner_text()
    page.nnp("send({type: 'step', epochs: 5})")
    page.wait("n.chartPoints >= 5 && n.chartTicks[1].some((l) => l !== '')")
    assert all(re.fullmatch(r"[\d.−]*( × 10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)?", label) for label in page.nnp("chartTicks")[1])
    pw.locator("#compare-toggle").click()
    page.wait("n.chartSeries === 4")
    text = key.inner_text()
    assert all(part in text for part in ("A", "B")) and key.locator(".key-line.dashed").count() == 2, text
    pw.locator(".output-column").screenshot(path=str(tmp_path / "chart-key-compare.png"))
    assert not page.errors, page.errors


def test_activation_explorer_opens_large(page_at, server, tmp_path):
    page = page_at(1024, 768)
    page.open(server.url + "/?activation=sigmoid&seed=1")
    page.wait("n.insight.activationShown === 'sigmoid'")
    pw = page.pw
    pw.locator("[data-watch=activation]").click()
    dialog = pw.locator("[data-watch=activation-large]")
    dialog.wait_for(state="visible")
    canvas = dialog.locator("canvas")
    box = canvas.bounding_box()
    assert box["width"] >= 600 and box["height"] >= 400, box
    label = canvas.get_attribute("aria-label")
    assert "Sigmoid (max f′ = 0.25)" in label and "ReLU (max f′ = 1)" in label and "Tanh (max f′ = 1)" in label, label
    pw.screenshot(path=str(tmp_path / "activations-large-1024.png"))
    pw.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert not page.errors, page.errors


def test_output_exports_as_a_figure_in_png_and_svg(page_at, server, tmp_path):
    page = page_at(1440, 900)
    page.open(server.url + "/?dataset=xor&seed=6&show_test=1")
    pw = page.pw
    page.nnp("send({type: 'step', epochs: 12})")
    page.wait("n.epoch >= 12")
    pw.wait_for_timeout(200)
    pw.locator("#exports summary").click()
    with pw.expect_download() as info:
        pw.get_by_role("button", name="Figure (PNG)").click()
    png = open(info.value.path(), "rb").read()
    (tmp_path / "figure.png").write_bytes(png)
    blank = pw.context.new_page()  # the playground's CSP (img-src 'self') refuses data: images
    ink = blank.evaluate(PNG_INK, base64.b64encode(png).decode())
    blank.close()
    assert ink["w"] == 794 and ink["title"] > 200 and ink["axis"] > 50, ink

    with pw.expect_download() as info:
        pw.get_by_role("button", name="Figure (SVG)").click()
    assert info.value.suggested_filename == "nn-playground-output.svg"
    svg = open(info.value.path(), encoding="utf-8").read()
    (tmp_path / "figure.svg").write_text(svg, encoding="utf-8")
    root = ET.fromstring(svg)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    loss = page.nnp("lastHeader.metrics.test_loss")
    assert f"Exclusive or · epoch 12 · test loss {loss:.3f}" in texts, texts
    assert texts.count("−6") == 2 and texts.count("6") == 2 and "x₁" in texts and "x₂" in texts
    assert "Class 1" in texts and "training points" in texts and "test points" in texts
    n_points = pw.evaluate("() => __nnp.data.train.length + __nnp.data.test.length")
    assert len(list(root.iter(f"{SVG}circle"))) == n_points + 2  # every point, and the key's two
    assert len(list(root.iter(f"{SVG}image"))) == 1
    assert not page.errors, page.errors


def test_help_cards_and_the_explanation_in_both_languages(page_at, server):
    page = page_at(1024, 768)
    page.open(server.url + "/?seed=2")
    pw = page.pw
    helps = pw.locator("button.help")
    assert helps.count() >= 4
    network_help = pw.locator(".network-top button.help")
    network_help.click()
    card = pw.locator(".help-card")
    card.wait_for(state="visible")
    assert "click a line" in card.inner_text()
    assert network_help.get_attribute("aria-expanded") == "true"
    pw.keyboard.press("Escape")
    card.wait_for(state="hidden")
    about = pw.locator(".about")
    assert "What am I looking at?" in about.inner_text() and "overfitting" in about.inner_text()
    pw.locator("#language").select_option("zh")
    assert "我在看什么" in about.inner_text()
    pw.locator(".output-column .section-head button.help").click()
    card.wait_for(state="visible")
    assert "损失" in card.inner_text()
    assert not page.errors, page.errors


# The page's own chart classes, fed sizes a real run produces at its edges: vanished gradients
# (1e-40, even subnormal 5e-324), exploding ones (1e300), losses near 0 and far above 1 on the log
# scale, a diverging loss of 1e308 on the linear one. uPlot's log tick loop never ended on an axis
# below 1e-22 (CI saw "Invalid array length" twice); each chart must draw with a finite range.
EXTREME_CHARTS = """async () => {
  const { GradientFlow } = await import('/static/js/gradient-flow.js');
  const { LossChart } = await import('/static/js/loss-chart.js');
  const box = () => { const d = document.createElement('div'); d.style.width = '400px'; document.body.append(d); return d; };
  const grad = new GradientFlow(box());
  [[5e-324, 1e-3], [1e-40, 2e-3], [0, 3e-3], [1e-100, 1e-3]].forEach((norms, e) => grad.add(e + 1, norms));
  const exploding = new GradientFlow(box());
  [[1e-3, 1e3], [1e-2, 1e40], [1e-1, 1e300]].forEach((norms, e) => exploding.add(e + 1, norms));
  exploding.draw();
  grad.draw();
  const log = Object.assign(document.createElement('input'), { type: 'checkbox', checked: true });
  const logChart = new LossChart(box(), log);
  logChart.append([[1, 0.5, 0.6], [2, 1e-320, 5e-324], [3, 1e-12, 0], [4, 1e40, 1e300]]);
  logChart.draw();
  const lin = Object.assign(document.createElement('input'), { type: 'checkbox', checked: false });
  const linChart = new LossChart(box(), lin);
  linChart.append([[1, 0.5, 0.6], [2, 1e308, 1.7e308]]);
  linChart.draw();
  await new Promise((r) => setTimeout(r, 500));  // uPlot lays out its axes after the call
  return [grad, exploding, logChart, linChart].map((c) => [c.plot.scales.y.min, c.plot.scales.y.max]);
}"""


def test_charts_draw_subnormal_and_huge_values(page_at, server):
    page = page_at(1024, 768)
    page.open(server.url + "/?seed=2")
    (grad_lo, grad_hi), (big_lo, big_hi), (log_lo, log_hi), (lin_lo, lin_hi) = page.pw.evaluate(EXTREME_CHARTS)
    assert not page.errors, page.errors
    assert 0.99e-20 <= grad_lo <= 1e-3 < grad_hi < 1  # the tiniest sizes rest on the axis's floor
    assert 0 < big_lo <= 1e-3 and 1e3 < big_hi < float("inf")
    assert 0.99e-20 <= log_lo <= 1e-12 and 0.6 < log_hi < float("inf")
    assert lin_lo == 0 and 1.7e308 <= lin_hi < float("inf")
