// The output as a figure to put in a report or a slide (issue 14): the plane with axes from −6
// to 6, the colour key, the training and test points, and a title with the data set, epoch and
// test loss. One description (a list of shapes) is drawn two ways: on a canvas for PNG and as
// SVG text, so both files show the same figure.

import { CLASS_COLORS, css, diverging, pointColor } from "./colors.js";
import { fmtNum } from "./format.js";

const EXTENT = 6;
const PLANE = 540;                 // px, the plane's side in the figure
const M = { left: 64, top: 56, right: 190, bottom: 58 };
export const FIGURE_SIZE = { width: M.left + PLANE + M.right, height: M.top + PLANE + M.bottom };
const PLANE_ALPHA = 0.75;          // regions lighter than points, as on the page
const FONT = "system-ui, -apple-system, 'Segoe UI', 'Noto Sans CJK SC', sans-serif";

/**
 * The shapes of the figure. info: {title, heatmap (canvas), data ({problem, train, test}),
 * showTest, key: {kind: "classes", names, colors} | {kind: "range", lo, hi, label},
 * labels: {train, test}}.
 */
export function buildFigure(info) {
  const items = [];
  const { width, height } = FIGURE_SIZE;
  const px = (x) => M.left + ((x + EXTENT) / (2 * EXTENT)) * PLANE;
  const py = (y) => M.top + ((EXTENT - y) / (2 * EXTENT)) * PLANE;
  items.push({ t: "rect", x: 0, y: 0, w: width, h: height, fill: "#fff" });
  items.push({ t: "text", x: M.left, y: 34, text: info.title, size: 20, weight: 600 });
  items.push({ t: "image", x: M.left, y: M.top, w: PLANE, h: PLANE, canvas: info.heatmap, alpha: PLANE_ALPHA });
  items.push({ t: "rect", x: M.left, y: M.top, w: PLANE, h: PLANE, stroke: "#999" });
  // axes: ticks every 2 from −6 to 6, names x₁ and x₂
  for (let v = -EXTENT; v <= EXTENT; v += 2) {
    items.push({ t: "line", x1: px(v), y1: M.top + PLANE, x2: px(v), y2: M.top + PLANE + 6, stroke: "#555" });
    items.push({ t: "text", x: px(v), y: M.top + PLANE + 22, text: fmtNum(v), size: 14, anchor: "middle" });
    items.push({ t: "line", x1: M.left - 6, y1: py(v), x2: M.left, y2: py(v), stroke: "#555" });
    items.push({ t: "text", x: M.left - 10, y: py(v) + 5, text: fmtNum(v), size: 14, anchor: "end" });
  }
  items.push({ t: "text", x: M.left + PLANE / 2, y: height - 10, text: "x₁", size: 16, anchor: "middle" });
  items.push({ t: "text", x: 18, y: M.top + PLANE / 2, text: "x₂", size: 16, anchor: "middle" });
  // points: training with a white ring, test with a black one
  const dot = (points, stroke) => points.forEach(([x, y, label]) => items.push(
    { t: "circle", cx: px(x), cy: py(y), r: 4.5, fill: pointColor(label, info.data.problem), stroke }));
  if (info.data) {
    dot(info.data.train, "#fff");
    if (info.showTest) dot(info.data.test, "#000");
  }
  // the key, right of the plane
  const kx = M.left + PLANE + 28;
  let ky = M.top + 8;
  if (info.key.kind === "classes") {
    info.key.names.forEach((name, k) => {
      items.push({ t: "rect", x: kx, y: ky, w: 16, h: 16, fill: css(info.key.colors[k]), stroke: "#666" });
      items.push({ t: "text", x: kx + 24, y: ky + 13, text: name, size: 14 });
      ky += 26;
    });
  } else {
    const { lo, hi } = info.key;
    const span = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
    const steps = 64, barH = 200;
    for (let s = 0; s < steps; s++) {
      const v = hi - (s / (steps - 1)) * (hi - lo); // top is the high end
      items.push({ t: "rect", x: kx, y: ky + (s * barH) / steps, w: 18, h: barH / steps + 0.6, fill: css(diverging(v / span)) });
    }
    items.push({ t: "rect", x: kx, y: ky, w: 18, h: barH, stroke: "#666" });
    items.push({ t: "text", x: kx + 26, y: ky + 12, text: fmtNum(hi, 3), size: 14 });
    items.push({ t: "text", x: kx + 26, y: ky + barH, text: fmtNum(lo, 3), size: 14 });
    if (info.key.label) items.push({ t: "text", x: kx, y: ky + barH + 24, text: info.key.label, size: 13, fill: "#555" });
    ky += barH + 44;
  }
  ky += 16;
  const pointKey = (stroke, text) => {
    items.push({ t: "circle", cx: kx + 8, cy: ky + 8, r: 5, fill: "#aaa", stroke: stroke === "#fff" ? "#666" : stroke });
    items.push({ t: "text", x: kx + 24, y: ky + 13, text, size: 14 });
    ky += 24;
  };
  pointKey("#fff", info.labels.train);
  if (info.showTest) pointKey("#000", info.labels.test);
  return { width, height, items };
}

/** Draw a figure on a new canvas (scale 1). */
export function figureCanvas(fig) {
  const canvas = document.createElement("canvas");
  canvas.width = fig.width;
  canvas.height = fig.height;
  const ctx = canvas.getContext("2d");
  ctx.imageSmoothingEnabled = true;
  for (const it of fig.items) {
    if (it.t === "rect") {
      if (it.fill) { ctx.fillStyle = it.fill; ctx.fillRect(it.x, it.y, it.w, it.h); }
      if (it.stroke) { ctx.strokeStyle = it.stroke; ctx.lineWidth = 1; ctx.strokeRect(it.x + 0.5, it.y + 0.5, it.w - 1, it.h - 1); }
    } else if (it.t === "image") {
      ctx.globalAlpha = it.alpha ?? 1;
      ctx.drawImage(it.canvas, it.x, it.y, it.w, it.h);
      ctx.globalAlpha = 1;
    } else if (it.t === "line") {
      ctx.strokeStyle = it.stroke;
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(it.x1, it.y1);
      ctx.lineTo(it.x2, it.y2);
      ctx.stroke();
    } else if (it.t === "circle") {
      ctx.beginPath();
      ctx.arc(it.cx, it.cy, it.r, 0, 2 * Math.PI);
      ctx.fillStyle = it.fill;
      ctx.fill();
      ctx.strokeStyle = it.stroke;
      ctx.lineWidth = 1;
      ctx.stroke();
    } else if (it.t === "text") {
      ctx.font = `${it.weight || 400} ${it.size}px ${FONT}`;
      ctx.fillStyle = it.fill || "#222";
      ctx.textAlign = it.anchor === "middle" ? "center" : it.anchor === "end" ? "right" : "left";
      ctx.fillText(it.text, it.x, it.y);
    }
  }
  return canvas;
}

const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const n = (v) => Number(v.toFixed(2));

/** The same figure as an SVG document (the plane's picture embedded as a PNG). */
export function figureSvg(fig) {
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${fig.width}" height="${fig.height}" viewBox="0 0 ${fig.width} ${fig.height}" font-family="${esc(FONT)}">`];
  for (const it of fig.items) {
    if (it.t === "rect") {
      out.push(`<rect x="${n(it.x)}" y="${n(it.y)}" width="${n(it.w)}" height="${n(it.h)}" fill="${it.fill || "none"}"${it.stroke ? ` stroke="${it.stroke}"` : ""}/>`);
    } else if (it.t === "image") {
      out.push(`<image x="${it.x}" y="${it.y}" width="${it.w}" height="${it.h}" opacity="${it.alpha ?? 1}" preserveAspectRatio="none" href="${it.canvas.toDataURL("image/png")}"/>`);
    } else if (it.t === "line") {
      out.push(`<line x1="${n(it.x1)}" y1="${n(it.y1)}" x2="${n(it.x2)}" y2="${n(it.y2)}" stroke="${it.stroke}"/>`);
    } else if (it.t === "circle") {
      out.push(`<circle cx="${n(it.cx)}" cy="${n(it.cy)}" r="${it.r}" fill="${it.fill}" stroke="${it.stroke}"/>`);
    } else if (it.t === "text") {
      const anchor = it.anchor ? ` text-anchor="${it.anchor}"` : "";
      const weight = it.weight ? ` font-weight="${it.weight}"` : "";
      out.push(`<text x="${n(it.x)}" y="${n(it.y)}" font-size="${it.size}"${anchor}${weight} fill="${it.fill || "#222"}">${esc(it.text)}</text>`);
    }
  }
  out.push("</svg>");
  return out.join("\n");
}

export { CLASS_COLORS };
