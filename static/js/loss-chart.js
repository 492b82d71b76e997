// The loss chart: train and test loss per epoch, drawn by uPlot, with a log-scale toggle.
// Points arrive in each frame's `history`; they are appended to columns and uPlot redraws.
// In compare mode a second side (B, the right-hand session) adds its own train/test series,
// dashed; the two sides' epochs are joined on one x axis (uPlot.join leaves the gaps).
// A toggle adds each side's mini-batch losses (a frame header's `batch_losses`, one per training
// step), spread evenly between the frame's epoch and the one before: batch size 1 jitters.

import uPlot from "../vendor/uplot/dist/uPlot.esm.js";
import { t, onLanguage } from "./i18n.js";
import { fmtNum, linearTop, onLogAxis } from "./format.js";

const MAX_POINTS = 4000; // thin out older points beyond this, so a long run stays cheap to draw
const MAX_BATCH_POINTS = 8000; // the same for the mini-batch losses (every other one kept beyond)

/** One side's losses as uPlot columns: epochs, train, test. */
class LossHistory {
  constructor() {
    this.clear();
  }

  clear() {
    this.epochs = [];
    this.train = [];
    this.test = [];
    this.batchX = []; // fractional epochs of the mini-batch steps
    this.batch = [];
    this.batchEpoch = null; // the epoch of the frame that brought the last steps
  }

  /** Append one frame's mini-batch losses, the steps between the previous frame's epoch and `epoch`. */
  appendBatches(epoch, losses) {
    if (this.batchEpoch !== null && epoch < this.batchEpoch) { this.batchX = []; this.batch = []; }
    const from = this.batchEpoch ?? epoch - 1;
    this.batchEpoch = epoch;
    if (!losses?.length) return;
    const span = Math.max(0, epoch - from);
    losses.forEach((loss, k) => {
      this.batchX.push(span ? from + (span * (k + 1)) / losses.length : epoch);
      this.batch.push(loss);
    });
    if (this.batch.length > MAX_BATCH_POINTS) {
      const keep = (_, i) => i % 2 === 0;
      this.batchX = this.batchX.filter(keep);
      this.batch = this.batch.filter(keep);
    }
  }

  /** Append [epoch, train, test] points; a smaller epoch than the last means training restarted. */
  append(history) {
    for (const [epoch, train, test] of history) {
      const last = this.epochs[this.epochs.length - 1];
      if (last !== undefined && epoch <= last) this.clear();
      this.epochs.push(epoch);
      this.train.push(train);
      this.test.push(test);
    }
    if (this.epochs.length > MAX_POINTS) {
      const keep = (_, i) => i % 2 === 0 || i === this.epochs.length - 1;
      this.epochs = this.epochs.filter(keep);
      this.train = this.train.filter(keep);
      this.test = this.test.filter(keep);
    }
  }

  /** [epochs, train, test], joined with [steps, mini-batch loss] when `batches`. */
  columns(batches) {
    const cols = [this.epochs, this.train, this.test];
    if (!batches) return cols;
    // x values must rise strictly for uPlot.join: a step at a whole epoch shares its x
    return uPlot.join([cols, [this.batchX, this.batch]]);
  }

  /** Drop the points after `epoch` (a resumed run trains them again). */
  keepUpTo(epoch) {
    let n = this.epochs.length;
    while (n && this.epochs[n - 1] > epoch) n -= 1;
    this.epochs.length = this.train.length = this.test.length = n;
  }
}

export class LossChart {
  /** `key`: an element for the chart's key (which line is which); optional. `batchToggle`: the
   * checkbox that adds the mini-batch losses; optional. */
  constructor(container, logToggle, key = null, batchToggle = null) {
    this.container = container;
    this.key = key;
    this.logToggle = logToggle;
    this.batchToggle = batchToggle;
    this.a = new LossHistory();
    this.b = null; // compare mode: side B's LossHistory, else null
    this.dirty = false;
    this.plot = null;
    this.create();
    logToggle.addEventListener("change", () => this.create());
    batchToggle?.addEventListener("change", () => this.create());
    new ResizeObserver(() => this.resize()).observe(container);
    onLanguage(() => this.create());
  }

  create() {
    this.plot?.destroy();
    const log = this.logToggle.checked;
    const opts = {
      width: Math.max(120, this.container.clientWidth),
      height: 110,
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { size: 5 } },
      scales: { x: { time: false }, y: log ? { distr: 3 } : { range: (u, lo, hi) => [0, linearTop(hi)] } },
      // No tick labels before the first epoch: an empty chart's made-up range ("0.001, 0.001, 0")
      // reads as data. Numbers go through fmtNum like every number on the page.
      axes: [
        { size: 24, font: "10px sans-serif", ticks: { size: 3 }, grid: { width: 0.5 }, values: (u, vals) => this.tickLabels(0, vals, 3) },
        { size: 40, font: "10px sans-serif", ticks: { size: 3 }, grid: { width: 0.5 }, values: (u, vals) => this.tickLabels(1, vals, 2) },
      ],
      plugins: this.plugins || [],
      series: [
        { label: t("chart.epoch") },
        { label: t("chart.train"), stroke: "#777", width: 1.5, points: { show: false } },
        { label: t("chart.test"), stroke: "#0877bd", width: 1.5, points: { show: false } },
      ],
    };
    const side = this.b ? "A" : "";
    if (this.b) {
      opts.series[1].label = t("compare.chart_train", { side: "A" });
      opts.series[2].label = t("compare.chart_test", { side: "A" });
    }
    // Mini-batch losses: thin and pale, under nothing else's colour (purple A, green B).
    const batch = (label, stroke) => ({ label, stroke, width: 0.75, points: { show: false }, spanGaps: true });
    if (this.batches) opts.series.push(batch(t("chart.batch", { side }).trim(), "rgba(130, 80, 200, .55)"));
    if (this.b) {
      opts.series.push(
        { label: t("compare.chart_train", { side: "B" }), stroke: "#777", dash: [5, 4], width: 1.5, points: { show: false } },
        { label: t("compare.chart_test", { side: "B" }), stroke: "#e8710a", dash: [5, 4], width: 1.5, points: { show: false } },
      );
      if (this.batches) opts.series.push(batch(t("chart.batch", { side: "B" }), "rgba(40, 150, 90, .55)"));
    }
    this.plot = new uPlot(opts, this.columns(), this.container);
    this.showKey(opts.series.slice(1));
    this.plot.root.setAttribute("aria-label", t(this.b ? "compare.chart_aria" : "chart.aria"));
    this.plot.root.setAttribute("role", "img");
  }

  /** The tick labels of axis `axis` (0: epochs, 1: loss), kept for the test hook as drawn. */
  tickLabels(axis, values, digits) {
    const labels = values.map((v) => (this.empty ? "" : fmtNum(v, digits)));
    (this.ticks ||= [[], []])[axis] = labels;
    return labels;
  }

  /** True while no side has a point to draw. */
  get empty() {
    return !this.a.epochs.length && !this.b?.epochs.length;
  }

  /** The key under the chart: a short line in each series' colour and dash, with its name. */
  showKey(series) {
    if (!this.key) return;
    this.key.replaceChildren(...series.map((s) => {
      const item = document.createElement("span");
      const line = document.createElement("span");
      line.className = s.dash ? "key-line dashed" : "key-line";
      line.style.setProperty("--c", s.stroke);
      item.append(line, s.label);
      return item;
    }));
  }

  /** True while the mini-batch losses are asked for. */
  get batches() {
    return !!this.batchToggle?.checked;
  }

  columns() {
    let cols = this.a.columns(this.batches);
    // Both sides on one x axis; an epoch only one side has is `undefined` on the other, which
    // uPlot bridges, while a null (a diverged loss) stays a gap.
    if (this.b) cols = uPlot.join([cols, this.b.columns(this.batches)]);
    // uPlot's log scale cannot show zero or negative values (gaps there) nor reach below LOG_FLOOR.
    if (!this.logToggle.checked) return cols;
    const pos = (v) => (v === undefined ? undefined : onLogAxis(v));
    return [cols[0], ...cols.slice(1).map((c) => c.map(pos))];
  }

  resize() {
    const w = this.container.clientWidth;
    if (this.plot && w && w !== this.plot.width) this.plot.setSize({ width: w, height: 110 });
  }

  /** Append side A's [epoch, train, test] points (a frame's history) and, when the header of
   * the frame is given, its mini-batch losses. */
  append(history, header = null) {
    this.a.append(history);
    if (header) this.a.appendBatches(header.epoch, header.batch_losses);
    if (history.length || header?.batch_losses?.length) this.dirty = true;
  }

  clear() {
    this.a.clear();
    this.dirty = true;
  }

  /** A side's points as [epoch, train, test] (what a resumed run hands the server back). */
  points(side = "a") {
    const h = this[side];
    return h ? h.epochs.map((e, i) => [e, h.train[i], h.test[i]]) : [];
  }

  /** Drop a side's points after `epoch`. */
  keepUpTo(epoch, side = "a") {
    this[side]?.keepUpTo(epoch);
    this.dirty = true;
  }

  /** The epochs side A's curves hold. */
  get epochs() {
    return this.a.epochs;
  }

  /** Redraw if points arrived since the last draw (called once per animation frame). */
  draw() {
    if (!this.dirty) return;
    this.dirty = false;
    this.plot.setData(this.columns());
    if (this.empty) this.plot.redraw(false, true); // blank the tick labels of a cleared chart
  }

  /** Compare mode on or off: side B's series are added (empty) or removed. */
  setCompare(on) {
    if (on === (this.b !== null)) return;
    this.b = on ? new LossHistory() : null;
    this.create();
  }

  /** Append side B's [epoch, train, test] points (compare mode), like append() for side A. */
  appendB(history, header = null) {
    if (!this.b) return;
    this.b.append(history);
    if (header) this.b.appendBatches(header.epoch, header.batch_losses);
    if (history.length || header?.batch_losses?.length) this.dirty = true;
  }

  clearB() {
    if (!this.b) return;
    this.b.clear();
    this.dirty = true;
  }

  /** The mini-batch losses held: {a: [...], b: [...] | null} (tests count its ups and downs). */
  get batchLosses() {
    return { a: this.a.batch, b: this.b?.batch ?? null };
  }

  /** Number of loss series drawn (2, or 4 in compare mode; one more per side with mini-batches). */
  get seriesCount() {
    return this.plot.series.length - 1;
  }

  /** Add a uPlot plugin (e.g. the early-stopping marker); it survives the chart's re-creation. */
  addPlugin(plugin) {
    (this.plugins ||= []).push(plugin);
    this.create();
  }
}
