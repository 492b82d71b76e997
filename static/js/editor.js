// A small popover to type a new weight or bias (sent as set_weight / set_bias), and the
// card that shows a link's weight or a bias on hover (as the TensorFlow Playground does).

import { t } from "./i18n.js";
import { fmtNum } from "./format.js";

export class ValueEditor {
  constructor(root, onSubmit) {
    this.onSubmit = onSubmit;
    this.el = document.createElement("form");
    this.el.className = "popover editor";
    this.el.hidden = true;
    this.label = document.createElement("label");
    this.input = document.createElement("input");
    this.input.type = "number";
    this.input.step = "any";
    this.input.id = "value-editor-input";
    this.label.htmlFor = this.input.id;
    this.error = document.createElement("div");
    this.error.className = "field-error";
    this.error.setAttribute("role", "alert");
    this.el.append(this.label, this.input, this.error);
    root.append(this.el);
    this.el.addEventListener("submit", (ev) => { ev.preventDefault(); this.submit(); });
    this.input.addEventListener("keydown", (ev) => { if (ev.key === "Escape") this.close(); });
    // Close when focus leaves, unless the editor was reopened for another target meanwhile.
    this.input.addEventListener("blur", () => {
      const target = this.target;
      setTimeout(() => { if (this.target === target && document.activeElement !== this.input) this.close(); }, 150);
    });
    this.tip = document.createElement("div");
    this.tip.className = "popover tooltip value-card";
    this.tip.setAttribute("role", "tooltip");
    this.tip.hidden = true;
    root.append(this.tip);
  }

  /** Open for target {kind: "weight" | "bias", layer, i?, j, value, anchor, side?, send?}: a
   * target with its own `send` (compare mode's side B) gets the edit, else onSubmit. */
  open(target) {
    this.target = target;
    this.tip.hidden = true;
    this.label.textContent = target.kind === "weight"
      ? t("edit.weight", { layer: target.layer + 1, i: target.i + 1, j: target.j + 1 })
      : t("edit.bias", { layer: target.layer + 1, n: target.j + 1 });
    if (target.side) this.label.textContent += ` (${target.side})`;
    this.input.value = Number(target.value.toFixed(4));
    this.error.hidden = true;
    this.place(this.el, target.anchor.getBoundingClientRect());
    this.el.hidden = false;
    this.input.focus();
    this.input.select();
  }

  submit() {
    const value = Number(this.input.value);
    if (this.input.value.trim() === "" || !Number.isFinite(value)) {
      this.error.textContent = t("edit.bad_number");
      this.error.hidden = false;
      return;
    }
    const { kind, layer, i, j } = this.target;
    (this.target.send || this.onSubmit)(kind === "weight" ? { type: "set_weight", layer, i, j, value } : { type: "set_bias", layer, j, value });
    this.close();
  }

  close() {
    this.el.hidden = true;
  }

  /** Show the card of a weight or bias ({kind, name, value}) next to the pointer; null hides it. */
  showCard(item, ev) {
    if (!item) { this.tip.hidden = true; return; }
    const title = document.createElement("div");
    const value = document.createElement("strong");
    value.textContent = fmtNum(item.value, 3);
    title.append(`${t(item.kind === "weight" ? "card.weight" : "card.bias")} `, value);
    const name = document.createElement("div");
    name.textContent = item.name;
    const hint = document.createElement("div");
    hint.className = "hint";
    hint.textContent = t("card.click");
    this.tip.replaceChildren(title, name, hint);
    this.tip.hidden = false;
    // position: fixed, beside the pointer, kept inside the window (a link near the right edge)
    const { width, height } = this.tip.getBoundingClientRect();
    this.tip.style.left = `${Math.max(4, Math.min(ev.clientX + 12, window.innerWidth - width - 8))}px`;
    this.tip.style.top = `${Math.max(4, Math.min(ev.clientY + 12, window.innerHeight - height - 8))}px`;
  }

  place(el, rect) {
    el.style.left = `${Math.min(window.innerWidth - 200, rect.left) + window.scrollX}px`;
    el.style.top = `${rect.bottom + 4 + window.scrollY}px`;
  }
}
