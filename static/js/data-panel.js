// The DATA column: dataset thumbnails drawn from real generated points, and the data
// controls (train ratio, noise, batch size, classes, boundary function, regenerate).

import { pointColor } from "./colors.js";
import { t, onLanguage } from "./i18n.js";
import { optionLabel } from "./controls.js";

export class DataPanel {
  /** `datasets`: the sets each problem allows, {classification: [...], regression: [...]};
   *  onPick(name) on a thumbnail click. */
  constructor(thumbsRoot, datasets, onPick) {
    this.root = thumbsRoot;
    this.datasets = datasets;
    this.thumbs = new Map();
    const all = [...new Set(Object.values(datasets).flat())];
    for (const name of all) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "thumb";
      b.dataset.dataset = name;
      b.setAttribute("role", "radio");
      const canvas = document.createElement("canvas");
      canvas.width = canvas.height = 64;
      const label = document.createElement("span");
      label.className = "thumb-label";
      b.append(canvas, label);
      b.addEventListener("click", () => onPick(name));
      thumbsRoot.append(b);
      this.thumbs.set(name, { b, canvas, label });
    }
    onLanguage(() => this.relabel());
    this.relabel();
  }

  /** Draw thumbnails from {dataset: {problem, points}}. */
  setThumbnails(sets) {
    for (const [name, { canvas }] of this.thumbs) {
      const set = sets[name];
      const ctx = canvas.getContext("2d");
      ctx.clearRect(0, 0, 64, 64);
      if (!set || !set.points.length) continue;
      for (const [x, y, label] of set.points) {
        ctx.fillStyle = pointColor(label, set.problem);
        ctx.fillRect(((x + 6) / 12) * 62, ((6 - y) / 12) * 62, 2.2, 2.2);
      }
    }
  }

  /** Show the sets that fit the problem and mark the chosen one. */
  setConfig(config) {
    const allowed = this.datasets[config.problem] || [];
    for (const [name, { b }] of this.thumbs) {
      b.hidden = !allowed.includes(name);
      const on = name === config.dataset;
      b.classList.toggle("selected", on);
      b.setAttribute("aria-checked", String(on));
    }
  }

  relabel() {
    this.root.setAttribute("aria-label", t("data.which"));
    for (const [name, { b, label }] of this.thumbs) {
      label.textContent = optionLabel("dataset", name);
      b.title = label.textContent;
    }
  }
}
