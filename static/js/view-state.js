// The view switches a shared link must reproduce besides the config (issue 14): show test data,
// discretize output, log scale, presentation mode. They live in the URL as `key=1` next to the
// config's keys; readUrl (state.js) leaves them to this module.

/** URL keys that are view switches, not config keys. */
export const VIEW_KEYS = ["show_test", "discretize", "log_scale", "present"];

export class ViewState {
  /** `onChange()` is called after the user flips a switch (main.js then rewrites the URL). */
  constructor(onChange) {
    this.onChange = onChange;
    this.switches = new Map(); // key -> {get(), set(on)}
  }

  /** A switch kept by a checkbox: setting it fires `change`, so its own listeners redraw. */
  addCheckbox(key, input) {
    this.add(key, () => input.checked, (on) => {
      if (input.checked === on) return;
      input.checked = on;
      input.dispatchEvent(new Event("change"));
    });
    input.addEventListener("change", () => this.onChange());
  }

  add(key, get, set) {
    this.switches.set(key, { get, set });
  }

  /** Apply the switches in `search` (location.search): "1"/"true" is on, anything else off. */
  read(search = location.search) {
    const params = new URLSearchParams(search);
    for (const [key, sw] of this.switches) {
      if (params.has(key)) sw.set(["1", "true", "on"].includes(params.get(key)));
    }
  }

  /** The query part for the switches that are on ("&show_test=1&present=1"; "" when none). */
  search() {
    let out = "";
    for (const [key, sw] of this.switches) if (sw.get()) out += `&${key}=1`;
    return out;
  }
}
