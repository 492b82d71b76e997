// The view switches a shared link must reproduce besides the config (issue 14): show test data,
// discretize output, log scale, mini-batch losses, presentation mode, and which side compare mode
// shows on a small screen. They live in the URL as `key=1` (or `side=b`) next to the config's
// keys; readUrl (state.js) leaves them to this module.

/** URL keys that are view switches, not config keys. */
export const VIEW_KEYS = ["show_test", "discretize", "log_scale", "batch_loss", "present", "side"];

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

  /** A switch of several values (`choices`, the first the default, left out of the URL). */
  addChoice(key, choices, get, set) {
    this.switches.set(key, { get, set, choices });
  }

  /** Apply the switches in `search` (location.search): "1"/"true" is on, anything else off;
   * a choice takes its value when it is one of its choices, else its default. */
  read(search = location.search) {
    const params = new URLSearchParams(search);
    for (const [key, sw] of this.switches) {
      if (!params.has(key)) continue;
      const value = params.get(key);
      if (sw.choices) sw.set(sw.choices.includes(value) ? value : sw.choices[0]);
      else sw.set(["1", "true", "on"].includes(value));
    }
  }

  /** The query part for the switches that are on ("&show_test=1&side=b"; "" when none). */
  search() {
    let out = "";
    for (const [key, sw] of this.switches) {
      const value = sw.get();
      if (sw.choices) { if (value !== sw.choices[0]) out += `&${key}=${encodeURIComponent(value)}`; }
      else if (value) out += `&${key}=1`;
    }
    return out;
  }
}
