"""Two languages, remembered; the connection state, and reconnecting after a restart."""

from __future__ import annotations


def test_language_switch_changes_labels_and_is_remembered(page, server):
    page.open(server.url)
    assert page.pw.get_by_label("Learning rate", exact=True).is_visible()
    page.pw.get_by_label("Language").select_option("zh")
    assert page.pw.get_by_label("学习率", exact=True).is_visible()
    assert page.pw.locator("#data-heading").inner_text() == "数据"
    assert page.pw.locator(".layer-count").inner_text() == "2 个隐藏层"
    assert page.pw.locator("#connection").inner_text() == "已连接"
    assert page.pw.evaluate("document.documentElement.lang") == "zh-CN"
    page.pw.reload()
    page.wait_live()
    assert page.nnp("language") == "zh"
    assert page.pw.locator("#output-heading").inner_text() == "输出"
    page.pw.get_by_label("语言").select_option("en")
    assert page.pw.locator("#output-heading").inner_text().lower() == "output"
    assert page.errors == []


def test_reconnects_after_a_server_restart_and_restores_the_config(page, make_server):
    srv = make_server()
    page.open(srv.url + "/?seed=77&hidden=3&learning_rate=0.3")
    page.wait("n.config.seed === 77")
    page.pw.get_by_label("Activation", exact=True).select_option("sigmoid")
    page.wait("n.config.activation === 'sigmoid'")
    srv.stop()
    page.wait("n.connection === 'reconnecting'")
    assert "reconnecting" in page.pw.locator("#connection").inner_text().lower()
    srv.start()
    page.wait("n.connection === 'live' && n.config.activation === 'sigmoid'", timeout=20000)
    config = page.nnp("config")
    assert config["seed"] == 77 and config["hidden"] == [3] and config["learning_rate"] == 0.3
    page.wait("n.renderSamples > 0")
    # own points come back too, with their train/test split
    page.pw.evaluate("""() => __nnp.send({type: "points", clear: true, train: [true, true, false],
                                          add: [[1, 1, 0], [-1, -1, 1], [2, -2, 1]]})""")
    page.wait("n.config.dataset === 'custom' && n.data.train.length === 2 && n.data.test.length === 1")
    srv.stop()
    page.wait("n.connection === 'reconnecting'")
    srv.start()
    page.wait("n.connection === 'live' && n.config.dataset === 'custom' && n.data && "
              "n.data.train.length === 2 && n.data.test.length === 1", timeout=20000)
    assert page.nnp("data.test") == [[2, -2, 1]] and page.nnp("config.activation") == "sigmoid"
    # the restored session trains
    page.pw.locator("#play").click()
    page.wait("n.state === 'playing' && n.epoch > 0")
