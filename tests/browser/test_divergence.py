"""The divergence banner (issue 4, item 9): a network pushed to NaN says so in words, in both
languages, instead of showing a frozen or blank picture, and reset brings it back."""

from __future__ import annotations

import re

# A linear regression network at the largest learning rate overshoots to infinity in an epoch.
DIVERGING = "/?problem=regression&dataset=plane&loss=squared&activation=linear&learning_rate=10&epochs_per_second=30"


def test_divergence_shows_a_banner_in_both_languages_and_reset_clears_it(page, server):
    page.open(server.url + DIVERGING)
    banner = page.pw.locator("#banner")
    assert banner.is_hidden()
    page.pw.locator("#play").click()
    page.wait("n.state === 'diverged'", timeout=15000)
    banner.wait_for(state="visible")
    text = banner.inner_text()
    epoch = re.search(r"epoch (\d+)", text)
    assert epoch and int(epoch.group(1)) >= 1, text
    assert "learning rate" in text
    assert page.pw.locator("#play").get_attribute("aria-label") == "Run training (space)", "training stopped"

    page.pw.select_option("#language", "zh")
    page.wait("n.language === 'zh'")
    assert f"第 {epoch.group(1)} 轮发散" in banner.inner_text()

    page.pw.select_option("#language", "en")
    page.pw.locator("#reset").click()
    page.wait("n.state === 'paused' && n.epoch === 0")
    banner.wait_for(state="hidden")
    assert not page.errors, page.errors
