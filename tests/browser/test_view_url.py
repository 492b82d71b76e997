"""Issue 14: a shared link reproduces the whole view, not just the config: "Show test data",
"Discretize output", the loss chart's log scale and presentation mode ride in the URL."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse


def query(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def test_view_switches_travel_in_the_link(page_at, server, tmp_path):
    page = page_at(1024, 768)
    page.open(server.url + "/?seed=2&hidden=3")
    pw = page.pw
    for label in ("Show test data", "Discretize output", "Log scale"):
        pw.get_by_label(label, exact=True).click()  # the mouse, as a user does
    page.wait("location.search.includes('log_scale=1')")
    q = query(pw.url)
    assert q["show_test"] == q["discretize"] == q["log_scale"] == "1" and q["hidden"] == "3", q
    shared = pw.url

    other = page_at(1440, 900)
    other.open(shared)
    checked = other.pw.evaluate("() => ['show-test', 'discretize', 'log-scale'].map((id) => document.getElementById(id).checked)")
    assert checked == [True, True, True]
    # the link's setup reaches the new session after its hello (restore.js): wait for its config reply
    other.wait("n.config && JSON.stringify(n.config.hidden) === '[3]'")
    assert other.nnp("config.hidden") == [3]
    other.pw.screenshot(path=str(tmp_path / "shared-view-1440.png"))
    # Switching one off takes it out of the link (without a new history entry per click).
    length = other.pw.evaluate("history.length")
    other.pw.get_by_label("Discretize output", exact=True).click()
    other.wait("!location.search.includes('discretize')")
    assert other.pw.evaluate("history.length") == length
    assert "show_test=1" in other.pw.url
    assert not page.errors and not other.errors, page.errors + other.errors
