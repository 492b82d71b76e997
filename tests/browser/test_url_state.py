"""The whole config lives in the URL: links restore it, bad parameters are reported and
ignored, and back/forward move between configs."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def test_a_link_restores_the_config_and_the_data(page, server, browser):
    page.open(server.url + "/?dataset=xor&activation=relu&learning_rate=0.1&hidden=3,3&seed=42&noise=10")
    page.wait("n.config.dataset === 'xor' && n.config.seed === 42")
    config = page.nnp("config")
    assert config["activation"] == "relu" and config["learning_rate"] == 0.1 and config["hidden"] == [3, 3]
    q = query(page.pw.url)
    assert q["hidden"] == "3,3" and q["seed"] == "42" and q["dataset"] == "xor"
    assert set(q) >= {"problem", "batch_size", "optimizer", "features"}, "the whole config is in the URL"
    shared = page.pw.url

    other = browser.new_context().new_page()
    try:
        other.goto(shared)
        other.wait_for_function("() => window.__nnp && __nnp.connection === 'live' && __nnp.config.seed === 42 "
                                "&& __nnp.config.dataset === 'xor'")
        assert other.evaluate("() => __nnp.config") == config
        assert other.evaluate("() => __nnp.urlErrors") == []
    finally:
        other.context.close()


def test_bad_url_parameters_are_reported_and_ignored(page, server):
    page.open(server.url + "/?learning_rate=banana&bogus=1&hidden=3&batch_size=0&activation=relu")
    page.wait("n.config.hidden.length === 1 && n.config.activation === 'relu'")
    bad = {e["key"] for e in page.nnp("urlErrors")}
    assert bad == {"learning_rate", "bogus", "batch_size"}
    report = page.pw.locator("#url-report")
    assert report.is_visible()
    assert "learning_rate" in report.inner_text() and "bogus" in report.inner_text()
    assert page.nnp("config.learning_rate") == 0.03
    assert page.errors == []


def test_a_value_only_the_server_can_refuse_is_reported_and_the_rest_applied(page, server):
    # Each value is valid alone, but regression has no circle data set: the server refuses
    # the dataset, the page reports it and applies the rest.
    page.open(server.url + "/?problem=regression&dataset=circle&hidden=2")
    page.wait("n.config.hidden.length === 1 && n.urlErrors.length > 0")
    assert page.nnp("urlErrors")[0]["key"] in {"dataset", "problem"}


def test_back_and_forward_restore_earlier_configs(page, server):
    page.open(server.url + "/?seed=8&learning_rate=0.03")
    page.pw.wait_for_timeout(1100)  # changes within a second of the last one share a history entry
    page.pw.get_by_label("Learning rate", exact=True).select_option("0.3")
    page.wait("n.config.learning_rate === 0.3")
    page.wait("location.search.includes('learning_rate=0.3')")
    page.pw.go_back()
    page.wait("n.config.learning_rate === 0.03")
    assert page.pw.get_by_label("Learning rate", exact=True).input_value() == "0.03"
    page.pw.go_forward()
    page.wait("n.config.learning_rate === 0.3")
