"""The page under its own Content-Security-Policy, and compare mode under the per-client limit."""

from __future__ import annotations

from conftest import Page

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
"""
COMPARE_TOGGLE = "Train a second network (B) beside this one (A) on the same data"


def test_the_page_works_under_its_strict_csp(page, server):
    page.pw.add_init_script(RECORD_VIOLATIONS)
    response = page.pw.goto(server.url + "/?dataset=xor")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_live()
    # the socket (connect-src 'self'), compare mode's second socket, training, a PNG export
    page.pw.get_by_role("button", name=COMPARE_TOGGLE).click()
    page.wait("n.compare.open && n.compare.connection === 'live'")
    page.pw.locator("#play").click()
    page.wait("n.epoch > 10 && n.compare.epoch > 10", timeout=20000)
    page.pw.locator("#play").click()
    page.pw.locator("#exports summary").click()
    with page.pw.expect_download() as info:
        page.pw.get_by_role("button", name="Figure (PNG)").click()
    assert open(info.value.path(), "rb").read()[:4] == b"\x89PNG"
    page.pw.wait_for_timeout(300)
    assert page.pw.evaluate("() => window.__cspViolations") == []
    assert page.errors == []


def test_compare_mode_counts_once_against_the_per_client_limit(browser, make_server):
    # Bound to every interface, so this machine's browser is not exempt; one page allowed.
    srv = make_server("--host", "0.0.0.0", "--max-sessions-per-client", "1")
    first_context = browser.new_context(viewport={"width": 1280, "height": 900})
    second_context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        first = Page(first_context.new_page()).open(srv.url)
        first.pw.get_by_role("button", name=COMPARE_TOGGLE).click()
        first.wait("n.compare.open && n.compare.connection === 'live' && n.compare.epoch !== null")
        # a second page from the same address is one page too many, and says so
        second = Page(second_context.new_page())
        second.pw.goto(srv.url)
        second.pw.wait_for_function("() => document.querySelector('#general-error')?.textContent"
                                    ".includes('--max-sessions-per-client')", timeout=15000)
        assert "Too many pages from this computer" in second.pw.locator("#general-error").inner_text()
        assert first.nnp("connection") == "live"
    finally:
        first_context.close()
        second_context.close()
