// One activation's curves, f and its derivative f′ over [−6, 6] with f′'s peak marked, drawn into
// a box of a canvas. The small plot in the top bar (activation-plot.js) and each panel of the
// large view (activation-large.js) both draw with this; they differ only in size and what they
// add around the curves (a scale line; a frame, ticks and labels).

export const F_COLOR = "#f59322";  // f(x): the page's orange
export const DF_COLOR = "#0877bd"; // f′(x): the page's blue

/** The y-range that shows both curves, always with 0 and 1 (so sigmoid's 0.25 peak reads as a quarter). */
export function plotRange(curve) {
  let lo = 0;
  let hi = 1;
  for (const v of curve.y.concat(curve.dy)) {
    if (!Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const pad = (hi - lo) * 0.06;
  return [lo - pad, hi + pad];
}

/**
 * The mapping of `curve` onto the box {left, top, right, bottom} (canvas pixels): px(x) and py(y),
 * the x- and y-ranges it shows, and the box itself.
 */
export function curveScale(curve, box) {
  const [x0, x1] = [curve.x[0], curve.x[curve.x.length - 1]];
  const [lo, hi] = plotRange(curve);
  const px = (x) => box.left + ((x - x0) / (x1 - x0)) * (box.right - box.left);
  const py = (y) => box.bottom - ((y - lo) / (hi - lo)) * (box.bottom - box.top);
  return { px, py, lo, hi, x0, x1, box };
}

/** Draw the axes through the origin across the box of `scale` (from curveScale), in `color`. */
export function drawAxes(ctx, scale, color) {
  const { px, py, box } = scale;
  ctx.lineWidth = 1;
  ctx.strokeStyle = color;
  ctx.beginPath();
  ctx.moveTo(box.left, py(0)); ctx.lineTo(box.right, py(0));
  ctx.moveTo(px(0), box.top); ctx.lineTo(px(0), box.bottom);
  ctx.stroke();
}

/**
 * Draw f and f′ (`lineWidth`) and a dot of radius `dot` on f′'s peak, with the scale from
 * curveScale. Returns the peak value of f′.
 */
export function drawCurves(ctx, curve, scale, { lineWidth, dot }) {
  const { px, py } = scale;
  const line = (ys, color) => {
    ctx.strokeStyle = color;
    ctx.lineWidth = lineWidth;
    ctx.beginPath();
    ys.forEach((y, i) => (i ? ctx.lineTo(px(curve.x[i]), py(y)) : ctx.moveTo(px(curve.x[i]), py(y))));
    ctx.stroke();
  };
  line(curve.y, F_COLOR);
  line(curve.dy, DF_COLOR);
  // f′'s peak: sigmoid's 0.25 is the vanishing-gradient lesson's number.
  let best = 0;
  curve.dy.forEach((v, i) => { if (v > curve.dy[best]) best = i; });
  const peak = curve.dy[best];
  ctx.fillStyle = DF_COLOR;
  ctx.beginPath();
  ctx.arc(px(curve.x[best]), py(peak), dot, 0, 2 * Math.PI);
  ctx.fill();
  return peak;
}
