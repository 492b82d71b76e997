// The activation explorer's large view (issue 14): every activation the engine has, each with
// its derivative, on labelled axes from −6 to 6 with the largest f′ marked, big enough to read
// on a projector. Opened by clicking the small plot in the top bar; a <dialog>, Escape closes it.

import { t, onLanguage } from "./i18n.js";
import { optionLabel } from "./controls.js";
import { fmtNum } from "./format.js";
import { F_COLOR, DF_COLOR, curveScale, drawAxes, drawCurves } from "./activation-curves.js";

const PANEL = { w: 300, h: 210, left: 40, right: 10, top: 26, bottom: 34 };

export class ActivationLarge {
  constructor() {
    this.curves = null;
    this.dialog = document.createElement("dialog");
    this.dialog.className = "act-dialog";
    this.dialog.dataset.watch = "activation-large";
    const close = document.createElement("button");
    close.type = "button";
    close.className = "close";
    close.textContent = "×";
    close.addEventListener("click", () => this.dialog.close());
    this.close = close;
    this.heading = document.createElement("h2");
    this.canvas = document.createElement("canvas");
    this.canvas.setAttribute("role", "img");
    this.dialog.append(close, this.heading, this.canvas);
    this.dialog.addEventListener("click", (ev) => { if (ev.target === this.dialog) this.dialog.close(); });
    document.body.append(this.dialog);
    onLanguage(() => { if (this.dialog.open) this.draw(); });
  }

  /** Open with the curves {name: {x, y, dy}} the small plot fetched. */
  open(curves) {
    this.curves = curves;
    this.dialog.showModal();
    this.draw();
  }

  draw() {
    this.heading.textContent = t("act.large_title");
    this.close.title = t("help.close");
    this.close.setAttribute("aria-label", this.close.title);
    const names = Object.keys(this.curves || {});
    if (!names.length) return;
    const cols = Math.max(1, Math.min(4, Math.floor((window.innerWidth * 0.9 - 32) / PANEL.w)));
    const rows = Math.ceil(names.length / cols);
    const width = cols * PANEL.w, height = rows * PANEL.h;
    const ratio = window.devicePixelRatio || 1;
    this.canvas.width = width * ratio;
    this.canvas.height = height * ratio;
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    const ctx = this.canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, width, height);
    this.peaks = {};
    names.forEach((name, k) => {
      ctx.save();
      ctx.translate((k % cols) * PANEL.w, Math.floor(k / cols) * PANEL.h);
      this.peaks[name] = drawPanel(ctx, optionLabel("activation", name), this.curves[name]);
      ctx.restore();
    });
    const list = names.map((n) => `${optionLabel("activation", n)} (${t("act.max", { value: fmtNum(this.peaks[n], 3) })})`);
    this.canvas.setAttribute("aria-label", `${t("act.large_title")}: ${list.join("; ")}`);
  }
}

/** One activation's panel: axes with ticks, f and f′, the peak of f′ marked. Returns the peak. */
function drawPanel(ctx, title, curve) {
  const { w, h, left, right, top, bottom } = PANEL;
  const box = { left, top, right: w - right, bottom: h - bottom };
  const scale = curveScale(curve, box);
  const { px, py, lo, hi, x0, x1 } = scale;
  ctx.font = "600 15px system-ui, sans-serif";
  ctx.fillStyle = "#333";
  ctx.textAlign = "left";
  ctx.fillText(title, left, 17);
  // frame, zero lines and ticks
  ctx.strokeStyle = "#999";
  ctx.lineWidth = 1;
  ctx.strokeRect(left, top, w - left - right, h - top - bottom);
  drawAxes(ctx, scale, "#ddd");
  ctx.fillStyle = "#555";
  ctx.font = "12px system-ui, sans-serif";
  ctx.textAlign = "center";
  for (const x of [-6, -3, 0, 3, 6]) if (x >= x0 && x <= x1) ctx.fillText(fmtNum(x), px(x), h - bottom + 14);
  ctx.fillText(t("act.axis_x"), (left + w - right) / 2, h - 4);
  ctx.textAlign = "right";
  for (const y of yTicks(lo, hi)) ctx.fillText(fmtNum(y, 2), left - 4, py(y) + 4);
  const peak = drawCurves(ctx, curve, scale, { lineWidth: 2.5, dot: 4.5 });
  ctx.font = "600 13px system-ui, sans-serif";
  ctx.textAlign = "right";
  label(ctx, t("act.max", { value: fmtNum(peak, 3) }), w - right - 4, top + 16, DF_COLOR);
  ctx.textAlign = "left";
  label(ctx, t("act.fx"), left + 6, top + 16, F_COLOR);
  label(ctx, t("act.dfx"), left + 44, top + 16, DF_COLOR);
  return peak;
}

/** Text on a pale backing, so a curve passing under it (tanh, sigmoid near 1) does not cross it out. */
function label(ctx, text, x, y, color) {
  const width = ctx.measureText(text).width;
  const x0 = ctx.textAlign === "right" ? x - width : x;
  ctx.fillStyle = "rgba(255, 255, 255, 0.85)";
  ctx.fillRect(x0 - 2, y - 12, width + 4, 16);
  ctx.fillStyle = color;
  ctx.fillText(text, x, y);
}

/** Round tick values between lo and hi (about four of them, always 0 when it is inside). */
function yTicks(lo, hi) {
  const raw = (hi - lo) / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Math.abs(v) < 1e-12 ? 0 : v);
  return out;
}
