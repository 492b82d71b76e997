"""The lesson picker: every lesson opens (compare mode with it when it has a right side), the
page applies the config the server sends for it (watched on a few), its explanation shows in
both languages, ?lesson=id opens it, an unknown id is reported, and
the vanishing-gradient lesson really shows the first layer's gradient far below the last's."""

from __future__ import annotations

import json
import urllib.request


def lessons_of(server) -> list[dict]:
    with urllib.request.urlopen(server.url + "/api/lessons", timeout=5) as r:
        return json.loads(r.read())["lessons"]


def config_matches(page, path: str, wanted: dict) -> bool:
    """True when the page's config at `path` (e.g. "config") holds every key of `wanted`."""
    got = page.nnp(path) or {}
    return all(got.get(k) == v for k, v in wanted.items())


def wait_config(page, path: str, wanted: dict, lesson_id: str) -> None:
    """Wait until the page's config at `path` holds every key of `wanted`; on a timeout, fail
    naming the lesson and the keys that differ. 20 s: a loaded machine renders two large
    networks slowly, and every call into the page waits for its busy main thread."""
    try:
        page.wait(f"n.{path.split('.')[0]} && (() => {{ const c = n.{path} || {{}}, w = {json.dumps(wanted)};"
                  " return Object.keys(w).every(k => JSON.stringify(c[k]) === JSON.stringify(w[k])); })()",
                  timeout=20000)
    except Exception:
        got = page.nnp(path) or {}
        differ = {k: (got.get(k), v) for k, v in wanted.items() if got.get(k) != v}
        raise AssertionError(f"{lesson_id}: {path} differs from the lesson's as (page, lesson): {differ}") from None


def shown_text(page) -> tuple[str, str]:
    """The lesson panel's (title, explanation) as shown, read in one call into the page."""
    return tuple(page.pw.evaluate("() => ['lesson-title', 'lesson-text'].map(id => document.getElementById(id)"
                                  ".innerText.trim())"))


# The lessons whose config the page is watched applying (both sides): the first (a compare
# lesson with points of its own, paused), a plain one after a compare one (compare mode
# closes), the largest networks (CI once needed more than 10 s there) and the last, a
# regression. The server applies every lesson's config (test_server_lessons checks all of
# them); the page only shows whatever config the server sends, which these cover.
WATCHED_APPLYING = ("single_neuron_and_or", "backprop_by_hand", "overfitting_regularization", "regression")


def test_every_lesson_applies_its_config_and_explains_itself_in_both_languages(page, server):
    lessons = lessons_of(server)
    assert len(lessons) >= 11
    assert set(WATCHED_APPLYING) <= {lesson["id"] for lesson in lessons}
    # few frames: each check waits for the page's main thread, which drawing 30 a second keeps busy
    page.open(server.url + "/?epochs_per_second=30&fps=5")
    page.wait("n.lesson.loaded")
    select = page.pw.get_by_label("Lesson", exact=True)
    assert select.get_attribute("id") == "lesson-select", "the picker is labelled"
    titles = select.evaluate("s => [...s.options].slice(1).map(o => o.textContent)")
    assert titles == [lesson["title"]["en"] for lesson in lessons], "listed by order, titled in English"
    lang = page.nnp("language")
    for lesson in lessons:
        # The picker is labelled in the language shown; choose by id whatever the language.
        page.pw.locator("#lesson-select").select_option(lesson["id"])
        lesson_id, compare = json.dumps(lesson["id"]), json.dumps(bool(lesson["compare"]))
        # One wait for all that shows at once (each call waits for the page's busy main thread).
        page.wait(f"n.lesson.shown === {lesson_id} && n.lesson.active === {lesson_id} && n.compare.open === {compare}"
                  f" && !document.getElementById('compare-column').hidden === {compare}"
                  f" && location.search.includes('lesson=' + {lesson_id})", timeout=20000)
        assert page.pw.locator("#compare-column").is_visible() == bool(lesson["compare"]), lesson["id"]
        if lesson["id"] in WATCHED_APPLYING:
            wait_config(page, "config", lesson["config"], lesson["id"])
            assert config_matches(page, "config", lesson["config"])
            if lesson["compare"]:
                wait_config(page, "compare.config", lesson["compare"], lesson["id"])
        assert shown_text(page) == (lesson["title"][lang], lesson["explanation"][lang]), (lesson["id"], lang)
        # The explanation follows a language switch at once.
        lang = "zh" if lang == "en" else "en"
        page.pw.locator("#language").select_option(lang)
        assert shown_text(page) == (lesson["title"][lang], lesson["explanation"][lang]), (lesson["id"], lang)
    assert page.errors == []


def test_lesson_url_opens_it_and_leaves_when_the_config_changes(page, server):
    page.open(server.url + "/?lesson=xor_needs_hidden_layer")
    page.wait("n.lesson.active === 'xor_needs_hidden_layer' && n.config.dataset === 'xor'")
    lesson = next(l for l in lessons_of(server) if l["id"] == "xor_needs_hidden_layer")
    page.wait(f"n.config.hidden.join() === {json.dumps(','.join(map(str, lesson['config']['hidden'])))}")
    assert config_matches(page, "config", lesson["config"])
    assert page.pw.url.endswith("?lesson=xor_needs_hidden_layer")
    assert page.pw.locator("#lesson-panel").is_visible()
    # the watched panels are highlighted, the others not
    assert "watched" in page.pw.locator(".output-column .plot").get_attribute("class")
    assert "watched" not in (page.pw.locator("#loss-chart").get_attribute("class") or "")
    # a change of the config: the address bar shows the whole config again
    page.pw.get_by_label("Learning rate", exact=True).select_option("0.3")
    page.wait("n.config.learning_rate === 0.3 && n.lesson.active === null")
    page.pw.wait_for_function("() => location.search.includes('learning_rate=0.3') && !location.search.includes('lesson=')")
    # the explanation stays until dismissed
    page.pw.get_by_role("button", name="Close the lesson's explanation").click()
    assert not page.pw.locator("#lesson-panel").is_visible()
    page.wait("n.lesson.shown === null")
    assert page.pw.locator(".watched").count() == 0
    # dismissed, the lesson can be picked again from the list
    assert page.pw.locator("#lesson-select").input_value() == ""
    page.pw.locator("#lesson-select").select_option("xor_needs_hidden_layer")
    page.wait("n.lesson.active === 'xor_needs_hidden_layer' && n.config.learning_rate !== 0.3")
    page.pw.wait_for_function("() => location.search === '?lesson=xor_needs_hidden_layer'")
    # pausing by hand before the lesson's epochs drops its pause target, and the note says no more
    page.wait("n.state === 'playing'")
    page.pw.locator("#play").click()
    page.wait("n.state === 'paused'")
    page.pw.wait_for_function("() => document.getElementById('lesson-note').hidden")


def test_unknown_lesson_in_the_url_is_reported_in_both_languages(page, server):
    page.open(server.url + "/?lesson=no_such_lesson&seed=3")
    page.wait("n.lesson.unknown === 'no_such_lesson'")
    error = page.pw.locator("#lesson-error")
    assert error.is_visible()
    assert "no_such_lesson" in error.inner_text() and "vanishing_gradient" in error.inner_text()
    assert "There is no lesson" in error.inner_text()
    page.pw.locator("#language").select_option("zh")
    assert "没有名为" in error.inner_text() and "no_such_lesson" in error.inner_text()
    # nothing else was ignored, and the address bar went back to the config
    assert page.nnp("urlErrors") == []
    page.pw.wait_for_function("() => !location.search.includes('lesson=')")
    assert page.nnp("config.seed") == 3


def test_vanishing_gradient_first_layer_ten_times_below_the_last(page, server):
    page.open(server.url + "/?lesson=vanishing_gradient")
    page.wait("n.lesson.active === 'vanishing_gradient' && n.config.activation === 'sigmoid'")
    # The lesson plays and pauses itself at its 100 epochs (reason "epochs").
    page.wait("n.state === 'paused' && n.epoch >= 100 && n.lastHeader.epoch >= 100", timeout=120000)  # bounds a hang only
    assert page.pw.locator("#lesson-note").inner_text().strip() == "The lesson's 100 epochs are done; press play to go on."
    norms = page.nnp("lastHeader.metrics.grad_norms")
    assert len(norms) == 7
    print(f"\nsigmoid grad norms after 100 epochs: first {norms[0]:.2e}, last {norms[-1]:.2e}")
    assert norms[0] * 10 <= norms[-1], norms
    # The ReLU side of the comparison trains too and its gradient reaches the first layer.
    page.wait("n.compare.config && n.compare.config.activation === 'relu' && n.compare.epoch >= 100", timeout=120000)
    relu = page.nnp("compare.lastHeader.metrics.grad_norms")
    print("relu grad norms:", relu, "sigmoid:", norms)
    assert relu[-1] / relu[0] < norms[-1] / norms[0]
    # ...and the page shows B's gradient flow beside A's, so the class sees both fans of lines
    assert page.pw.locator("#gradient-flow-panel-b").is_visible()
    assert "B" in page.pw.locator("#gradient-flow-panel-b h3").inner_text()
    assert len(page.nnp("insight.gradientLatestB")) == 7
    # all eight columns of A's network fit beside both outputs on a 1280-pixel screen (narrower
    # ones scroll the network column rather than hide its last layers)
    page.pw.wait_for_function("() => { const n = document.getElementById('network'); return n.scrollWidth <= n.clientWidth + 1; }")
