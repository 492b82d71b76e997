"""A server restarted while a page trains loses nothing: the page hands its kept run to the new
process, which goes on from the same epoch with the same loss, and the loss chart keeps its
history (issue 12's restart row). In compare mode, side B's run is kept the same way."""

from __future__ import annotations

import re


def _losses(page) -> tuple[int, float, float]:
    header = page.nnp("lastHeader")
    return header["epoch"], header["metrics"]["train_loss"], header["metrics"]["test_loss"]


def _errors(page) -> list[str]:
    """The page's errors besides the browser's own reports of refused connections while the server was down."""
    return [e for e in page.errors if "ERR_CONNECTION_REFUSED" not in e]


def test_a_restarted_server_resumes_the_page_run(page, make_server):
    srv = make_server()
    page.open(srv.url + "/?optimizer=adam&dropout=0.1&epochs_per_second=250")
    page.pw.locator("#play").click()
    page.wait("n.state === 'playing' && n.epoch >= 300", timeout=30000)
    page.pw.locator("#play").click()  # pause: the page keeps the run as it stands
    page.wait("n.state === 'paused'")
    page.wait("document.documentElement.dataset.savedEpoch === String(n.lastHeader.epoch)")
    epoch, train, test = _losses(page)
    assert epoch >= 300
    points = page.nnp("chartPoints")
    assert points == epoch  # one point per epoch so far

    srv.stop()
    page.wait("n.connection === 'reconnecting'")
    srv.start(timeout=60)  # a busy machine can take a while to start a server
    page.wait(f"n.connection === 'live' && n.lastHeader.epoch === {epoch} && n.config.optimizer === 'adam'",
              timeout=20000)
    resumed_epoch, resumed_train, resumed_test = _losses(page)
    assert resumed_epoch == epoch
    assert abs(resumed_train - train) <= 1e-6 and abs(resumed_test - test) <= 1e-6
    assert page.nnp("config.epochs_per_second") == 250 and page.nnp("config.dropout") == 0.1
    assert page.nnp("chartPoints") == points  # the chart kept its history
    # and training goes on from there, the chart growing from the same history
    page.pw.locator("#play").click()
    page.wait(f"n.state === 'playing' && n.epoch > {epoch + 20}", timeout=20000)
    assert page.nnp("chartPoints") > points
    assert _errors(page) == []


def test_a_page_training_through_a_restart_goes_on_training(page, make_server):
    srv = make_server()
    page.open(srv.url + "/?epochs_per_second=120")
    page.pw.locator("#play").click()
    page.wait("n.state === 'playing' && Number(document.documentElement.dataset.savedEpoch) >= 300", timeout=30000)
    srv.stop()
    saved = int(page.pw.evaluate("() => document.documentElement.dataset.savedEpoch"))
    page.wait("n.connection === 'reconnecting'")
    srv.start(timeout=60)  # a busy machine can take a while to start a server
    # it resumes at the kept epoch (not 0) and plays on
    # (the chart grows with the frames' history: wait for it too, not only for the epoch counter)
    page.wait(f"n.connection === 'live' && n.state === 'playing' && n.epoch > {saved} && n.chartPoints > {saved}",
              timeout=20000)
    assert page.nnp("chartPoints") > saved
    assert _errors(page) == []


def _train_a_and_b(page, srv, epochs: int) -> None:
    """A (xor, tanh) and B (relu) train to `epochs` and pause; both runs are kept by the page."""
    page.open(srv.url + "/?dataset=xor&activation=tanh&epochs_per_second=200")
    page.pw.get_by_role("button", name="Train a second network (B) beside this one (A) on the same data").click()
    page.wait("n.compare.open && n.compare.connection === 'live' && n.compare.config")
    page.pw.get_by_label("Activation (B)", exact=True).select_option("relu")
    page.wait("n.compare.config.activation === 'relu'")
    page.pw.locator("#play").click()
    page.wait(f"n.epoch >= {epochs} && n.compare.epoch >= {epochs}", timeout=30000)
    page.pw.locator("#play").click()
    page.wait("n.state === 'paused' && n.compare.state === 'paused'")
    page.wait("document.documentElement.dataset.savedEpoch === String(n.lastHeader.epoch) && "
              "document.documentElement.dataset.savedEpochB === String(n.compare.lastHeader.epoch)")


def test_compare_mode_keeps_both_runs_through_a_restart(page, make_server):
    srv = make_server()
    _train_a_and_b(page, srv, 150)
    b = page.nnp("compare.lastHeader")
    b_epoch, b_train, b_test = b["epoch"], b["metrics"]["train_loss"], b["metrics"]["test_loss"]

    srv.stop()
    page.wait("n.connection === 'reconnecting'")
    srv.start(timeout=60)
    page.wait(f"n.compare.connection === 'live' && n.compare.lastHeader && n.compare.lastHeader.epoch === {b_epoch} "
              "&& n.compare.config.activation === 'relu'", timeout=20000)
    b = page.nnp("compare.lastHeader")
    assert abs(b["metrics"]["train_loss"] - b_train) <= 1e-6 and abs(b["metrics"]["test_loss"] - b_test) <= 1e-6
    assert page.nnp("config.activation") == "tanh"  # A kept its own run too
    page.pw.locator("#play").click()
    page.wait(f"n.compare.state === 'playing' && n.compare.epoch > {b_epoch + 20}", timeout=20000)
    assert _errors(page) == []


class _Sockets:
    """Every page socket through Playwright's WebSocket routing, with what the page sent on it,
    so that a test can cut one (as a network blip would) and leave the others."""

    def __init__(self, page):
        self.routes: list[tuple] = []
        page.pw.route_web_socket(re.compile(r"/ws\b"), self._route)

    def _route(self, ws) -> None:
        server = ws.connect_to_server()
        sent: list[str] = []
        self.routes.append((ws, server, sent))

        def forward(message) -> None:
            sent.append(message if isinstance(message, str) else "")
            server.send(message)
        ws.on_message(forward)  # the server's side goes to the page as it comes

    def cut(self, first_sent: str) -> None:
        """Close, at both ends, the socket whose first message held `first_sent`: its session
        ends, and the page reconnects to a new one."""
        ws, server, _ = next(r for r in self.routes if r[2] and first_sent in r[2][0])
        ws.close()
        server.close()


def test_b_keeps_its_run_when_a_comes_back_to_a_new_session(page, make_server):
    # A's socket drops (a blip, or after a restart A's timer fires after B's): A's new session
    # says hello with the server's defaults until A's kept run is resumed. B is live all along and
    # must not take those interim data keys (it did, and its data and run were reset).
    sockets = _Sockets(page)
    srv = make_server()
    _train_a_and_b(page, srv, 60)
    a_epoch, b = page.nnp("lastHeader.epoch"), page.nnp("compare.lastHeader")
    b_config, b_data = page.nnp("compare.config"), page.nnp("compare.dataMessages")

    sockets.cut('"activation":"tanh"')  # A's socket: it carried the URL's config
    page.wait("n.connection === 'reconnecting'")
    page.wait(f"n.connection === 'live' && n.lastHeader.epoch === {a_epoch}", timeout=20000)
    page.pw.wait_for_timeout(500)  # a patch B was sent would have been answered by now
    assert page.nnp("config.dataset") == "xor" and page.nnp("config.seed") == b_config["seed"]
    assert page.nnp("compare.config") == b_config
    assert page.nnp("compare.dataMessages") == b_data  # no new data
    after = page.nnp("compare.lastHeader")
    assert after["epoch"] == b["epoch"] and after["metrics"]["train_loss"] == b["metrics"]["train_loss"]
    assert _errors(page) == []


def test_a_run_larger_than_the_message_limit_is_resumed_too(page, make_server):
    # four layers of 64 with adam: a checkpoint over the 100 kB message limit set here (the
    # largest network's is megabytes over the default's; tests/test_server_resume_large.py)
    srv = make_server("--max-message-bytes", "100000")
    page.open(srv.url + "/?hidden=64,64,64,64&optimizer=adam&epochs_per_second=50")
    page.pw.locator("#play").click()
    page.wait("n.state === 'playing' && n.epoch >= 20", timeout=30000)
    page.pw.locator("#play").click()
    page.wait("n.state === 'paused'")
    page.wait("document.documentElement.dataset.savedEpoch === String(n.lastHeader.epoch)")
    epoch, train, test = _losses(page)
    srv.stop()
    page.wait("n.connection === 'reconnecting'")
    srv.start(timeout=60)
    page.wait(f"n.connection === 'live' && n.lastHeader.epoch === {epoch} && n.config.hidden.length === 4",
              timeout=20000)
    resumed_epoch, resumed_train, resumed_test = _losses(page)
    assert abs(resumed_train - train) <= 1e-6 and abs(resumed_test - test) <= 1e-6
    assert _errors(page) == []


def test_a_run_too_large_to_take_back_says_so_and_starts_over_from_its_settings(page, make_server):
    # four layers of 64 with adam: its checkpoint is over the 100 kB this server takes back
    srv = make_server("--max-message-bytes", "100000", "--max-resume-bytes", "100000")
    page.open(srv.url + "/?hidden=64,64,64,64&optimizer=adam&epochs_per_second=50")
    page.pw.locator("#play").click()
    page.wait("n.state === 'playing' && n.epoch >= 5", timeout=30000)
    page.pw.locator("#play").click()
    page.wait("n.state === 'paused'")
    page.wait("document.documentElement.dataset.savedEpoch === ''")  # a checkpoint came: too large to keep
    srv.stop()
    page.wait("n.connection === 'reconnecting'")
    srv.start(timeout=60)
    page.wait("n.connection === 'live' && n.config.hidden.length === 4 && n.config.optimizer === 'adam'"
              " && n.lastHeader.epoch === 0", timeout=20000)
    note = page.pw.locator("#reset-note")
    assert note.is_visible() and "too large" in note.inner_text() and "epoch 0" in note.inner_text()
    page.pw.locator("#language").select_option("zh")
    page.wait("n.language === 'zh'")
    assert "太大" in note.inner_text()
    assert _errors(page) == []
