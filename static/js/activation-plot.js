// The activation explorer: a small plot of the chosen activation f and its derivative f′
// over [−6, 6], next to the activation selector. The curves come from the server
// (GET /api/activations, the engine's own functions), fetched once; the page computes nothing.

import { t, onLanguage } from "./i18n.js";
import { optionLabel } from "./controls.js";
import { fmtNum } from "./format.js";
import { ActivationLarge } from "./activation-large.js";
import { F_COLOR, DF_COLOR, curveScale, drawAxes, drawCurves } from "./activation-curves.js";

const WIDTH = 110;   // CSS pixels; small enough for a compact top bar (the large view is activation-large.js)
const HEIGHT = 34;
const PAD = { left: 4, right: 4, top: 6, bottom: 6 };
const BOX = { left: PAD.left, top: PAD.top, right: WIDTH - PAD.right, bottom: HEIGHT - PAD.bottom };

/** Fetch every activation's curve once: {name: {x, y, dy}}. Throws with the HTTP status. */
export async function fetchActivations(url = "/api/activations") {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const body = await res.json();
  return body.activations || {};
}

export class ActivationPlot {
  /** Builds its own DOM (a figure with a canvas and a legend); place `el` where it belongs. */
  constructor() {
    this.curves = null;
    this.name = null;
    this.shown = null; // the activation last drawn (tests read it through window.__nnp)
    this.peak = null;  // the largest f′ value of the curve drawn
    this.el = document.createElement("figure");
    this.el.className = "activation-plot";
    this.el.dataset.watch = "activation";
    this.canvas = document.createElement("canvas");
    this.canvas.setAttribute("role", "img");
    this.canvas.style.width = `${WIDTH}px`;
    this.canvas.style.height = `${HEIGHT}px`;
    const legend = document.createElement("figcaption");
    this.fx = legendItem(F_COLOR);
    this.dfx = legendItem(DF_COLOR);
    this.peakText = document.createElement("span");
    this.peakText.className = "activation-peak";
    legend.append(this.fx, this.dfx, this.peakText);
    this.el.append(this.canvas, legend);
    // A click (or Enter) opens every activation large, for a projector.
    this.el.tabIndex = 0;
    this.el.setAttribute("role", "button");
    this.large = null;
    const openLarge = () => {
      if (!this.curves) return;
      this.large ||= new ActivationLarge();
      this.large.open(this.curves);
    };
    this.el.addEventListener("click", openLarge);
    this.el.addEventListener("keydown", (ev) => { if (ev.key === "Enter") { ev.preventDefault(); openLarge(); } });
    this.error = null;
    fetchActivations().then((curves) => {
      this.curves = curves;
      this.draw();
    }, (err) => {
      this.error = String(err.message || err);
      this.relabel();
    });
    onLanguage(() => this.relabel());
    this.relabel();
  }

  /** Show activation `value` (a name, or a per-layer list: the first layer's is drawn). */
  setActivation(value) {
    const name = Array.isArray(value) ? value[0] : value;
    this.mixed = Array.isArray(value) && value.some((v) => v !== value[0]);
    if (name === this.name) return;
    this.name = name;
    this.draw();
  }

  draw() {
    this.relabel();
    const curve = this.curves?.[this.name];
    if (!curve) return;
    const ratio = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(WIDTH * ratio);
    this.canvas.height = Math.round(HEIGHT * ratio);
    const ctx = this.canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, WIDTH, HEIGHT);
    const scale = curveScale(curve, BOX);

    // Axes through the origin, and a faint line at y = 1 for scale.
    drawAxes(ctx, scale, "#ccc");
    ctx.setLineDash([2, 3]);
    ctx.beginPath();
    ctx.moveTo(BOX.left, scale.py(1)); ctx.lineTo(BOX.right, scale.py(1));
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = "#999";
    ctx.font = "9px sans-serif";
    ctx.fillText("1", PAD.left + 1, scale.py(1) - 2);
    this.peak = drawCurves(ctx, curve, scale, { lineWidth: 1.6, dot: 2.5 });
    this.shown = this.name;
    this.relabel();
  }

  relabel() {
    this.fx.lastChild.textContent = t("act.fx");
    this.dfx.lastChild.textContent = t("act.dfx");
    const label = this.name ? optionLabel("activation", this.name) : "";
    let text = t("act.aria", { name: label });
    if (this.mixed) text += ` ${t("act.first_layer")}`;
    if (this.name === "maxout") text += ` ${t("act.maxout")}`;
    if (this.error) text = `${t("act.unavailable")} ${this.error}`;
    this.canvas.setAttribute("aria-label", text);
    this.el.title = `${text} — ${t("act.large")}`;
    this.el.setAttribute("aria-label", this.el.title);
    this.peakText.textContent = this.peak != null && this.shown === this.name
      ? t("act.peak", { value: fmtNum(this.peak, 3) }) : "";
  }
}

function legendItem(color) {
  const item = document.createElement("span");
  item.className = "swatch";
  item.style.setProperty("--c", color);
  item.append(document.createElement("span"));
  return item;
}
