"""Issue 14: in 简体中文 every visible text on the page is Chinese ("Epoch" in the top bar stayed
English). The test switches the language with the mouse and fails on any visible text node without
a CJK character, except those on an allowlist: numbers and symbols, maths names (X₁, sin(X₁),
f′(x)), units, and proper names (activation and optimizer names, the product's name)."""

from __future__ import annotations

import re

# Visible text nodes without a CJK character (option texts of closed <select>s are not visible).
NON_CJK = """() => {
  const out = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const text = n.textContent.trim();
    const el = n.parentElement;
    if (!text || !el || el.closest('script, style, option, [hidden]') || !el.checkVisibility({ visibilityProperty: true })) continue;
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    if (!/[\\u3000-\\u303f\\u4e00-\\u9fff\\uff00-\\uffef]/.test(text)) out.push(text);
  }
  // the selected option of each drop-down is visible text too
  for (const s of document.querySelectorAll('select')) {
    if (!s.checkVisibility()) continue;
    const text = s.selectedOptions[0]?.textContent.trim() || '';
    if (text && !/[\\u4e00-\\u9fff]/.test(text)) out.push(text);
  }
  return out;
}"""

SYMBOLS = re.compile(r"^[\d\s.,:;%+\-−–—×·/()\[\]|?…←→↑↓✕=<>≠°′^*#~_'\"’“”‘!›‹⁰¹²³⁴⁵⁶⁷⁸⁹⁻]*$")
MATHS = re.compile(r"^((sin|cos)\()?X[₁₂][²]?(X[₁₂])?\)?$|^f′?\(x\)$|^v\d+(\.\d+)*$")
NAMES = {"NN Playground", "English", "ReLU", "Leaky ReLU", "Tanh", "Sigmoid", "ELU", "Maxout", "Linear",
         "SGD", "Adam", "RMSprop", "Adagrad", "Momentum", "L1", "L2", "A", "B", "NumPy", "PyTorch", "JSON", "CSV", "PNG", "SVG"}


def allowed(text: str) -> bool:
    return bool(SYMBOLS.match(text) or MATHS.match(text)) or text in NAMES


def test_every_visible_text_is_chinese_in_chinese(page_at, server, tmp_path):
    for width, height in [(1024, 768), (1440, 900)]:
        page = page_at(width, height)
        page.open(server.url + "/?seed=2&show_test=1")
        pw = page.pw
        pw.locator("#language").select_option("zh")
        page.wait("n.language === 'zh'")
        pw.locator("#play").click()
        page.wait("n.epoch >= 3")
        pw.locator("#play").click()
        pw.wait_for_timeout(300)
        pw.screenshot(path=str(tmp_path / f"zh-{width}.png"), full_page=True)
        assert pw.locator(".epoch-box .label").inner_text() != "Epoch"
        left = [t for t in pw.evaluate(NON_CJK) if not allowed(t)]
        assert left == [], f"English left in 简体中文 at {width}×{height}: {left}"
        assert not page.errors, page.errors
