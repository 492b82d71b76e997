// Failure states said in words (issue 14): a classifier that diverged, lost a whole layer to dead
// units, paints one flat colour, or sits at chance level for many epochs gets a one-line cause and
// a suggested fix, under the output. Everything is read from what frames carry (metrics, the
// output grid, the loss history); the page does no training maths.

import { t, onLanguage } from "./i18n.js";
import { fmtNum } from "./format.js";

/** Epochs the training loss must stay flat (after the last change) before "stuck" is said. */
export const STUCK_EPOCHS = 50;
const FLAT_LOSS = 0.005;   // relative spread of the loss over those epochs that counts as flat
const CHANCE_MARGIN = 0.05; // accuracy within this of the largest class's share is chance level
const FLAT_Q = 2;           // output grid bytes (0–255) spanning at most this is one flat colour
const END_Q = 25;          // …and within this of 0 or 255 (the colour scale's ends) is saturated

/**
 * True when the uint8 output grid (per class for multiclass) is one flat colour at an end of its
 * scale: the network says the same, with full confidence, everywhere. A flat grid in the middle
 * of the scale is a network that has not learnt yet (sigmoid at 0.03 for its first hundred
 * epochs), not a broken one; if it never moves, "stuck" says so.
 */
export function isSaturated(grid) {
  const [count, size] = grid.shape.length === 3 ? [grid.shape[0], grid.shape[1] * grid.shape[2]] : [1, grid.data.length];
  for (let c = 0; c < count; c++) {
    let lo = 255, hi = 0;
    for (let p = c * size; p < (c + 1) * size; p++) {
      const q = grid.data[p];
      if (q < lo) lo = q;
      if (q > hi) hi = q;
    }
    if (hi - lo > FLAT_Q || (lo > END_Q && hi < 255 - END_Q)) return false;
  }
  return true;
}

/** The share of the largest class among `points` ([x, y, label]), the accuracy of always guessing it. */
export function chanceLevel(points) {
  if (!points?.length) return null;
  const counts = new Map();
  for (const p of points) counts.set(p[2], (counts.get(p[2]) || 0) + 1);
  return Math.max(...counts.values()) / points.length;
}

/**
 * The problems one look at the training shows: a list of {code, params} with code one of
 * "diverged", "dead_layer", "flat_output", "stuck". `losses` are the training losses of the
 * epochs since the last change, oldest first.
 */
export function diagnose({ header, output, losses, chance, learningRate }) {
  const m = header.metrics || {};
  const found = [];
  if (header.diverged || losses.some((v) => v == null || !Number.isFinite(v))) {
    found.push({ code: "diverged", params: { lr: fmtNum((learningRate || 1) / 10) } });
    return found; // nothing else means much once the numbers overflowed
  }
  (m.dead_units || []).forEach((layer, L) => {
    if (layer.length && layer.every(Boolean)) found.push({ code: "dead_layer", params: { layer: L + 1 } });
  });
  if (header.epoch > 0 && output && isSaturated(output)) found.push({ code: "flat_output", params: {} });
  const recent = losses.slice(-STUCK_EPOCHS);
  const acc = m.train_accuracy;
  if (recent.length >= STUCK_EPOCHS && acc != null && chance != null && acc <= chance + CHANCE_MARGIN) {
    const lo = Math.min(...recent), hi = Math.max(...recent);
    if (hi - lo <= FLAT_LOSS * Math.max(hi, 1e-9)) {
      found.push({ code: "stuck", params: { epochs: recent.length, acc: `${(acc * 100).toFixed(0)}%` } });
    }
  }
  return found;
}

/** The box under the output heading that shows what diagnose() found, in the current language. */
export class FailureWatch {
  constructor(el) {
    this.el = el;
    this.version = null;
    this.losses = [];      // training loss per epoch since the last change
    this.lastEpoch = -1;
    this.problems = [];
    this.shownKey = "";
    onLanguage(() => { this.shownKey = ""; this.show(); });
  }

  /** A frame arrived: keep its losses, look again. `context`: {output, points, learningRate}. */
  frame(header, { output, points, learningRate }) {
    // Any accepted change (config, reset, weights edited, new points) starts a new watch.
    if (header.version !== this.version || header.epoch < this.lastEpoch) {
      this.version = header.version;
      this.losses = [];
    }
    for (const [epoch, train] of header.history || []) {
      if (epoch <= this.lastEpoch && this.losses.length) continue;
      this.losses.push(train);
      this.lastEpoch = epoch;
    }
    this.lastEpoch = header.epoch;
    if (this.losses.length > 4 * STUCK_EPOCHS) this.losses.splice(0, this.losses.length - STUCK_EPOCHS);
    this.problems = diagnose({ header, output, losses: this.losses, chance: chanceLevel(points), learningRate });
    this.show();
  }

  show() {
    const key = JSON.stringify(this.problems);
    if (key === this.shownKey) return;
    this.shownKey = key;
    this.el.hidden = !this.problems.length;
    this.el.replaceChildren(...this.problems.map(({ code, params }) => {
      const box = document.createElement("div");
      box.className = `problem ${code === "stuck" ? "warn" : ""}`.trim();
      box.dataset.problem = code;
      const cause = document.createElement("span");
      cause.className = "cause";
      cause.textContent = t(`diag.${code}.cause`, params);
      const fix = document.createElement("span");
      fix.className = "fix";
      fix.textContent = `→ ${t(`diag.${code}.fix`, params)}`;
      box.append(cause, fix);
      return box;
    }));
  }

  /** The codes shown now (the test hook reads them). */
  get codes() {
    return this.problems.map((p) => p.code);
  }
}
