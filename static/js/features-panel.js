// The FEATURES column: every input feature as a small heatmap over the plane; clicking one
// switches it on or off (a `features` patch). Active features feed the network's links.

import { drawGrid } from "./heatmap.js";
import { t, onLanguage } from "./i18n.js";

/**
 * How each feature is written next to its heatmap (maths, so the same in both languages) and
 * its picture before the session sends grids of the features in use: both from the schema the
 * server embeds in the page (engine/features.py computes them), so the page does no maths.
 * A server grid, once received, always replaces the preview.
 */
const FEATURE_LABELS = {};
const PREVIEWS = new Map();

/** Take labels and previews from the schema's `features` part ({grid, labels, previews}). */
export function setFeatureInfo({ grid, labels, previews }) {
  Object.assign(FEATURE_LABELS, labels);
  for (const [name, p] of Object.entries(previews)) {
    const data = Uint8Array.from(atob(p.data), (ch) => ch.charCodeAt(0));
    PREVIEWS.set(name, { data, shape: [grid, grid], lo: p.lo, hi: p.hi });
  }
}

const previewGrid = (name) => PREVIEWS.get(name) || null;

/**
 * The range one feature's grid really covers, when the frame quantised all features over one
 * shared lo..hi: {range: [min, max], span}, so X₁ keeps its full colours beside a wide X₁X₂
 * (each picture on its own scale, as the Playground draws them; issue 14).
 */
function ownRange(data, lo, hi) {
  let qmin = 255, qmax = 0;
  for (const q of data) { if (q < qmin) qmin = q; if (q > qmax) qmax = q; }
  const value = (q) => lo + (q / 255) * (hi - lo);
  const range = [value(qmin), value(qmax)];
  return { range, span: Math.max(Math.abs(range[0]), Math.abs(range[1])) || null };
}

/**
 * The feature nodes. `names` are all the features the schema allows; `onToggle(newList)`
 * is called with the features to use after a click.
 */
export class FeaturesPanel {
  constructor(names, onToggle) {
    this.names = names;
    this.onToggle = onToggle;
    this.active = [];
    this.grids = new Map(); // feature name -> {data, shape, lo, hi}, the last one the server sent
    this.nodes = new Map();
    onLanguage(() => this.relabel());
  }

  /** Build (or rebuild) the feature nodes into `column`. Returns name -> node element. */
  build(column) {
    this.nodes.clear();
    for (const name of this.names) {
      const node = document.createElement("button");
      node.type = "button";
      node.className = "node feature";
      node.dataset.feature = name;
      const canvas = document.createElement("canvas");
      canvas.className = "grid";
      const label = document.createElement("span");
      label.className = "feature-label";
      label.textContent = FEATURE_LABELS[name] || name;
      node.append(canvas, label);
      node.addEventListener("click", () => this.toggle(name));
      column.append(node);
      this.nodes.set(name, { node, canvas });
    }
    this.setActive(this.active);
    for (const name of this.names) this.draw(name);
    return this.nodes;
  }

  toggle(name) {
    const next = this.active.includes(name) ? this.active.filter((n) => n !== name) : [...this.active, name];
    this.onToggle(this.names.filter((n) => next.includes(n)));
  }

  setActive(active) {
    this.active = [...active];
    for (const [name, { node }] of this.nodes) {
      const on = this.active.includes(name);
      node.classList.toggle("active", on);
      node.setAttribute("aria-pressed", String(on));
    }
    this.relabel();
  }

  /**
   * Store the feature grids of a frame. The server sends one grid per active feature (in
   * config order) or one per known feature; either way each grid is kept under its name.
   */
  setGrids(grid) {
    const [count, h, w] = grid.shape;
    const names = count === this.names.length ? this.names : this.active;
    const size = h * w;
    names.slice(0, count).forEach((name, i) => {
      const data = grid.data.slice(i * size, (i + 1) * size); // keep a copy: frames are transient
      this.grids.set(name, { data, shape: [h, w], lo: grid.lo, hi: grid.hi, ...ownRange(data, grid.lo, grid.hi) });
      this.draw(name);
    });
  }

  draw(name) {
    const entry = this.nodes.get(name);
    const grid = this.grids.get(name) || previewGrid(name);
    if (entry && grid) drawGrid(entry.canvas, grid);
  }

  /** The stored grid of a feature, for showing it large in the output on hover. */
  grid(name) {
    return this.grids.get(name) || previewGrid(name);
  }

  relabel() {
    for (const [name, { node }] of this.nodes) {
      const on = this.active.includes(name);
      const text = t(on ? "features.on" : "features.off", { name: FEATURE_LABELS[name] || name });
      node.title = text;
      node.setAttribute("aria-label", text);
    }
  }
}

export { FEATURE_LABELS };
