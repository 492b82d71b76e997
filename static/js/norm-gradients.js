// Under the gradient-flow chart: with normalization on, each hidden layer's mean |∂L/∂γ| and
// |∂L/∂β| (its learned scale and shift) of the last step, as frames carry them
// (metrics.norm_grad_norms). Hidden without normalization.

import { t } from "./i18n.js";
import { fmtNum } from "./format.js";

export class NormGradients {
  /** Builds its line at the end of `container` (the gradient-flow panel). */
  constructor(container) {
    this.el = document.createElement("p");
    this.el.className = "hint norm-gradients";
    this.el.hidden = true;
    container.append(this.el);
  }

  /** Show `pairs` ([[mean |dγ|, mean |dβ|] per hidden layer]); hide for none. */
  show(pairs) {
    this.el.hidden = !Array.isArray(pairs) || !pairs.length;
    if (this.el.hidden) return;
    const layers = pairs.map(([scale, shift], l) =>
      `${t("grad.layer", { n: l + 1 })}: γ ${fmtNum(scale, 2)} · β ${fmtNum(shift, 2)}`);
    this.el.textContent = `${t("grad.norm_params")} ${layers.join("; ")}`;
  }
}
