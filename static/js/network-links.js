// The network's links and biases: one SVG path per weight, coloured by its sign and thickened
// by its size (dotted when exactly 0, as L1's soft-threshold leaves them), and a small square
// per bias. Both can be hovered (a card with the value) and clicked (to edit). A huge network
// draws, per pair of layers, only its strongest weights. network-view.js builds the nodes and
// measures where they are; this module draws what connects them.

import { css, diverging } from "./colors.js";
import { biasLabel, linkName, targetName, weightLabel } from "./network-names.js";

const SVG = "http://www.w3.org/2000/svg";
const MAX_FOCUSABLE_LINKS = 64; // beyond this, tabbing through links would be a trap
const MAX_NAMED_LINKS = 300;    // links whose accessible name carries the weight, kept current per new weights
const MAX_FLOWING_LINKS = 300;  // the "flow" animation repaints every link; keep it cheap
// A 16×64 network has 60 000 weights: that many SVG paths freeze the page. Beyond this many,
// each pair of layers shows only its strongest links (re-chosen whenever new weights arrive).
const MAX_DRAWN_LINKS = 2400;

/** Width of a link for a weight: 1 px at zero, up to 10 px (the Playground's scale). */
const linkWidth = (w) => Math.min(10, 1 + Math.abs(w) * 1.8);

/**
 * svg: the <svg> the paths go in. callbacks: onEdit({kind, layer, i, j, value, anchor}) when a
 * link or bias is clicked, onValueHover({kind, name, value}, event) | onValueHover(null).
 */
export class NetworkLinks {
  constructor(svg, callbacks) {
    this.svg = svg;
    this.cb = callbacks;
    this.links = [];   // {el, layer, i, j, from, to}
    this.biases = [];  // {el, layer, j}
    this.groups = [];  // per pair of layers: {links, pickedFrom}
    this.weights = {}; // layer → the last received weights (data, shape)
    this.biasValues = {};
    this.capped = false;
    this.total = 0;
  }

  /**
   * New paths and bias squares for a network of this shape. `sources[L]` and `targets[L]` are
   * the node elements layer pair L connects (the bias squares go into the targets).
   */
  build(config, outputs, sources, targets) {
    this.config = config;
    this.outputs = outputs;
    this.sources = sources;
    this.targets = targets;
    this.svg.replaceChildren(); // the residual arcs too: drawn again after layout
    this.links = [];
    this.biases = [];
    const total = sources.reduce((sum, s, L) => sum + s.length * targets[L].length, 0);
    const focusable = total <= MAX_FOCUSABLE_LINKS;
    this.total = total;
    this.capped = total > MAX_DRAWN_LINKS;
    const perPair = Math.max(8, Math.floor(MAX_DRAWN_LINKS / targets.length));
    this.groups = [];
    for (let L = 0; L < targets.length; L++) {
      const pairs = [];
      sources[L].forEach((_, i) => targets[L].forEach((_, j) => pairs.push([i, j])));
      const group = { links: [], pickedFrom: null };
      this.groups.push(group);
      for (const [i, j] of this.capped ? pairs.slice(0, perPair) : pairs) {
        const link = this.buildLink(L, i, j, focusable);
        this.links.push(link);
        group.links.push(link);
      }
      targets[L].forEach((node, j) => this.biases.push(this.buildBias(node, L, j)));
    }
    this.svg.classList.toggle("can-flow", this.links.length <= MAX_FLOWING_LINKS);
  }

  buildLink(L, i, j, focusable) {
    const el = document.createElementNS(SVG, "path");
    el.classList.add("link");
    if (focusable) {
      el.setAttribute("tabindex", "0");
      el.setAttribute("role", "button");
    } else el.setAttribute("role", "img");
    // i, j, from, to change when a capped pool shows other weights; handlers read them then
    const link = { el, layer: L, i, j, from: this.sources[L][i], to: this.targets[L][j] };
    const card = (ev) => this.cb.onValueHover?.({ kind: "weight", name: this.linkName(link), value: this.weightOf(link) }, ev);
    el.addEventListener("mouseenter", card);
    el.addEventListener("mousemove", card);
    el.addEventListener("mouseleave", () => this.cb.onValueHover?.(null));
    el.addEventListener("focus", () => this.nameLink(link)); // the value now, even mid-training
    el.addEventListener("click", () => this.editLink(link));
    el.addEventListener("keydown", (ev) => {
      if (ev.key !== "Enter" && ev.key !== " ") return;
      ev.preventDefault(); // else the Enter's keypress submits the editor it just opened
      this.editLink(link);
    });
    this.svg.append(el);
    return link;
  }

  buildBias(node, L, j) {
    const el = document.createElement("button");
    el.type = "button";
    el.className = "bias";
    const value = () => this.biasValues[L]?.[j] ?? 0;
    const card = (ev) => this.cb.onValueHover?.({ kind: "bias", name: targetName(this.config, this.outputs, L, j), value: value() }, ev);
    el.addEventListener("mouseenter", card);
    el.addEventListener("mousemove", card);
    el.addEventListener("mouseleave", () => this.cb.onValueHover?.(null));
    el.addEventListener("click", (ev) => {
      ev.stopPropagation();
      this.cb.onEdit({ kind: "bias", layer: L, j, value: value(), anchor: el });
    });
    node.append(el);
    return { el, layer: L, j };
  }

  /** Keep the weights and biases a frame carries; true when any came (names are stale then). */
  take(arrays) {
    let any = false;
    for (const name in arrays) {
      if (name.startsWith("weights.")) this.weights[Number(name.slice(8))] = arrays[name];
      else if (name.startsWith("biases.")) this.biasValues[Number(name.slice(7))] = arrays[name].data;
      else continue;
      any = true;
    }
    return any;
  }

  /** Draw every path between its nodes' measured positions (node → [left, right, middle y]). */
  place(positions) {
    this.positions = positions;
    for (const link of this.links) this.placeLink(link);
  }

  placeLink(link) {
    const from = this.positions?.get(link.from), to = this.positions?.get(link.to);
    if (!from || !to) return;
    const [x1, y1] = [from[1], from[2]], [x2, y2] = [to[0], to[2]];
    const mx = (x1 + x2) / 2;
    link.el.setAttribute("d", `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`);
  }

  /** Colour and thicken the links, colour the biases, by the last received values. */
  draw() {
    this.groups.forEach((_, L) => this.pickStrongest(L));
    for (const link of this.links) {
      if (!this.weights[link.layer]) continue;
      const w = this.weightOf(link);
      // A weight of exactly 0 is a cut link: dotted, a little wider than 1 px so the dots show.
      const stroke = css(diverging(w)), width = w === 0 ? "2" : linkWidth(w).toFixed(1);
      // Only what changed is written: hundreds of links rewritten 30 times a second made the
      // browser repaint and re-layer the whole drawing on every frame.
      if (link.stroke === stroke && link.width === width) continue;
      link.stroke = stroke;
      link.width = width;
      // Inline style, not presentation attributes: those lose to the stylesheet's default.
      link.el.style.stroke = stroke;
      link.el.classList.toggle("zero", w === 0);
      link.el.style.strokeWidth = width;
    }
    for (const b of this.biases) {
      const v = this.biasValues[b.layer]?.[b.j];
      if (v === undefined) continue;
      b.el.style.background = css(diverging(v));
      b.el.dataset.value = v.toFixed(3);
    }
  }

  /** A capped pool: show layer pair L's strongest weights (when its weights are new). */
  pickStrongest(L) {
    const group = this.groups[L];
    const w = this.weights[L];
    if (!this.capped || !w || group.pickedFrom === w) return;
    group.pickedFrom = w;
    const n = this.sources[L].length, m = this.targets[L].length;
    const strength = new Float64Array(n * m);
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) strength[i * m + j] = Math.abs(this.weightAt(L, i, j));
    const order = Array.from(strength.keys()).sort((a, b) => strength[b] - strength[a]);
    group.links.forEach((link, k) => {
      const i = Math.floor(order[k] / m), j = order[k] % m;
      if (link.i === i && link.j === j) return;
      Object.assign(link, { i, j, from: this.sources[L][i], to: this.targets[L][j] });
      this.placeLink(link);
      this.nameLink(link);
    });
  }

  linkName(link) {
    return linkName(this.config, this.outputs, link.layer, link.i, link.j);
  }

  /** The accessible name: "weight from X₁ to neuron 1 of layer 1: 0.42" (the value once known). */
  nameLink(link) {
    const value = this.weights[link.layer] ? this.weightOf(link) : undefined;
    link.el.setAttribute("aria-label", weightLabel(this.linkName(link), value));
  }

  nameBias(b) {
    const name = targetName(this.config, this.outputs, b.layer, b.j);
    b.el.setAttribute("aria-label", biasLabel(name, this.biasValues[b.layer]?.[b.j]));
  }

  /** Every name again (a new language, a new shape). */
  nameAll() {
    for (const b of this.biases) this.nameBias(b);
    for (const link of this.links) this.nameLink(link);
  }

  /** The current values into the accessible names, for as many links as stay cheap to name. */
  renameValues() {
    if (this.links.length <= MAX_NAMED_LINKS) this.links.forEach((link) => this.nameLink(link));
    this.biases.forEach((b) => this.nameBias(b));
  }

  editLink(link) {
    this.cb.onEdit({ kind: "weight", layer: link.layer, i: link.i, j: link.j, value: this.weightOf(link), anchor: link.el });
  }

  /** The weight of a link; for maxout the larger of its two pieces. */
  weightOf(link) {
    return this.weightAt(link.layer, link.i, link.j);
  }

  weightAt(layer, i, j) {
    const w = this.weights[layer];
    if (!w) return 0;
    const [, cols] = w.shape;
    const a = w.data[i * cols + j];
    // A maxout layer's weights hold its two pieces side by side: twice as many columns as the
    // layer has units (the targets of this pair of layers).
    if (cols === 2 * this.targets[layer].length) {
      const b = w.data[i * cols + j + cols / 2];
      return Math.abs(b) > Math.abs(a) ? b : a;
    }
    return a;
  }

  /** The weight (layer, i, j) as last received, or null before any (the tests' hook reads it). */
  received(layer, i, j) {
    const w = this.weights[layer];
    return w ? w.data[i * w.shape[1] + j] : null;
  }

  /** How many weights are exactly 0, of how many ({zero, total}); null before any weights. */
  zeroWeights() {
    const layers = Object.values(this.weights);
    if (!layers.length) return null;
    let zero = 0, total = 0;
    for (const w of layers) {
      total += w.data.length;
      for (const v of w.data) if (v === 0) zero += 1;
    }
    return { zero, total };
  }
}
