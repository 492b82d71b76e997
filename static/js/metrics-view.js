// The numbers under an output plot: losses, accuracies (per class for 3–5 classes) and the
// fraction of dead units, as a frame's `metrics` carries them. Side A and compare mode's
// side B show the same numbers the same way.

import { fmtFixed } from "./format.js";

/** A loss as the Playground prints it (three decimals; huge ones as a × 10ⁿ), "—" when there is none. */
export const fmtLoss = (v) => (v == null || !Number.isFinite(v) ? "—" : fmtFixed(v, 3));
/** A fraction in [0, 1] as a percentage with one decimal, or "—". */
export const fmtAcc = (v) => (v == null ? "—" : `${(v * 100).toFixed(1)}%`);

/**
 * Fill the elements that exist in `els` ({testLoss, trainLoss, accRow, testAcc, trainAcc,
 * classAcc, deadRow, deadFraction}) from metrics `m`; `className(k)` names class k.
 */
export function showMetrics(els, m, className = (k) => String(k + 1)) {
  const set = (el, text) => { if (el) el.textContent = text; };
  set(els.testLoss, fmtLoss(m.test_loss));
  set(els.trainLoss, fmtLoss(m.train_loss));
  const hasAcc = m.test_accuracy != null;
  if (els.accRow) els.accRow.hidden = !hasAcc;
  if (hasAcc) {
    set(els.testAcc, fmtAcc(m.test_accuracy));
    set(els.trainAcc, fmtAcc(m.train_accuracy));
  }
  if (els.classAcc) {
    const classes = m.class_accuracy && m.class_accuracy.length > 2 ? m.class_accuracy : null;
    els.classAcc.hidden = !classes;
    if (classes) els.classAcc.textContent = classes.map((a, k) => `${className(k)} ${fmtAcc(a)}`).join(" · ");
  }
  if (els.deadRow) {
    const dead = m.dead_fraction;
    els.deadRow.hidden = !dead;
    if (dead) set(els.deadFraction, `${(dead * 100).toFixed(0)}%`);
  }
}
