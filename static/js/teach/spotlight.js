// One student's whole view, live and large: the output, the network (weights as lines,
// blue positive, orange negative) and the loss chart built from the frames' history.

import { drawOutput } from "../heatmap.js";

export class Spotlight {
  constructor(els) {
    this.els = els; // {box, name, output, network, loss, metrics}
    this.student = null;
    this.history = [];
  }

  show(id, name) {
    if (id !== this.student) this.history = [];
    this.student = id;
    this.els.name.textContent = name;
    this.els.box.hidden = id == null;
  }

  frame(header, arrays) {
    if (header.student !== this.student) return;
    if (arrays.output) drawOutput(this.els.output, arrays.output, header.output_kind, false);
    this.history.push(...(header.history || []));
    if (this.history.length > 2000) this.history.splice(0, this.history.length - 2000);
    this.drawLoss();
    const weights = Object.keys(arrays).filter((k) => k.startsWith("weights.")).sort().map((k) => arrays[k]);
    if (weights.length) this.drawNetwork(weights);
    const m = header.metrics || {};
    this.els.metrics.textContent = `epoch ${header.epoch} · test ${m.test_loss?.toFixed(4) ?? "–"} · train ${m.train_loss?.toFixed(4) ?? "–"}`;
  }

  drawNetwork(weights) {
    const canvas = this.els.network;
    const ctx = canvas.getContext("2d");
    const { width: w, height: h } = canvas;
    ctx.clearRect(0, 0, w, h);
    const sizes = [weights[0].shape[0], ...weights.map((a) => a.shape[1])];
    const x = (layer) => 20 + (layer * (w - 40)) / (sizes.length - 1);
    const y = (layer, i) => ((i + 1) * h) / (sizes[layer] + 1);
    let max = 1e-9;
    for (const a of weights) for (const v of a.data) max = Math.max(max, Math.abs(v));
    weights.forEach((a, layer) => {
      const [n, m] = a.shape;
      for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) {
        const v = a.data[i * m + j];
        ctx.strokeStyle = v >= 0 ? "rgba(8,119,189,.8)" : "rgba(245,147,34,.8)";
        ctx.lineWidth = 0.5 + (3 * Math.abs(v)) / max;
        ctx.beginPath();
        ctx.moveTo(x(layer), y(layer, i));
        ctx.lineTo(x(layer + 1), y(layer + 1, j));
        ctx.stroke();
      }
    });
    ctx.fillStyle = "#183d4e";
    sizes.forEach((n, layer) => { for (let i = 0; i < n; i++) ctx.fillRect(x(layer) - 6, y(layer, i) - 6, 12, 12); });
  }

  drawLoss() {
    const canvas = this.els.loss;
    const ctx = canvas.getContext("2d");
    const { width: w, height: h } = canvas;
    ctx.clearRect(0, 0, w, h);
    const points = this.history.filter((p) => p[2] != null);
    if (points.length < 2) return;
    const max = Math.max(...points.map((p) => Math.max(p[1] ?? 0, p[2])));
    const first = points[0][0];
    const last = points[points.length - 1][0];
    const px = (e) => ((e - first) / (last - first || 1)) * (w - 4) + 2;
    const py = (v) => h - 2 - (v / (max || 1)) * (h - 4);
    for (const [index, color] of [[1, "#777"], [2, "#183d4e"]]) {
      ctx.strokeStyle = color;
      ctx.beginPath();
      points.forEach((p, i) => (i ? ctx.lineTo(px(p[0]), py(p[index])) : ctx.moveTo(px(p[0]), py(p[index]))));
      ctx.stroke();
    }
  }
}
