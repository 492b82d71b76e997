"""The page takes its rules from the schema: its validator (static/js/schema.js, loaded in the
page) decides tests/validation_cases.json as the engine does, and the drop-downs, data-set
groups, forced keys and compare mode's shared keys are the ones the page always had."""

from __future__ import annotations

import json
from pathlib import Path

CASES = json.loads((Path(__file__).resolve().parents[1] / "validation_cases.json").read_text())["cases"]

# The page's validator over the config keys, from the defaults with seed 1, as the Python test.
RUN_CASES = """async (cases) => {
  const m = await import('/static/js/schema.js');
  const schema = m.loadSchema();
  const fields = schema.config;
  const defaults = { seed: 1 };
  for (const [key, f] of Object.entries(fields)) if ('default' in f) defaults[key] = f.default;
  return cases.map((c) => {
    try {
      const base = m.checkPatch(fields, schema.rules, defaults, c.base || {}).config;
      return { config: m.checkPatch(fields, schema.rules, base, c.patch).config };
    } catch (err) {
      return err instanceof m.FieldError ? { error: err.key } : { crash: String(err) };
    }
  });
}"""

# What the drop-downs offered when the page still carried its own lists.
PRESETS = {
    "learning_rate": ["0.00001", "0.0001", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1", "3", "10"],
    "reg_rate": ["0", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1", "3", "10"],
    "epochs_per_second": ["1", "2", "5", "10", "20", "30", "60", "120", "250", "500", "1000", "0"],
    "batch_size": ["1", "2", "5", "10", "20", "30", "50", "100", "200", "500", "1000", "2000"],
    "n_classes": ["2", "3", "4", "5"],
}
CLASSIFICATION_SETS = ["circle", "xor", "gauss", "spiral", "moons", "blobs", "boundary", "custom"]
REGRESSION_SETS = ["plane", "gaussians", "custom"]
DATA_KEYS = ["problem", "dataset", "n_classes", "boundary_fn", "n_samples", "noise", "train_ratio", "seed"]


def options(page, selector: str) -> list[str]:
    return page.pw.evaluate(f"() => [...document.querySelectorAll({selector!r})].map(o => String(Number(o.value)))")


def shown_sets(page) -> list[str]:
    return page.pw.evaluate("() => [...document.querySelectorAll('.thumb:not([hidden])')].map(b => b.dataset.dataset)")


def test_page_validator_decides_every_shared_case_as_the_engine_does(page, server):
    page.open(server.url)
    results = page.pw.evaluate(RUN_CASES, CASES)
    wrong = []
    for case, got in zip(CASES, results, strict=True):
        if "error" in case:
            ok = got == {"error": case["error"]}
        else:
            ok = "config" in got and {k: got["config"].get(k) for k in case["expect"]} == case["expect"]
        if not ok:
            wrong.append((case["name"], got.get("error") or got.get("crash") or "accepted"))
    assert wrong == []
    assert page.errors == []


def test_drop_downs_offer_the_schema_presets_the_page_always_offered(page, server):
    page.open(server.url + "/?dataset=blobs&learning_rate=0.03")
    for key, values in PRESETS.items():
        assert options(page, f"#topbar-controls [data-key={key}] option, #data-controls [data-key={key}] option") \
            == values, key
    # a valid value off the presets joins its list, in order
    page.pw.goto(server.url + "/?learning_rate=0.05")
    page.wait_live()
    page.wait("n.config.learning_rate === 0.05")  # the link's config follows hello (restore.js)
    assert options(page, "#topbar-controls [data-key=learning_rate] option") == \
        sorted(PRESETS["learning_rate"] + ["0.05"], key=float)
    # side B's drop-downs take the same presets (B copies A's learning rate, off the presets)
    page.pw.locator("#compare-toggle").click()
    page.wait("n.compare.open && n.compare.config && n.compare.config.learning_rate === 0.05")
    assert options(page, "#b-controls [data-key=learning_rate] option") == \
        sorted(PRESETS["learning_rate"] + ["0.05"], key=float)
    for key in ("reg_rate", "batch_size"):
        assert options(page, f"#b-controls [data-key={key}] option") == PRESETS[key], key


def test_problem_switch_brings_the_keys_the_rules_force_and_shows_what_they_allow(page, server):
    page.open(server.url + "/?dataset=blobs&loss=hinge&n_classes=3")
    page.wait("document.querySelectorAll('.thumb').length > 0")
    assert sorted(shown_sets(page)) == sorted(CLASSIFICATION_SETS)
    assert page.pw.get_by_label("Classes", exact=True).is_visible()  # blobs takes a class count
    problem = page.pw.get_by_label("Problem type")
    problem.select_option("regression")
    page.wait("n.config.problem === 'regression'")
    config = page.nnp("config")
    assert (config["dataset"], config["loss"]) == ("plane", "squared")  # the rules' first allowed values
    assert sorted(shown_sets(page)) == sorted(REGRESSION_SETS)
    assert not page.pw.get_by_label("Classes", exact=True).is_visible()
    enabled = page.pw.evaluate("() => [...document.querySelectorAll('#topbar-controls [data-key=loss] option')]"
                               ".filter(o => !o.disabled).map(o => o.value)")
    assert enabled == ["squared"]
    problem.select_option("classification")
    page.wait("n.config.problem === 'classification'")
    assert (page.nnp("config.dataset"), page.nnp("config.loss")) == ("circle", "squared")
    assert sorted(shown_sets(page)) == sorted(CLASSIFICATION_SETS)
    assert page.pw.evaluate("() => [...document.querySelectorAll('#topbar-controls [data-key=loss] option')]"
                            ".every(o => !o.disabled)")
    assert not page.pw.get_by_label("Classes", exact=True).is_visible()  # circle has two classes
    assert page.errors == []


def test_compare_mode_shares_the_keys_whose_change_makes_new_data(page, server):
    page.open(server.url)
    assert page.pw.evaluate("""async () => {
        const m = await import('/static/js/schema.js');
        return m.dataKeys(m.loadSchema().fields);
    }""") == DATA_KEYS
    # B follows A into regression: the problem, A's data set, and the loss regression needs
    page.pw.locator("#compare-toggle").click()
    page.wait("n.compare.open && n.compare.config && n.compare.connection === 'live'")
    page.pw.get_by_label("Loss (B)", exact=True).select_option("hinge")
    page.wait("n.compare.config.loss === 'hinge'")
    page.pw.get_by_label("Problem type").select_option("regression")
    page.wait("n.compare.config.problem === 'regression' && n.compare.config.dataset === 'plane'")
    assert page.nnp("compare.config.loss") == "squared"
    assert page.nnp("config.loss") == "squared"
