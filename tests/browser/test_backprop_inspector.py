"""Issue 13: the backprop inspector. The backprop_by_hand lesson opens it on the notes' 2-2-2
example, the network view shows that whole network (two outputs), and stepping through shows
the notes' numbers to 9 digits, written on the panel and on the network's units and links, with
the chain rule of the selected weight; in 简体中文 too. It also walks the playground's own
network through a training point picked on the plane, and its plant-a-bug switch changes the
walk's hidden deltas."""

from __future__ import annotations

NOTES = ["0.298371109", "0.082167041", "0.000438568", "0.35891648"]


def walk_texts(page) -> tuple[str, list[str]]:
    """Press Next through every step; the panel's text and the network's numbers of all steps."""
    panel, numbers = [], []
    steps = len(page.nnp("inspector.steps"))
    for k in range(steps):
        page.wait(f"n.inspector.step === {k}")
        panel.append(page.pw.locator("#backprop-panel").inner_text())
        numbers += page.nnp("inspector.numbers")
        if k < steps - 1:
            page.pw.locator("#backprop-panel .bp-next").click()
    return "\n".join(panel), numbers


def test_backprop_by_hand_shows_the_notes_numbers(page_at, server, tmp_path):
    page = page_at(1440, 900)
    page.open(server.url + "/?lesson=backprop_by_hand")
    page.wait("n.inspector.open && n.inspector.reply && !n.inspector.pending")
    assert page.pw.locator("#backprop-panel").is_visible()
    # the network view shows the notes' whole 2-2-2 network: two inputs, two hidden, two outputs
    assert page.pw.locator("#network .node.unit").count() == 2
    assert page.pw.locator("#network .node.output-node").count() == 2
    assert page.pw.locator("#network path.link").count() == 8
    assert page.nnp("inspector.steps") == ["forward", "forward", "error", "output_deltas", "hidden_deltas",
                                           "gradients", "gradients", "update"]
    # the forward step writes net and out on the units
    assert "net 0.3775" in " ".join(page.nnp("inspector.numbers"))
    panel, numbers = walk_texts(page)
    for value in NOTES:
        assert value in panel, (value, panel)
    joined = " | ".join(numbers)
    assert "∂E/∂w5 0.082167041" in joined and "∂E/∂w1 0.000438568" in joined, joined
    assert "w5 0.35891648" in joined, joined
    # the chain rule of the selected weight (w5 by default), then of w1 chosen by clicking its link
    chain = page.pw.locator("#backprop-panel .bp-chain")
    assert chain.inner_text().endswith("= 0.138498562 × 0.593269992 = 0.082167041"), chain.inner_text()
    page.pw.locator("#backprop-panel .bp-weight select").select_option(label="w1: i1 → h1")
    assert chain.inner_text() == ("∂E/∂w1 = ∂E/∂net_h1 × ∂net_h1/∂w1 = δ_h1 × out_i1 = 0.008771355 × 0.05"
                                  " = 0.000438568")
    page.pw.screenshot(path=str(tmp_path / "inspector-update-en.png"))
    # 简体中文: the same numbers, the words in Chinese
    page.pw.locator("#language").select_option("zh")
    page.wait("n.language === 'zh'")
    assert "一步一步看反向传播" in page.pw.locator("#backprop-panel").inner_text()
    assert "走一步之后的权重" in page.pw.locator("#backprop-panel").inner_text()
    assert "0.35891648" in page.pw.locator("#backprop-panel").inner_text()
    page.pw.screenshot(path=str(tmp_path / "inspector-update-zh.png"))
    # closed, the network view follows training again (the playground's one output)
    page.pw.locator("#backprop-toggle").click()
    page.wait("!n.inspector.open")
    assert page.pw.locator("#network .node.output-node").count() == 1
    assert page.pw.locator("#network .network-numbers .num").count() == 0
    assert not page.errors, page.errors


def test_walk_of_a_picked_point_on_any_network(page_at, server, tmp_path):
    page = page_at(1440, 900)
    page.open(server.url + "/?dataset=xor&seed=5&hidden=3,2&activation=tanh")
    page.wait("n.data && n.data.train.length > 0")
    page.pw.locator("#backprop-toggle").click()
    page.wait("n.inspector.open && n.inspector.reply && !n.inspector.pending")
    first = page.nnp("inspector.reply")
    assert [len(layer["out"]) for layer in first["layers"]] == [3, 2, 1]
    assert page.pw.locator("#backprop-panel .bp-example").is_hidden(), "no lesson example to offer"
    # pick a training point on the plane: the walk starts from its features
    x, y, label = page.nnp("data.train[7]")
    page.pw.locator("#backprop-panel .bp-pick").click()
    page.pw.locator("#output-points").scroll_into_view_if_needed()
    plot = page.pw.locator("#output-points").bounding_box()
    page.pw.mouse.click(plot["x"] + (x + 6) / 12 * plot["width"], plot["y"] + (6 - y) / 12 * plot["height"])
    page.wait(f"n.inspector.reply && Math.abs(n.inspector.reply.inputs[0] - {x}) < 1e-9")
    reply = page.nnp("inspector.reply")
    assert reply["inputs"] == [x, y]
    assert len(reply["targets"]) == 1 and (reply["targets"][0] > 0) == (label == 1)  # encoded as the output sees it
    assert page.nnp("inspector.steps") == ["forward"] * 3 + ["error", "output_deltas"] + ["hidden_deltas"] * 2 + [
        "gradients"] * 3 + ["update"]
    assert f"({x:.2f}, {y:.2f})" in page.pw.locator("#backprop-panel .bp-what").inner_text()
    # plant a bug: the hidden deltas change, the output deltas do not
    page.pw.locator("#backprop-panel .plant-bug input").check()
    page.wait("n.inspector.reply && n.inspector.reply.plant_bug === true && !n.inspector.pending")
    bugged = page.nnp("inspector.reply")
    assert bugged["deltas"][-1] == reply["deltas"][-1]
    assert bugged["deltas"][0] != reply["deltas"][0]
    assert "bug is planted" in page.pw.locator("#backprop-panel .bp-what").inner_text()
    page.pw.screenshot(path=str(tmp_path / "inspector-own-network.png"))
    assert not page.errors, page.errors
