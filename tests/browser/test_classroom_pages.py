"""Classroom mode in real pages: one teacher dashboard and three student pages. Students
appear with thumbnails; a student who reloads comes back as the same one; a pushed lesson changes their pages (with a notice); a locked
setting is disabled on theirs; spotlight shows a student's network on the teacher's page;
anonymize hides the names. No page logs an error (the CSP forbids inline script and style)."""

from __future__ import annotations

import pytest
from conftest import Page

KEY = "browser-teacher-key"
NAMES = ["Ada <b>", "Ben", "Chen 陈"]

pytestmark = pytest.mark.slow


def test_teacher_and_three_students(browser, make_server):
    server = make_server("--teacher-key", KEY)
    contexts = []

    def new_page(width: int = 1280, height: int = 720) -> Page:
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        return Page(context.new_page())

    try:
        teacher = new_page()
        teacher.pw.goto(f"{server.url}/teach#key={KEY}")
        teacher.pw.click("#start-class")
        teacher.pw.wait_for_function("() => document.querySelector('#class-code').textContent.length === 6")
        code = teacher.pw.text_content("#class-code")
        assert teacher.pw.locator("#qr svg path").count() == 1

        students = []
        for name in NAMES:
            student = new_page()
            student.open(f"{server.url}/?class={code}")
            student.pw.fill("#class-name", name)
            student.pw.click(".classroom-form button[type=submit]")
            student.pw.wait_for_function("() => document.querySelector('.classroom-status').textContent.includes('"
                                         + code + "')")
            students.append(student)

        # every student appears, with a drawn thumbnail; names are text, not markup
        teacher.pw.wait_for_function("() => document.querySelectorAll('.card').length === 3 && "
                                     "[...document.querySelectorAll('.card canvas')].every(c => c.width === 100)",
                                     timeout=15000)
        shown = sorted(teacher.pw.locator(".card .name").all_text_contents())
        assert shown == sorted(NAMES)
        assert teacher.pw.locator(".card .name b").count() == 0

        # a student who reloads the page comes back as the same student, without typing again
        students[1].pw.reload()
        students[1].pw.wait_for_function("() => document.querySelector('.classroom-status').textContent"
                                         ".includes('" + code + "')", timeout=30000)
        teacher.pw.wait_for_timeout(1500)  # three rosters at most twice a second
        assert sorted(teacher.pw.locator(".card .name").all_text_contents()) == sorted(NAMES)

        # a pushed lesson changes every student's page and tells them
        teacher.pw.select_option("#push-lesson", "xor_needs_hidden_layer")
        teacher.pw.click("#push-lesson-go")
        for student in students:
            student.wait("n.config.dataset === 'xor'", timeout=30000)
            # the notice (shown for 8 s: on a loaded machine it may be gone again, its text is not)
            assert "xor_needs_hidden_layer" in student.pw.text_content(".classroom-notice")

        # a locked setting is disabled on every student's page
        teacher.pw.check("#lock-keys input[value=learning_rate]")
        for student in students:
            student.pw.wait_for_function(
                "() => [...document.querySelectorAll('[id^=\"ctl-learning_rate-\"]')].every(e => e.disabled)")

        # spotlight: the student's network and output, large, on the teacher's page
        teacher.pw.click(".card >> nth=0")
        teacher.pw.wait_for_selector("#spotlight:not([hidden])")
        teacher.pw.wait_for_function("() => document.querySelector('#spotlight-output').width === 100")
        teacher.pw.click("#spotlight-close")
        teacher.pw.wait_for_selector("#spotlight", state="hidden")

        # anonymize: no real name on the dashboard
        teacher.pw.check("#anonymize")
        anonymous = teacher.pw.locator(".card .name").all_text_contents()
        assert all(text.startswith("Student ") for text in anonymous) and not set(anonymous) & set(NAMES)

        for p in [teacher, *students]:
            assert p.errors == []
    finally:
        for context in contexts:
            context.close()
