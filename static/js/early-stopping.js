// Early stopping on the page: the session key `early_stopping` (patience in epochs, 0 = off)
// as a number control under the loss chart, the best epoch so far as text and as a marker on
// the loss chart, and a note when the server paused training because the test loss stopped
// improving. The server keeps the tracker; the page only shows what the frame header says.

import { t, onLanguage } from "./i18n.js";
import { fmtLoss } from "./metrics-view.js";

const MARKER_COLOR = "#2e7d32";
const bestEpoch = (state) => state?.best_epoch ?? null;

export class EarlyStopping {
  /**
   * `container`: where the control, the best-epoch text and the note go; `controls`: the
   * page's Controls (builds the number input from the schema); `chart`: the LossChart.
   */
  constructor(container, controls, chart) {
    this.container = container;
    this.state = null;       // header.early_stopping of the latest frame (null when off)
    this.stateB = null;      // the same for compare mode's side B
    this.stoppedAt = null;   // epoch of the last pause for early stopping, while it is shown
    this.marker = null;      // {epoch, x} of the marker last drawn on the chart (tests read it)
    this.markerB = null;
    this.chartPlot = null;
    this.entry = controls.add(container, "early_stopping", { widget: "number" });
    this.best = document.createElement("p");
    this.best.className = "hint es-best";
    this.note = document.createElement("p");
    this.note.className = "es-note";
    this.note.setAttribute("role", "status");
    this.note.hidden = true;
    container.append(this.best, this.note);
    chart.addPlugin(this.plugin());
    onLanguage(() => this.relabel());
    this.relabel();
  }

  /** A uPlot plugin drawing a vertical line labelled "best" at the best epoch. */
  plugin() {
    return {
      hooks: {
        init: (u) => { this.chartPlot = u; },
        destroy: (u) => { if (this.chartPlot === u) this.chartPlot = null; },
        draw: (u) => this.drawMarker(u),
      },
    };
  }

  drawMarker(u) {
    this.marker = this.drawLine(u, this.state?.best_epoch, t("es.best_marker"));
    this.markerB = this.drawLine(u, this.stateB?.best_epoch, t("es.best_marker_b"), [1, 3]);
  }

  /** A dashed vertical line with `label` at `epoch`, if the chart shows it; returns {epoch, x}. */
  drawLine(u, epoch, label, dash = [4, 3]) {
    const xs = u.data[0];
    if (epoch == null || !xs.length || epoch < xs[0] || epoch > xs[xs.length - 1]) return null;
    const x = Math.round(u.valToPos(epoch, "x", true));
    const { top, height } = u.bbox;
    const ctx = u.ctx;
    const ratio = window.devicePixelRatio || 1;
    ctx.save();
    ctx.strokeStyle = MARKER_COLOR;
    ctx.lineWidth = 1.5 * ratio;
    ctx.setLineDash(dash.map((d) => d * ratio));
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, top + height);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = MARKER_COLOR;
    ctx.font = `${10 * ratio}px sans-serif`;
    ctx.textAlign = "left"; // uPlot leaves its axes' alignment on the context
    ctx.textBaseline = "alphabetic";
    const w = ctx.measureText(label).width;
    // Keep the label inside the plot: to the left of the line when it is near the right edge.
    const left = x + 3 * ratio + w > u.bbox.left + u.bbox.width ? x - 3 * ratio - w : x + 3 * ratio;
    ctx.fillText(label, left, top + (dash[0] === 4 ? 10 : 22) * ratio); // B's label below A's
    ctx.restore();
    return { epoch, x: x / ratio };
  }

  /** Take the frame header's early_stopping state; redraw the marker when it moved. */
  frame(header) {
    if (!("early_stopping" in header)) return;
    const next = header.early_stopping || null;
    const moved = bestEpoch(next) !== bestEpoch(this.state);
    this.state = next;
    if (moved) {
      this.chartPlot?.redraw(false, false);
      this.relabel();
    }
  }

  /** Side B's frame header (compare mode): its best epoch gets a marker of its own. */
  frameB(header) {
    const next = header.early_stopping || null;
    const moved = bestEpoch(next) !== bestEpoch(this.stateB);
    this.stateB = next;
    if (moved) this.chartPlot?.redraw(false, false);
  }

  /** Side B restarted or closed: its marker goes. */
  clearB() {
    this.stateB = null;
    this.chartPlot?.redraw(false, false);
  }

  /** A state message: the pause reason "early_stopping" gets a note until training goes on. */
  onState(msg) {
    if (msg.reason === "early_stopping") this.stoppedAt = msg.epoch ?? null;
    else if (msg.state === "playing") this.stoppedAt = null;
    this.relabel();
  }

  /** Training restarted (reset, rebuild): the old best epoch and note no longer apply. */
  clear() {
    this.stoppedAt = null;
    if (this.state) this.state = { ...this.state, best_epoch: null, best_loss: null, stopped: false };
    this.chartPlot?.redraw(false, false);
    this.relabel();
  }

  relabel() {
    const s = this.state;
    this.best.hidden = !s || s.best_epoch == null;
    if (!this.best.hidden) {
      const loss = fmtLoss(s.best_loss);
      this.best.textContent = t("es.best", { epoch: s.best_epoch, loss });
    }
    this.note.hidden = this.stoppedAt == null;
    if (!this.note.hidden) {
      this.note.textContent = t("es.stopped", {
        epoch: this.stoppedAt, patience: s?.patience ?? "?", best: s?.best_epoch ?? "?",
      });
    }
  }
}
