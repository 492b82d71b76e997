"""Issue 14, must fix 4: each feature picture uses its own colour range (X₁ keeps its full orange
and blue beside X₁X₂, whose values are six times larger), and a switched-off feature is clearly
drawn as off (grey, struck through), not as a paler copy of the on look."""

from __future__ import annotations

# The colour at the left and right edge of a feature's picture (middle row), and its look.
FEATURE = """(name) => {
  const node = document.querySelector(`#network .node.feature[data-feature="${name}"]`);
  const c = node.querySelector('canvas');
  const ctx = c.getContext('2d');
  const y = Math.floor(c.height / 2);
  const px = (x) => Array.from(ctx.getImageData(x, y, 1, 1).data.slice(0, 3));
  const style = getComputedStyle(c);
  return { left: px(0), right: px(c.width - 1), filter: style.filter, opacity: Number(style.opacity),
           pressed: node.getAttribute('aria-pressed'),
           strike: getComputedStyle(node.querySelector('.feature-label')).textDecorationLine,
           label: node.getAttribute('aria-label') };
}"""
ORANGE, BLUE = [245, 147, 34], [8, 119, 189]


def close(a, b, tol=6):
    return all(abs(x - y) <= tol for x, y in zip(a, b))


def test_each_feature_has_its_own_range_and_off_is_drawn_off(sized_page, server, tmp_path):
    page = sized_page
    page.open(server.url + "/?features=x1,x2,x1x2&seed=4")
    pw = page.pw
    page.wait("true")
    pw.wait_for_timeout(300)
    x1 = pw.evaluate(FEATURE, "x1")
    # X₁ runs from −6 (left) to 6 (right): its own full scale despite X₁X₂'s ±36 beside it.
    assert close(x1["left"], ORANGE) and close(x1["right"], BLUE), x1
    assert x1["pressed"] == "true" and x1["filter"] == "none"
    off = pw.evaluate(FEATURE, "x1_sq")
    assert off["pressed"] == "false" and "grayscale" in off["filter"] and off["opacity"] <= 0.3, off
    assert off["strike"] == "line-through" and "not used" in off["label"]
    pw.locator("#network").screenshot(path=str(tmp_path / f"features-{page.size[0]}.png"))

    # Switching X₁ off with the mouse draws it as off.
    pw.locator('#network .node.feature[data-feature="x1"]').click()
    page.wait("!n.config.features.includes('x1')")
    assert "grayscale" in pw.evaluate(FEATURE, "x1")["filter"]
    assert not page.errors, page.errors
