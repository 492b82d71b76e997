// The count of weights that are exactly 0 (issue 13): L1's soft-threshold step sets weights to
// exactly zero, the network view draws them dotted, and this line under the losses says how
// many there are, so the L1 lesson's claim can be read off the page.

import { t, onLanguage } from "./i18n.js";

export class ZeroCount {
  /** `el`: the paragraph to fill; hidden while no weight is exactly 0. */
  constructor(el) {
    this.el = el;
    this.count = null; // {zero, total} last shown
    onLanguage(() => this.render());
  }

  /** Show {zero, total} (NetworkView.zeroWeights()); null before weights arrived. */
  show(count) {
    if (count && this.count && count.zero === this.count.zero && count.total === this.count.total) return;
    this.count = count;
    this.render();
  }

  render() {
    if (!this.el) return;
    const c = this.count;
    this.el.hidden = !c || !c.zero;
    if (!this.el.hidden) this.el.textContent = t("network.zero_weights", { n: c.zero, total: c.total });
  }
}
