// Compare mode's "A | B | both" switch (issue 13): on a wide screen both sides stand side by
// side; on a smaller one the switch shows one side whole, or both stacked. The choice is a
// class on <body> (compare.css does the layout) and a view switch in the URL (`side=a`).

import { t, onLanguage } from "./i18n.js";

/** The switch's values; the first is the default. */
export const SIDES = ["both", "a", "b"];

export class SideSwitch {
  /** `group`: the element holding the buttons; `onChange()` after the user picked a side. */
  constructor(group, onChange) {
    this.group = group;
    this.onChange = onChange;
    this.value = SIDES[0];
    this.buttons = SIDES.map((side) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "text-button";
      b.dataset.side = side;
      b.addEventListener("click", () => { this.set(side); this.onChange(); });
      return b;
    });
    group.append(...this.buttons);
    onLanguage(() => this.relabel());
    this.relabel();
    this.set(this.value);
  }

  /** Show `side` ("both", "a" or "b"). */
  set(side) {
    this.value = SIDES.includes(side) ? side : SIDES[0];
    document.body.dataset.show = this.value;
    for (const b of this.buttons) b.setAttribute("aria-pressed", String(b.dataset.side === this.value));
  }

  /** Compare mode opened or closed: the switch is offered only while comparing. */
  open(on) {
    this.group.hidden = !on;
  }

  relabel() {
    for (const b of this.buttons) b.textContent = t(`compare.show_${b.dataset.side}`);
    this.group.setAttribute("aria-label", t("compare.show"));
  }
}
