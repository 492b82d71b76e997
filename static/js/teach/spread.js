// The class's spread of test losses: one tick per student on a log scale, the median marked.

/** Draw `losses` (numbers; nulls skipped) into `canvas`. */
export function drawSpread(canvas, losses) {
  const ctx = canvas.getContext("2d");
  const { width: w, height: h } = canvas;
  ctx.clearRect(0, 0, w, h);
  const values = losses.filter((v) => v != null && Number.isFinite(v) && v > 0).sort((a, b) => a - b);
  if (!values.length) return;
  const lo = Math.log10(values[0]) - 0.1;
  const hi = Math.log10(values[values.length - 1]) + 0.1;
  const x = (v) => 8 + ((Math.log10(v) - lo) / (hi - lo || 1)) * (w - 16);
  ctx.strokeStyle = "#0877bd";
  ctx.lineWidth = 2;
  for (const v of values) {
    ctx.beginPath();
    ctx.moveTo(x(v), 14);
    ctx.lineTo(x(v), h - 18);
    ctx.stroke();
  }
  const median = values[Math.floor(values.length / 2)];
  ctx.fillStyle = "#f59322";
  ctx.fillRect(x(median) - 2, 6, 4, h - 16);
  ctx.fillStyle = "#333";
  ctx.font = "11px sans-serif";
  ctx.fillText(values[0].toFixed(3), 4, h - 4);
  ctx.fillText(values[values.length - 1].toFixed(3), w - 40, h - 4);
}
