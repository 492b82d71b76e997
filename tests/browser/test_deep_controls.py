"""The deeper-network keys on the page (issue 18): their controls in both languages, the URL,
skip connections drawn as arcs around their layer, and the scheduled rate beside the epoch."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

KEYS = ("residual", "normalization", "lr_schedule", "lr_decay", "lr_step", "lr_period", "clip_norm")


def test_skip_arcs_follow_the_layers_that_skip_and_the_rate_follows_the_schedule(page, server):
    # two features: layer 0 (2 -> 2) and layer 2 (4 -> 4) skip, layer 1 (2 -> 4) cannot
    page.open(server.url + "/?residual=true&hidden=2,4,4&lr_schedule=step&lr_step=2&lr_decay=0.5&seed=3")
    page.wait("n.config.residual === true && n.config.lr_schedule === 'step'")
    arcs = page.pw.locator("#network svg g.skip-arcs path.skip-arc")
    page.pw.wait_for_function("() => document.querySelectorAll('#network path.skip-arc').length === 2")
    assert sorted(arcs.nth(i).get_attribute("data-layer") for i in range(2)) == ["0", "2"]
    assert arcs.first.get_attribute("d").startswith("M")
    q = {k: v[0] for k, v in parse_qs(urlparse(page.pw.url).query).items()}
    assert q["residual"] == "true" and q["lr_schedule"] == "step" and q["lr_step"] == "2"
    rate = page.pw.locator("#current-rate")
    page.pw.wait_for_function("() => !document.getElementById('current-rate').hidden")
    assert rate.inner_text().endswith("0.03")
    for _ in range(2):  # two epochs: the step schedule halves the rate
        page.pw.locator("#step").click()
    page.wait("n.epoch >= 2")
    page.pw.wait_for_function("() => document.getElementById('current-rate').textContent.endsWith('0.015')")
    # switching residual off removes the arcs without rebuilding the view
    page.pw.locator("details.more summary").click()
    page.pw.locator(".control[data-key=residual] input").uncheck()
    page.wait("n.config.residual === false")
    page.pw.wait_for_function("() => document.querySelectorAll('#network path.skip-arc').length === 0")
    assert page.errors == []


def test_the_controls_exist_in_both_languages(page, server):
    page.open(server.url + "/?lr_schedule=cosine")
    page.pw.locator("details.more summary").click()
    labels = {key: page.pw.locator(f".control[data-key={key}] label").first.inner_text() for key in
              ("residual", "normalization", "lr_schedule", "clip_norm")}
    assert labels["residual"] == "Residual connections" and labels["clip_norm"].startswith("Gradient clipping")
    page.pw.locator("#language").select_option("zh")
    page.wait("n.language === 'zh'")
    assert page.pw.locator(".control[data-key=normalization] label").first.inner_text() == "归一化"
    assert page.pw.locator(".control[data-key=residual] label").first.inner_text() == "残差连接"
    page.pw.locator(".control[data-key=normalization] select").select_option("batch")
    page.wait("n.config.normalization === 'batch'")
    assert "normalization=batch" in page.pw.url
    page.pw.locator("#step").click()  # a step: the scale and shift gradients reach the gradient-flow panel
    page.pw.wait_for_function("() => { const el = document.querySelector('#gradient-flow-panel .norm-gradients');"
                              " return el && !el.hidden && el.textContent.includes('γ'); }")
    assert "归一化" in page.pw.locator("#gradient-flow-panel .norm-gradients").text_content()
    assert page.errors == []
