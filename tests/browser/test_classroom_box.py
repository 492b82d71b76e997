"""Issue 14 on a projector, for the student's classroom box: it used to be a fixed layer over the
output plot's bottom-right corner. Now it is part of the row under the top bar; at 1024×768,
1280×720 and 1440×900, folded, opened with the mouse, joined and showing the teacher's notice, it
never overlaps the output plot, the loss chart, the numbers or any control, and stays on screen.
The teacher's join link (?class=CODE) opens the box without a warning about the link."""

from __future__ import annotations

from conftest import Page

KEY = "box-teacher-key"
SIZES = [(1024, 768), (1280, 720), (1440, 900)]
# The things a student watches or uses: none may lie under the box.
KEEP_CLEAR = ["#play", "#topbar-controls > *", "#language", "#present", "#lesson-select", "#compare-toggle",
              "#data-column .thumb", "#data-controls .control", "#network", ".losses", "#loss-chart",
              "#chart-key", ".chart-row > *", ".output-column .plot"]

# Every visible element of `clear` that overlaps a visible part of the box (more than a hairline).
OVERLAPS = """(clear) => {
  const boxes = [...document.querySelectorAll('#classroom, #classroom > *')].filter((e) => e.getClientRects().length)
    .map((e) => e.getBoundingClientRect());
  const hits = [];
  for (const selector of clear) {
    for (const el of document.querySelectorAll(selector)) {
      if (!el.getClientRects().length) continue;
      const r = el.getBoundingClientRect();
      for (const b of boxes) {
        const w = Math.min(r.right, b.right) - Math.max(r.left, b.left);
        const h = Math.min(r.bottom, b.bottom) - Math.max(r.top, b.top);
        if (w > 1 && h > 1) hits.push(`${selector} (${el.id || el.className})`);
      }
    }
  }
  const box = document.querySelector('#classroom').getBoundingClientRect();
  return { hits: [...new Set(hits)], box: [box.left, box.top, box.right, box.bottom] };
}"""


def assert_clear(page: Page, size: tuple[int, int], where: str) -> None:
    got = page.pw.evaluate(OVERLAPS, KEEP_CLEAR)
    assert got["hits"] == [], f"{where} at {size}: the class box covers {got['hits']}"
    left, top, right, bottom = got["box"]
    assert left >= 0 and top >= 0 and right <= size[0] + 0.5 and bottom <= size[1] + 0.5, (where, size, got["box"])


def test_the_class_box_never_covers_the_output_or_a_control(browser, make_server, tmp_path):
    server = make_server("--teacher-key", KEY)
    contexts = []

    def new_page(width: int, height: int) -> Page:
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        return Page(context.new_page())

    try:
        teacher = new_page(1280, 800)
        teacher.pw.goto(f"{server.url}/teach#key={KEY}")
        teacher.pw.click("#start-class")
        teacher.pw.wait_for_function("() => document.querySelector('#class-code').textContent.length === 6")
        code = teacher.pw.text_content("#class-code")

        students = []
        for i, size in enumerate(SIZES):
            student = new_page(*size)
            student.open(f"{server.url}/?seed=2")
            pw = student.pw
            assert pw.locator("#classroom-form").is_hidden()
            assert_clear(student, size, "folded")

            # Opened with the mouse: the code and name fields in the same row.
            toggle = pw.locator(".classroom-toggle")
            box = toggle.bounding_box()
            pw.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            assert pw.locator("#classroom-form").is_visible()
            assert toggle.get_attribute("aria-expanded") == "true"
            assert_clear(student, size, "opened")
            pw.screenshot(path=str(tmp_path / f"class-box-open-{size[0]}x{size[1]}.png"))

            pw.locator("#class-code").fill(code)
            pw.locator("#class-name").fill(f"Student {i}")
            pw.locator(".classroom-form button[type=submit]").click()
            pw.wait_for_function(f"() => document.querySelector('.classroom-status').textContent.includes('{code}')")
            assert pw.locator("#classroom-form").is_hidden()
            assert_clear(student, size, "joined")
            students.append((student, size))

        # The teacher's join link opens the box with the code filled in, and the page does not
        # report ?class= as an unknown setting.
        linked = new_page(1024, 768)
        linked.open(f"{server.url}/?class={code}")
        assert linked.pw.locator("#class-code").input_value() == code
        assert linked.pw.locator("#classroom-form").is_visible()
        assert linked.pw.locator("#url-report").is_hidden(), linked.pw.text_content("#url-report")
        assert_clear(linked, (1024, 768), "opened by the join link")

        # A long notice (a challenge's rules) stays in the row too.
        teacher.pw.click("#challenge-go")
        for student, size in students:
            student.pw.wait_for_selector(".classroom-notice:not([hidden])")
            assert "Challenge" in student.pw.text_content(".classroom-notice")
            assert_clear(student, size, "with a notice")
            student.pw.screenshot(path=str(tmp_path / f"class-box-notice-{size[0]}x{size[1]}.png"))

        for p in [teacher, *(s for s, _ in students), linked]:
            assert p.errors == [], p.errors
    finally:
        for context in contexts:
            context.close()
