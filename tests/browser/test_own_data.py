"""Own data from the page (issue 5): drawing points on the plane, CSV upload, more than two
classes, regression, the boundary data set, and taking results away (model, PNG, load)."""

from __future__ import annotations

import json

PLOT = 300  # CSS size of the output plane (static/css/playground.css .plot)


def px(x: float, y: float) -> dict:
    """The pixel position on the plot of plane point (x, y): column 0 is x = -6, row 0 y = +6."""
    return {"x": (x + 6) / 12 * PLOT, "y": (6 - y) / 12 * PLOT}


def n_points(page) -> int:
    return page.pw.evaluate("() => __nnp.data ? __nnp.data.train.length + __nnp.data.test.length : -1")


def all_points(page) -> list:
    return page.pw.evaluate("() => __nnp.data.train.concat(__nnp.data.test)")


# The share of heatmap pixels shaded in each class colour. Every class is drawn as a blend
# from the neutral grey towards its colour, so a pixel belongs to the class whose blend line
# passes nearest to it; pixels close to grey (an undecided region) count for none. Reads what
# was drawn, not what was sent.
CLASS_SHARES = """() => {
  const c = document.getElementById('output-heatmap');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const colours = [[245,147,34],[8,119,189],[0,158,115],[204,121,167],[86,64,0]];
  const grey = [232,234,235];
  const counts = new Array(colours.length).fill(0);
  for (let i = 0; i < d.length; i += 4) {
    let best = -1, bestD = Infinity;
    colours.forEach((col, k) => {
      const dir = col.map((v, j) => v - grey[j]);
      const rel = [d[i] - grey[0], d[i+1] - grey[1], d[i+2] - grey[2]];
      const len2 = dir.reduce((a, v) => a + v * v, 0);
      const t = Math.max(0, Math.min(1, rel.reduce((a, v, j) => a + v * dir[j], 0) / len2));
      if (t < 0.25) return;
      const off = rel.reduce((a, v, j) => a + (v - t * dir[j]) ** 2, 0);
      if (off < bestD) { best = k; bestD = off; }
    });
    if (best >= 0 && bestD < 400) counts[best] += 1;
  }
  return counts.map(n => n / (d.length / 4));
}"""

# The colour of the points canvas at plot position (x, y) in CSS pixels, as [r, g, b, a].
POINT_PIXEL = """([x, y]) => {
  const c = document.getElementById('output-points');
  const r = c.width / c.clientWidth;
  return [...c.getContext('2d').getImageData(Math.round(x * r), Math.round(y * r), 1, 1).data];
}"""


def test_clicked_points_are_drawn_trained_on_and_removed(page, server):
    page.open(server.url + "/?dataset=circle&seed=4&epochs_per_second=100")
    assert n_points(page) > 100
    plane = page.pw.locator("#output-points")
    page.pw.get_by_role("button", name="Clear", exact=True).click()
    page.wait("n.config.dataset === 'custom' && n.data.train.length + n.data.test.length === 0")
    # Class 1 (orange) on the left, class 2 (blue) on the right by shift-click.
    left = [(-4, 3), (-4, -3), (-3, 0), (-5, 1), (-3.5, -1.5), (-4.5, 4)]
    right = [(4, 3), (4, -3), (3, 0), (5, 1), (3.5, -1.5), (4.5, 4)]
    for x, y in left:
        plane.click(position=px(x, y))
    for x, y in right:
        plane.click(position=px(x, y), modifiers=["Shift"])
    page.wait("n.data.train.length + n.data.test.length === 12")
    points = all_points(page)
    labels = {(round(p[0]), round(p[1])): p[2] for p in points}
    assert sorted(p[2] for p in points) == [0] * 6 + [1] * 6
    assert labels[(-4, 3)] == 0 and labels[(4, 3)] == 1
    # Drawn where clicked, in its class colour (test points too: drawing turns them on).
    assert page.pw.locator("#show-test").is_checked()
    page.pw.wait_for_timeout(100)
    r, g, b, a = page.pw.evaluate(POINT_PIXEL, [px(-4, 3)["x"], px(-4, 3)["y"]])
    assert a == 255 and r > 200 and b < 100, (r, g, b, a)
    r, g, b, a = page.pw.evaluate(POINT_PIXEL, [px(4, 3)["x"], px(4, 3)["y"]])
    assert a == 255 and b > 150 and r < 60, (r, g, b, a)
    # Trained on: the epoch advances and the loss moves.
    page.wait("n.lastHeader.epoch === 0 || n.lastHeader.metrics.train_loss !== null")
    loss0 = page.nnp("lastHeader.metrics.train_loss")
    page.pw.locator("#play").click()
    page.wait(f"n.epoch > 20 && n.lastHeader.metrics.train_loss !== {loss0}")
    page.pw.locator("#play").click()
    page.wait("n.state === 'paused'")
    # Right-click removes the nearest point; alt-click does too.
    plane.click(position=px(-3.8, 2.9), button="right")
    page.wait("n.data.train.length + n.data.test.length === 11")
    assert not any(round(p[0]) == -4 and round(p[1]) == 3 for p in all_points(page))
    plane.click(position=px(4.1, -3.1), modifiers=["Alt"])
    page.wait("n.data.train.length + n.data.test.length === 10")
    assert not any(round(p[0]) == 4 and round(p[1]) == -3 for p in all_points(page))
    # Right-click far from every point removes nothing.
    version = page.nnp("version")
    plane.click(position=px(0, 5.5), button="right")
    page.pw.wait_for_timeout(300)
    assert page.nnp("version") == version and n_points(page) == 10
    assert page.errors == []


def test_brush_and_keyboard_add_points(page, server):
    page.open(server.url + "/?dataset=xor&seed=2")
    page.pw.get_by_role("button", name="Clear", exact=True).click()
    page.wait("n.data && n.data.train.length + n.data.test.length === 0")
    brush = page.pw.get_by_role("button", name="Brush", exact=True)
    brush.click()
    assert brush.get_attribute("aria-pressed") == "true"
    box = page.pw.locator("#output-points").bounding_box()
    page.pw.mouse.move(box["x"] + 60, box["y"] + 60)
    page.pw.mouse.down()
    for i in range(10):
        page.pw.mouse.move(box["x"] + 60 + i * 15, box["y"] + 60 + i * 5)
        page.pw.wait_for_timeout(30)
    page.pw.mouse.up()
    page.wait("n.data.train.length + n.data.test.length >= 9")
    brushed = n_points(page)
    assert all(p[2] == 0 for p in all_points(page))
    brush.click()
    assert brush.get_attribute("aria-pressed") == "false"
    # Keyboard: choose class 2 with the arrow key, focus the plane, move and add with Enter.
    page.pw.get_by_role("radio", name="Class 1").focus()
    page.pw.keyboard.press("ArrowRight")
    assert page.pw.get_by_role("radio", name="Class 2").get_attribute("aria-checked") == "true"
    page.pw.locator("#output-points").focus()
    page.pw.keyboard.press("Shift+ArrowRight")  # the cursor moves one unit right of the centre
    page.pw.keyboard.press("Enter")
    page.wait(f"n.data.train.length + n.data.test.length === {brushed + 1}")
    added = [p for p in all_points(page) if p[2] == 1]
    assert len(added) == 1 and abs(added[0][0] - 1.0) < 1e-6 and abs(added[0][1]) < 1e-6
    assert page.nnp("epoch") == 0, "keys on the plane must not step training"
    page.pw.keyboard.press("Delete")
    page.wait(f"n.data.train.length + n.data.test.length === {brushed}")


def test_three_classes_show_three_colours(page, server):
    page.open(server.url + "/?dataset=blobs&n_classes=3&seed=1&noise=0")
    page.wait("n.lastHeader.output_kind === 'multiclass' && n.data.n_classes === 3")
    picker = page.pw.get_by_role("radiogroup", name="Class of new points")
    assert picker.get_by_role("radio").count() == 3  # the class picker follows the data
    page.nnp("send({type: 'step', epochs: 150})")
    page.wait("n.epoch >= 150", timeout=20000)
    page.pw.wait_for_timeout(200)
    shares = page.pw.evaluate(CLASS_SHARES)
    assert sum(s > 0.05 for s in shares[:3]) == 3, shares
    assert shares[3] < 0.01 and shares[4] < 0.01, shares
    assert page.pw.locator("#legend .swatch").count() == 3
    # Accuracy per class under the loss.
    per_class = page.pw.locator("#class-acc")
    assert per_class.is_visible() and per_class.inner_text().count("%") == 3
    assert "Class 3" in per_class.inner_text()
    # Discretize paints arg-max regions: every pixel a pure class colour.
    page.pw.locator("#discretize").check()
    page.pw.wait_for_timeout(100)
    shares = page.pw.evaluate(CLASS_SHARES)
    assert sum(shares[:3]) > 0.99 and min(shares[:3]) > 0.05, shares


def test_regression_draws_points_with_the_chosen_value(page, server):
    page.open(server.url + "/?problem=regression&dataset=plane&loss=squared&seed=1")
    page.wait("n.lastHeader.output_kind === 'regression'")
    assert page.pw.locator("#legend canvas.legend-bar").count() == 1
    assert not page.pw.get_by_role("radiogroup", name="Class of new points").is_visible()
    slider = page.pw.get_by_label("Value of new points")
    slider.fill("-0.5")
    before = n_points(page)
    page.pw.locator("#output-points").click(position=px(2, 2))
    page.wait(f"n.data.train.length + n.data.test.length === {before + 1}")
    assert page.nnp("config.dataset") == "custom" and page.nnp("config.problem") == "regression"
    assert any(abs(p[0] - 2) < 0.1 and abs(p[1] - 2) < 0.1 and p[2] == -0.5 for p in all_points(page))


def test_boundary_data_set_thumbnail_and_function(page, server):
    page.open(server.url + "/?seed=3&noise=0")
    thumb = page.pw.locator(".thumb[data-dataset=boundary]")
    # The thumbnail shows real points of both classes.
    page.wait("(() => { const c = document.querySelector('.thumb[data-dataset=boundary] canvas');"
              " const d = c.getContext('2d').getImageData(0, 0, 64, 64).data; let o = 0, b = 0;"
              " for (let i = 0; i < d.length; i += 4) { if (d[i+3] && d[i] > 200 && d[i+2] < 80) o++;"
              " if (d[i+3] && d[i+2] > 150 && d[i] < 60) b++; } return o > 20 && b > 20; })()", timeout=15000)
    assert not page.pw.get_by_label("Boundary function").is_visible()
    thumb.click()
    page.wait("n.config.dataset === 'boundary' && n.data.train.length > 0")
    assert thumb.get_attribute("aria-checked") == "true"
    control = page.pw.get_by_label("Boundary function")
    assert control.is_visible()
    control.select_option("cubic")
    page.wait("n.config.boundary_fn === 'cubic'")
    # Blue (1) above y = x³/20 − x, orange (0) below; with noise 0 the labels are exact.
    page.wait("n.data.train.every(([x, y, l]) => (y > x ** 3 / 20 - x) === (l === 1))")
    assert {p[2] for p in all_points(page)} == {0, 1}


def test_csv_upload_replaces_the_data_and_a_bad_file_names_its_line(page, server, tmp_path):
    page.open(server.url + "/?dataset=circle&seed=1")
    good = tmp_path / "mine.csv"
    rows = ["x,y,label"] + [f"{x},{y},{'red' if x < 0 else 'green' if y < 0 else 'blue'}"
                            for x in (-4, -2, 2, 4) for y in (-4, -2, 2, 4)]
    good.write_text("\n".join(rows) + "\n")
    page.pw.locator("#csv-file").set_input_files(str(good))
    page.wait("n.config.dataset === 'custom' && n.data.n_classes === 3 && "
              "n.data.train.length + n.data.test.length === 16", timeout=15000)
    status = page.pw.locator("#csv-status")
    assert "16" in status.inner_text() and "mine.csv" in status.inner_text()
    # The class names of the file label the class picker.
    assert page.pw.get_by_role("radio", name="red").count() == 1
    # ...and come back in the data download
    with page.pw.expect_download() as info:
        page.pw.locator("#csv-download").click()
    downloaded = open(info.value.path(), encoding="utf-8").read().splitlines()
    assert {r.split(",")[2] for r in downloaded[1:]} == {"red", "green", "blue"}
    points = sorted(map(tuple, all_points(page)))
    assert points[0][:2] == (-4, -4)
    before = all_points(page)
    version = page.nnp("version")

    bad = tmp_path / "bad.csv"
    bad.write_text("x,y,label\n1,2,0\n3,4,1\n5,oops,1\n")
    page.pw.locator("#csv-file").set_input_files(str(bad))
    page.wait("document.getElementById('csv-status').classList.contains('error')")
    text = status.inner_text()
    assert "line 4" in text and "bad.csv" in text, text
    page.pw.wait_for_timeout(300)
    assert page.nnp("version") == version and all_points(page) == before
    # The framing follows the language; the server's detail stays.
    page.pw.get_by_label("Language").select_option("zh")
    assert "第 4 行" in status.inner_text()
    page.pw.get_by_label("语言").select_option("en")

    # A file dropped on the plane is uploaded the same way (regression data this time).
    page.pw.get_by_label("Problem type").select_option("regression")
    page.wait("n.config.problem === 'regression'")
    page.pw.evaluate("""() => {
      const dt = new DataTransfer();
      dt.items.add(new File(["x,y,value\\n-30,0,0.5\\n30,10,-0.25\\n0,0,1\\n"], "dropped.csv", {type: "text/csv"}));
      document.getElementById('output-points').dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
    }""")
    page.wait("n.config.dataset === 'custom' && n.data.problem === 'regression' && "
              "n.data.train.length + n.data.test.length === 3", timeout=15000)
    # 30 is outside the plane: the server rescaled by 1/5 and said so.
    xs = sorted(p[0] for p in all_points(page))
    assert abs(xs[0] + 6) < 1e-9 and abs(xs[-1] - 6) < 1e-9
    assert "dropped.csv" in status.inner_text()
    assert not status.evaluate("el => el.classList.contains('error')")


def mouse_click(pw, locator) -> None:
    """Click `locator` as a user does: scroll it into view, put the mouse on its middle, click."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    pw.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def download(pw, name: str):
    """Click the export button named `name` with the mouse; the download it starts."""
    with pw.expect_download() as info:
        mouse_click(pw, pw.get_by_role("button", name=name, exact=True))
    return info.value


def choose_file(pw, locator, path) -> None:
    """Click a file button (a label) with the mouse and pick `path` in the file chooser it opens."""
    with pw.expect_file_chooser() as chooser:
        mouse_click(pw, locator)
    chooser.value.set_files(str(path))


def test_model_download_load_and_png(sized_page, server, tmp_path):
    """Every export, with the mouse, on a 1024×768 projector and a 1440×900 laptop (issue 14)."""
    page = sized_page
    width, height = page.size
    page.open(server.url + "/?dataset=xor&seed=6")
    page.nnp("send({type: 'step', epochs: 30})")
    page.wait("n.epoch >= 30")
    mouse_click(page.pw, page.pw.locator("#exports summary"))
    page.pw.locator("#export-tools").screenshot(path=str(tmp_path / f"exports-{width}x{height}.png"))
    # every export button lies inside the window's width (nothing to scroll sideways for)
    right = page.pw.evaluate("() => Math.max(...[...document.querySelectorAll('#export-tools button, "
                             "#export-tools label')].map((b) => b.getBoundingClientRect().right))")
    assert right <= width, f"an export button ends at {right} px in a {width} px window"
    model_file = download(page.pw, "Model (JSON)")
    assert model_file.suggested_filename == "nn-playground-model.json"
    model = json.loads(open(model_file.path(), encoding="utf-8").read())
    assert model["epoch"] == 30 and len(model["weights"]) == len(model["config"]["hidden"]) + 1
    assert all(isinstance(v, float) for v in model["weights"][0][0])

    with page.pw.expect_download() as info:
        mouse_click(page.pw, page.pw.get_by_role("button", name="Figure (PNG)", exact=True))
    png = open(info.value.path(), "rb").read()
    assert info.value.suggested_filename == "nn-playground-output.png"
    # a figure now (issue 14): the 540 px plane with axes, key and title around it
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(png[16:20], "big") == 794

    with page.pw.expect_download() as info:
        mouse_click(page.pw, page.pw.get_by_role("button", name="Loss history (CSV)", exact=True))
    history = open(info.value.path(), encoding="utf-8").read().splitlines()
    assert history[0] == "epoch,train_loss,test_loss" and len(history) == 31

    with page.pw.expect_download() as info:
        mouse_click(page.pw, page.pw.get_by_role("button", name="NumPy script", exact=True))
    assert info.value.suggested_filename == "nn_playground_model.py"
    assert "import numpy" in open(info.value.path(), encoding="utf-8").read()
    with page.pw.expect_download() as info:
        mouse_click(page.pw, page.pw.get_by_role("button", name="PyTorch code", exact=True))
    assert info.value.suggested_filename == "nn_playground_torch.py"
    assert "torch" in open(info.value.path(), encoding="utf-8").read()
    # the exports that retrain the run: as far as it went (30 epochs), from its first weights
    for label, filename, needle in (("NumPy training script", "nn_playground_train.py", "EPOCHS = 30\n"),
                                    ("PyTorch training script", "nn_playground_train_torch.py", "loss.backward()"),
                                    ("Jupyter notebook", "nn_playground.ipynb", '"nbformat": 4')):
        with page.pw.expect_download() as info:
            mouse_click(page.pw, page.pw.get_by_role("button", name=label, exact=True))
        assert info.value.suggested_filename == filename
        assert needle in open(info.value.path(), encoding="utf-8").read()
    with page.pw.expect_download() as info:
        mouse_click(page.pw, page.pw.get_by_role("button", name="Download data CSV", exact=True))
    rows = open(info.value.path(), encoding="utf-8").read().splitlines()
    assert rows[0] == "x,y,label,split" and len(rows) - 1 == n_points(page)
    assert {r.rsplit(",", 1)[1] for r in rows[1:]} == {"train", "test"}
    # ...and uploading that file back gives the same points with the same train/test split
    before = page.pw.evaluate("() => [__nnp.data.train.length, __nnp.data.test.length]")
    assert before == [sum(r.endswith(",train") for r in rows[1:]), sum(r.endswith(",test") for r in rows[1:])]
    page.pw.evaluate("() => { window.__dataBefore = __nnp.data; }")
    choose_file(page.pw, page.pw.locator("label[for=csv-file]"), info.value.path())
    page.wait("n.data !== window.__dataBefore && n.data.train.length + n.data.test.length > 0")
    assert page.pw.evaluate("() => [__nnp.data.train.length, __nnp.data.test.length]") == before
    train = page.pw.evaluate("() => __nnp.data.train")
    file_train = [[float(v) for v in r.split(",")[:3]] for r in rows[1:] if r.endswith(",train")]
    key = lambda p: (round(p[0], 3), round(p[1], 3), p[2])  # noqa: E731
    assert sorted(map(key, train)) == sorted(map(key, file_train))

    # Load it back after a reset: the session resumes at epoch 30.
    mouse_click(page.pw, page.pw.locator("#reset"))
    page.wait("n.epoch === 0")
    saved = tmp_path / "model.json"
    saved.write_text(json.dumps(model))
    choose_file(page.pw, page.pw.locator("label[for=model-file]"), saved)
    page.wait("n.epoch === 30 && n.lastHeader.epoch === 30")
    assert abs(page.nnp("weight(0, 0, 0)") - model["weights"][0][0][0]) < 1e-6
    page.wait("document.getElementById('export-status').textContent.includes('model.json')")
    page.pw.screenshot(path=str(tmp_path / f"model-loaded-{width}x{height}.png"))
    assert page.errors == [], page.errors


def test_bad_model_files_are_refused_with_a_reason(page, server, tmp_path):
    page.open(server.url + "/?seed=1")
    page.pw.locator("#exports summary").click()
    status = page.pw.locator("#export-status")
    huge = tmp_path / "huge.json"
    huge.write_text('{"pad": "' + "x" * 600_000 + '"}')
    version = page.nnp("version")
    page.pw.locator("#model-file").set_input_files(str(huge))
    page.wait("document.getElementById('export-status').classList.contains('error')")
    assert "huge.json" in status.inner_text() and "512 KiB" in status.inner_text()
    notjson = tmp_path / "notes.json"
    notjson.write_text("weights: 1, 2, 3")
    page.pw.locator("#model-file").set_input_files(str(notjson))
    page.wait("document.getElementById('export-status').textContent.includes('notes.json')")
    assert "JSON" in status.inner_text()
    # A JSON file that is no model: the server's refusal is shown here, the session unchanged.
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"format": "something else", "weights": []}))
    page.pw.locator("#model-file").set_input_files(str(wrong))
    page.wait("document.getElementById('export-status').textContent.includes('The model was not loaded')")
    assert page.pw.locator("#general-error").is_hidden()
    assert page.nnp("version") == version
    assert page.errors == []
