// The OUTPUT column's plane: the large heatmap of the model's output (or of a hovered unit
// or feature), the data points over it, the colour legend, and the show-test / discretize
// toggles. Points live on their own canvas, redrawn only when the data or the view changes.

import { CLASS_COLORS, css, diverging, pointColor } from "./colors.js";
import { drawGrid, drawOutput } from "./heatmap.js";
import { t, onLanguage } from "./i18n.js";
import { fmtNum } from "./format.js";

const EXTENT = 6; // the plane is [-6, 6]²; row 0 of every grid is y = +6

export class OutputPanel {
  /** els: {heatmap, points, legend, caption, showTest, discretize} elements from the page. */
  constructor(els) {
    this.els = els;
    this.data = null;
    this.output = null;
    this.kind = "binary";
    this.hover = null;
    this.legendKey = "";
    this.classNames = null; // names from an uploaded CSV, else classes are numbered
    /** Set by data-editing features: called with (x, y, event) for a click on the plane. */
    this.onPlaneClick = null;
    els.showTest.addEventListener("change", () => this.drawPoints());
    els.discretize.addEventListener("change", () => this.draw());
    els.points.addEventListener("click", (ev) => this.onPlaneClick?.(...this.planeAt(ev), ev));
    new ResizeObserver(() => this.drawPoints()).observe(els.points);
    onLanguage(() => { this.legendKey = ""; this.draw(); });
  }

  /** Plane coordinates [x, y] of a pointer event on the plot. */
  planeAt(ev) {
    const r = this.els.points.getBoundingClientRect();
    return [((ev.clientX - r.left) / r.width) * 2 * EXTENT - EXTENT, EXTENT - ((ev.clientY - r.top) / r.height) * 2 * EXTENT];
  }

  /** Label the legend's classes with these names (null: "Class 1", "Class 2", …). */
  setClassNames(names) {
    this.classNames = names;
    this.legendKey = "";
    this.draw();
  }

  className(k) {
    return this.classNames?.[k] ?? t("output.class", { n: k + 1 });
  }

  setData(msg) {
    this.data = msg;
    this.drawPoints();
  }

  /** Keep the latest output grid (drawn by draw()). */
  setFrame(frame) {
    if (frame.arrays.output) {
      this.output = frame.arrays.output;
      this.kind = frame.header.output_kind;
    }
  }

  /** Show a unit or feature instead of the output while it is hovered (null: the output). */
  setHover(target, grid) {
    this.hover = target ? { target, grid } : null;
    this.draw();
  }

  draw() {
    const canvas = this.els.heatmap;
    const discrete = this.els.discretize.checked;
    if (this.hover?.grid) {
      const { target, grid } = this.hover;
      drawGrid(canvas, grid, target.kind === "unit" ? target.index : 0);
      this.els.caption.textContent = target.kind === "unit"
        ? t("output.showing_unit", { layer: target.layer + 1, n: target.j + 1 })
        : t("output.showing_feature", { name: target.label || target.name });
      this.els.caption.hidden = false;
      const [lo, hi] = grid.range || [grid.lo, grid.hi]; // a feature's own range (features-panel.js)
      this.drawLegend("diverging", lo, hi);
      return;
    }
    this.els.caption.hidden = true;
    if (!this.output) return;
    drawOutput(canvas, this.output, this.kind, discrete);
    this.drawLegend(this.kind, this.output.lo, this.output.hi);
  }

  drawPoints() {
    const canvas = this.els.points;
    const size = canvas.clientWidth;
    if (!size) return;
    const ratio = window.devicePixelRatio || 1;
    canvas.width = canvas.height = Math.round(size * ratio);
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, size, size);
    if (!this.data) return;
    const scale = size / (2 * EXTENT);
    const radius = size > 250 ? 3.5 : 2.5;
    const draw = (points, stroke) => {
      ctx.strokeStyle = stroke;
      ctx.lineWidth = 1;
      for (const [x, y, label] of points) {
        ctx.beginPath();
        ctx.arc((x + EXTENT) * scale, (EXTENT - y) * scale, radius, 0, 2 * Math.PI);
        ctx.fillStyle = pointColor(label, this.data.problem);
        ctx.fill();
        ctx.stroke();
      }
    };
    draw(this.data.train, "#fff");
    if (this.els.showTest.checked) draw(this.data.test, "#000");
  }

  /** The colour key a figure of the output needs (figure.js): the classes, or the value range. */
  figureKey() {
    if (this.kind === "regression" && this.output) {
      return { kind: "range", lo: this.output.lo, hi: this.output.hi, label: t("output.legend_value") };
    }
    const k = this.output?.shape.length === 3 ? this.output.shape[0] : 2;
    return { kind: "classes", names: Array.from({ length: k }, (_, c) => this.className(c)), colors: CLASS_COLORS.slice(0, k) };
  }

  /** The colour legend: a gradient with its range, or one swatch per class. */
  drawLegend(kind, lo, hi) {
    const k = this.output?.shape.length === 3 ? this.output.shape[0] : 2;
    const key = `${kind}|${lo}|${hi}|${k}|${this.classNames}`;
    if (key === this.legendKey) return;
    this.legendKey = key;
    const legend = this.els.legend;
    legend.replaceChildren();
    if (kind === "multiclass") {
      for (let c = 0; c < k; c++) {
        const item = document.createElement("span");
        item.className = "swatch";
        item.style.setProperty("--c", css(CLASS_COLORS[c]));
        item.textContent = this.className(c);
        legend.append(item);
      }
      return;
    }
    const bar = document.createElement("canvas");
    bar.className = "legend-bar";
    bar.width = 128;
    bar.height = 1;
    const ctx = bar.getContext("2d");
    const span = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
    for (let x = 0; x < 128; x++) {
      ctx.fillStyle = css(diverging((lo + (x / 127) * (hi - lo)) / span));
      ctx.fillRect(x, 0, 1, 1);
    }
    const low = document.createElement("span");
    low.textContent = fmtNum(lo, 2);
    const high = document.createElement("span");
    high.textContent = fmtNum(hi, 2);
    const desc = document.createElement("span");
    desc.className = "legend-text";
    desc.textContent = kind !== "binary" ? t("output.legend_value")
      : this.classNames ? t("output.legend_binary_named", { a: this.className(0), b: this.className(1) })
        : t("output.legend_binary");
    legend.append(low, bar, high, desc);
  }
}
