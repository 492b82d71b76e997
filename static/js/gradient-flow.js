// The gradient-flow panel: each layer's mean |∂L/∂W| (the frame header's metrics.grad_norms,
// first hidden layer first, output last) over the epochs, on a log scale, one line per layer.
// A deep sigmoid network shows its first layers' lines far below the output's: the gradient
// vanishes on its way back. Compare mode links A's and B's panels to one shared log axis, so
// their lines can be read against each other.

import uPlot from "../vendor/uplot/dist/uPlot.esm.js";
import { t, onLanguage } from "./i18n.js";
import { fmtNum, onLogAxis } from "./format.js";

const MAX_POINTS = 2000; // beyond this every other point is dropped, so long runs stay cheap
const HEIGHT = 150;
// Light to dark along the network: early layers pale, the output darkest.
const PALETTE = ["#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b", "#252525"];

/** A colour per layer, the output always the darkest. */
export function layerColor(l, count) {
  if (l === count - 1) return PALETTE[PALETTE.length - 1];
  return PALETTE[Math.min(l, PALETTE.length - 2)];
}

export class GradientFlow {
  /** `container`: the panel element; the chart and its caption are built inside it.
   * `headingKey`: its title's string key (compare mode's side B has its own). */
  constructor(container, headingKey = "grad.heading") {
    this.container = container;
    this.headingKey = headingKey;
    this.epochs = [];
    this.layers = []; // one array of values per layer (output last)
    this.dirty = false;
    this.plot = null;
    this.peer = null; // the panel sharing this one's y axis (compare mode), or null
    this.heading = document.createElement("h3");
    this.hint = document.createElement("p");
    this.hint.className = "hint";
    this.box = document.createElement("div");
    this.box.className = "gradient-chart";
    container.append(this.heading, this.hint, this.box);
    new ResizeObserver(() => this.resize()).observe(this.box);
    onLanguage(() => { this.relabel(); this.create(); });
    this.relabel();
    this.create();
  }

  relabel() {
    this.heading.textContent = t(this.headingKey);
    this.hint.textContent = t("grad.hint");
  }

  /** Rebuild the uPlot instance (the number of layers or the language changed). */
  create() {
    this.plot?.destroy();
    const count = this.layers.length;
    const series = [{ label: t("chart.epoch") }];
    for (let l = 0; l < count; l++) {
      series.push({
        label: l === count - 1 ? t("grad.output") : t("grad.layer", { n: l + 1 }),
        stroke: layerColor(l, count), width: 1.5, points: { show: false }, spanGaps: true,
      });
    }
    const opts = {
      width: Math.max(160, this.box.clientWidth || 300),
      height: HEIGHT,
      legend: { show: count > 0, live: false },
      cursor: { drag: { x: false, y: false }, points: { size: 5 } },
      scales: { x: { time: false }, y: { distr: 3, range: (u, lo, hi) => this.yRange(lo, hi) } },
      axes: [
        { size: 24, font: "10px sans-serif", ticks: { size: 3 }, grid: { width: 0.5 } },
        // Powers of ten as 1e-4 rather than uPlot's rounded decimals (which print tiny values as 0).
        { size: 40, font: "10px sans-serif", ticks: { size: 3 }, grid: { width: 0.5 },
          values: (u, vals) => vals.map((v) => (v == null ? "" : fmtNum(v, 1))) },
      ],
      series,
    };
    this.plot = new uPlot(opts, this.columns(), this.box);
    this.plot.root.setAttribute("role", "img");
    this.plot.root.setAttribute("aria-label", t("grad.aria"));
  }

  /** Share the y axis with `other` (and it with this one): both span both panels' values. */
  linkAxis(other) {
    this.peer = other;
    other.peer = this;
  }

  /** Smallest and largest positive value this panel holds, or null. */
  extent() {
    let lo = Infinity, hi = -Infinity;
    for (const vals of this.layers) for (const v of vals) { const y = onLogAxis(v); if (y !== null) { lo = Math.min(lo, y); hi = Math.max(hi, y); } }
    return lo <= hi ? [lo, hi] : null;
  }

  /** The y range: whole powers of ten around this panel's values and, when linked, its peer's. */
  yRange(lo, hi) {
    const own = this.extent(), other = this.peer?.extent();
    const both = [own, other].filter(Boolean);
    if (both.length) [lo, hi] = [Math.min(...both.map((e) => e[0])), Math.max(...both.map((e) => e[1]))];
    if (!(lo > 0) || !(hi > 0)) return [1e-3, 1];
    return uPlot.rangeLog(lo, hi, 10, true);
  }

  /** The shared axis changed (the peer got points): redraw at the next draw(). */
  touch() {
    this.dirty = true;
  }

  columns() {
    // A log scale has no place for 0 (a dead layer): a gap; sizes below LOG_FLOOR rest on it.
    return [this.epochs, ...this.layers.map((vals) => vals.map(onLogAxis))];
  }

  resize() {
    const w = this.box.clientWidth;
    if (this.plot && w && w !== this.plot.width) this.plot.setSize({ width: w, height: HEIGHT });
  }

  /**
   * Take one frame header's gradient norms. An epoch below the last one means training
   * restarted (reset, rebuild): the lines start over. A new layer count rebuilds the chart.
   */
  add(epoch, norms) {
    if (!Array.isArray(norms) || !norms.length || epoch == null) return;
    const last = this.epochs[this.epochs.length - 1];
    if (last !== undefined && epoch < last) this.clear();
    else if (last === epoch && norms.length === this.layers.length) {
      // Another frame of the same epoch (paused mid-epoch, or a weight edited): the line
      // ends at the newest sizes, one point per epoch.
      norms.forEach((v, l) => { this.layers[l][this.layers[l].length - 1] = v; });
      this.dirty = true;
      return;
    }
    if (norms.length !== this.layers.length) {
      this.epochs = [];
      this.layers = norms.map(() => []);
      this.create();
    }
    this.epochs.push(epoch);
    norms.forEach((v, l) => this.layers[l].push(v));
    if (this.epochs.length > MAX_POINTS) {
      const n = this.epochs.length;
      const keep = (_, i) => i % 2 === 0 || i === n - 1;
      this.epochs = this.epochs.filter(keep);
      this.layers = this.layers.map((vals) => vals.filter(keep));
    }
    this.dirty = true;
    this.peer?.touch();
  }

  /** Forget every point (reset or a change that rebuilt the network). */
  clear() {
    this.epochs = [];
    this.layers = this.layers.map(() => []);
    this.dirty = true;
  }

  /** Redraw if points arrived since the last draw (once per animation frame). */
  draw() {
    if (!this.dirty) return;
    this.dirty = false;
    this.plot.setData(this.columns());
  }

  /** The latest value of every layer (tests and the lesson check read it). */
  latest() {
    return this.layers.map((vals) => (vals.length ? vals[vals.length - 1] : null));
  }
}
