"""Issue 13: what three lessons need to show on the page. The batch-size lesson turns on the loss
chart's mini-batch curve, on which batch size 1 jitters and the full batch does not; the L1
lesson's exact zeros are drawn as dotted links and counted; the gradient-check panel's
"plant a bug" switch makes the check fail, with the threshold the lesson's text names."""

from __future__ import annotations

# Pixels of the loss chart in the mini-batch colours (purple A, green B), drawn translucent.
BATCH_PIXELS = """() => {
  const c = document.querySelector('#loss-chart canvas');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let purple = 0;
  for (let p = 0; p < d.length; p += 4) {
    const [r, g, b, a] = [d[p], d[p + 1], d[p + 2], d[p + 3]];
    if (a > 0 && b > g + 40 && r > g + 15 && b > r) purple += 1;
  }
  return purple;
}"""


def ups(losses: list[float]) -> int:
    return sum(1 for a, b in zip(losses, losses[1:]) if b > a)


def test_batch_size_lesson_shows_mini_batch_jitter(page_at, server, tmp_path):
    page = page_at(1440, 900)
    page.open(server.url + "/?lesson=batch_size")
    page.wait("n.lesson.shown === 'batch_size' && n.compare.open")
    toggle = page.pw.locator("#batch-loss")
    page.wait("document.querySelector('#batch-loss').checked")
    page.wait("location.search.includes('batch_loss=1')")
    assert page.nnp("chartSeries") == 6  # train, test, mini-batch for A and for B
    page.wait("n.batchLosses.a.length > 300 && n.batchLosses.b && n.batchLosses.b.length > 30", timeout=60000)
    losses = page.nnp("batchLosses")
    a = [v for v in losses["a"] if v is not None]
    b = [v for v in losses["b"] if v is not None]
    # batch size 1: each step follows one point, so the loss goes up on a good share of steps;
    # the full batch: one smooth step per epoch, never up
    assert ups(a) >= 0.2 * len(a), (ups(a), len(a))
    assert ups(b) == 0, b[:20]
    page.pw.wait_for_timeout(300)
    drawn = page.pw.evaluate(BATCH_PIXELS)
    page.pw.locator("#loss-chart").screenshot(path=str(tmp_path / "batch-loss-chart.png"))
    toggle.uncheck()
    page.wait("!location.search.includes('batch_loss=1')")
    assert page.nnp("chartSeries") == 4
    page.pw.wait_for_timeout(300)
    assert drawn > 2 * page.pw.evaluate(BATCH_PIXELS) + 20, "the mini-batch curve is drawn when on"
    assert not page.errors, page.errors


def test_l1_lesson_draws_and_counts_exact_zeros(page_at, server, tmp_path):
    page = page_at(1440, 900)
    page.open(server.url + "/?lesson=l1_vs_l2")
    page.wait("n.compare.open && n.zeroWeights && n.zeroWeights.zero >= 3", timeout=60000)
    if page.nnp("state") == "playing":
        page.pw.locator("#play").click()
    page.wait("n.state !== 'playing'")
    page.pw.wait_for_timeout(300)
    zero = page.nnp("zeroWeights")
    dotted = page.pw.locator("#network path.link.zero")
    assert dotted.count() == zero["zero"], (dotted.count(), zero)
    assert dotted.first.evaluate("(el) => getComputedStyle(el).strokeDasharray") not in ("", "none")
    solid = page.pw.locator("#network path.link:not(.zero)").first
    assert solid.evaluate("(el) => getComputedStyle(el).strokeDasharray") == "none"
    count = page.pw.locator("[data-zero-count=a]")
    assert count.is_visible() and f"{zero['zero']} of {zero['total']}" in count.inner_text(), count.inner_text()
    # B (L2) keeps every weight: no dotted link, no count
    assert page.nnp("compare.zeroWeights")["zero"] == 0
    assert page.pw.locator("#b-network path.link.zero").count() == 0
    assert page.pw.locator("[data-zero-count=b]").is_hidden()
    page.pw.screenshot(path=str(tmp_path / "l1-zeros.png"))
    assert not page.errors, page.errors


def test_plant_a_bug_makes_the_gradient_check_fail(page_at, server, tmp_path):
    page = page_at(1024, 768)
    page.open(server.url + "/?lesson=gradient_check")
    page.wait("n.lesson.shown === 'gradient_check'")
    text = page.pw.locator("#lesson-text").inner_text()
    panel = page.pw.locator("#gradient-check-panel")
    run = panel.get_by_role("button", name="Check the gradients")
    run.click()
    page.wait("n.insight.gradientCheck && n.insight.gradientCheck.passed === true", timeout=30000)
    threshold = page.nnp("insight.gradientCheck.threshold")
    assert threshold == 1e-4 and "below 1e-4" in text, "the lesson names the panel's threshold"
    assert "passed" in panel.locator(".gc-result").inner_text()
    panel.get_by_label("Plant a bug (σ′ taken as σ)").check()
    run.click()
    page.wait("n.insight.gradientCheck && n.insight.gradientCheck.passed === false", timeout=30000)
    assert page.nnp("insight.gradientCheck.max_relative_error") > 1e-2
    result = panel.locator(".gc-result")
    assert "failed" in result.inner_text() and "bug was planted" in result.inner_text()
    result.scroll_into_view_if_needed()
    page.pw.screenshot(path=str(tmp_path / "plant-a-bug.png"))
    # training never uses the bug: a step after the check trains as before, no divergence
    assert page.nnp("state") != "diverged"
    assert not page.errors, page.errors
