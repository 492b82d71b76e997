// The network in the middle: feature nodes, hidden units as small heatmaps, output node(s),
// and between them the links and biases of network-links.js. The DOM is rebuilt only when the
// shape changes; a frame only updates canvases and attributes.

import { drawSkipArcs } from "./skip-arcs.js";
import { drawClassGrid, drawGrid, drawOutput } from "./heatmap.js";
import { t, onLanguage } from "./i18n.js";
import { optionLabel } from "./controls.js";
import { NetworkLinks } from "./network-links.js";
import { targetName } from "./network-names.js";

const SVG = "http://www.w3.org/2000/svg";
const MAX_GAP = 36; // px between layer columns, as in the CSS
const MIN_GAP = 8;
const COMPACT_NODE = 24; // px, the unit pictures of a network too wide for its column
const MIN_NODE = 20;     // px, the smallest picture a short screen shrinks a tall layer to
const LAYER_HEAD = 72;   // px, a layer's head (buttons, count, activation) above its nodes

/**
 * callbacks: onPatch(patch) for +/- and per-layer activations, onEdit({kind, layer, i, j,
 * value, anchor}) when a link or bias is clicked, onHover(target | null) for units/features,
 * onValueHover({kind, name, value}, event) | onValueHover(null) for a card over a link or bias.
 */
export class NetworkView {
  constructor(root, header, features, activations, callbacks) {
    this.root = root;
    this.header = header;
    this.features = features;
    this.activations = activations;
    this.cb = callbacks;
    this.shapeKey = "";
    this.config = null;
    this.outputs = 1;
    this.unitCanvases = [];
    this.outputCanvases = [];
    this.svg = document.createElementNS(SVG, "svg");
    this.svg.classList.add("links");
    this.wires = new NetworkLinks(this.svg, callbacks);
    this.columns = document.createElement("div");
    this.columns.className = "layers";
    root.append(this.svg, this.columns);
    this.buildHeader();
    new ResizeObserver(() => this.layout()).observe(root);
    // A shorter window shrinks the pictures so the whole network stays above the fold.
    window.addEventListener("resize", () => this.layout());
    onLanguage(() => { this.relabel(); this.layout(); });
  }

  buildHeader() {
    const add = button("+", "network.add_layer", () => this.changeLayers(+1));
    const remove = button("−", "network.remove_layer", () => this.changeLayers(-1));
    this.layerCount = document.createElement("span");
    this.layerCount.className = "layer-count";
    this.linkNote = document.createElement("span");
    this.linkNote.className = "hint link-note";
    this.linkNote.hidden = true;
    this.header.append(add, remove, this.layerCount, this.linkNote);
  }

  changeLayers(delta) {
    const hidden = [...this.config.hidden];
    if (delta > 0) hidden.push(hidden.length ? hidden[hidden.length - 1] : 4);
    else hidden.pop();
    const patch = { hidden };
    if (Array.isArray(this.config.activation)) {
      const acts = [...this.config.activation];
      if (delta > 0) acts.push(acts[acts.length - 1] || "tanh");
      else acts.pop();
      // With no hidden layer left, a per-layer list would be empty: go back to one name.
      patch.activation = acts.length ? acts : this.config.activation[0];
    }
    this.cb.onPatch(patch);
  }

  changeUnits(layer, delta) {
    const hidden = [...this.config.hidden];
    hidden[layer] += delta;
    this.cb.onPatch({ hidden });
  }

  setLayerActivation(layer, name) {
    const n = this.config.hidden.length;
    const current = this.config.activation;
    const acts = Array.isArray(current) ? [...current] : Array(n).fill(current);
    acts[layer] = name;
    // One name when all layers agree keeps URLs short and the top-bar select meaningful.
    this.cb.onPatch({ activation: acts.every((a) => a === acts[0]) ? acts[0] : acts });
  }

  /** Show a config; rebuild the DOM only if the network's shape changed. */
  setConfig(config, outputs) {
    this.config = config;
    this.outputs = outputs;
    const key = JSON.stringify([config.features, config.hidden, config.activation, outputs]);
    this.features.setActive(config.features);
    const rebuilt = key !== this.shapeKey;
    if (rebuilt) {
      this.shapeKey = key;
      this.rebuild();
    }
    this.relabel();
    if (rebuilt) this.layout(); // after relabel: the layer heads' text decides the columns' widths
    else this.drawSkips(); // residual switched on or off: same shape, other arcs
  }

  /** The residual connections' arcs (skip-arcs.js), from the last measured positions. */
  drawSkips() {
    drawSkipArcs(this.svg, this.config, this.sources, this.targets, this.positions, this.nodeSize);
  }

  rebuild() {
    const { hidden } = this.config;
    this.columns.replaceChildren();
    const biggest = Math.max(this.features.names.length, ...hidden, this.outputs);
    this.biggest = biggest;
    this.nodeSize = biggest > 12 ? 20 : biggest > 9 ? 30 : 40;
    this.root.style.setProperty("--node", `${this.nodeSize}px`);

    const inputCol = column("input");
    this.inputHead = inputCol.head;
    const featureNodes = this.features.build(inputCol.body);
    this.columns.append(inputCol.el);

    this.unitCanvases = [];
    this.unitNodes = [];
    this.layerHeaders = [];
    hidden.forEach((units, layer) => {
      const col = column("hidden");
      col.el.dataset.layer = layer;
      this.layerHeaders.push(this.buildLayerHeader(col.head, layer, units));
      const nodes = [];
      for (let j = 0; j < units; j++) {
        const index = this.unitCanvases.length;
        const node = document.createElement("div");
        node.className = "node unit";
        node.tabIndex = 0;
        node.setAttribute("role", "img");
        node.dataset.layer = layer;
        node.dataset.unit = j;
        const canvas = document.createElement("canvas");
        canvas.className = "grid";
        node.append(canvas);
        const show = () => this.cb.onHover({ kind: "unit", index, layer, j });
        node.addEventListener("mouseenter", show);
        node.addEventListener("focus", show);
        node.addEventListener("mouseleave", () => this.cb.onHover(null));
        node.addEventListener("blur", () => this.cb.onHover(null));
        col.body.append(node);
        this.unitCanvases.push(canvas);
        nodes.push(node);
      }
      this.unitNodes.push(nodes);
      this.columns.append(col.el);
    });

    const outCol = column("output");
    this.outputHead = outCol.head;
    this.outputNodes = [];
    this.outputCanvases = [];
    for (let k = 0; k < this.outputs; k++) {
      const node = document.createElement("div");
      node.className = "node output-node";
      node.setAttribute("role", "img");
      const canvas = document.createElement("canvas");
      canvas.className = "grid";
      node.append(canvas);
      outCol.body.append(node);
      this.outputNodes.push(node);
      this.outputCanvases.push(canvas);
    }
    this.columns.append(outCol.el);

    for (const [name, { node }] of featureNodes) {
      node.addEventListener("mouseenter", () => this.cb.onHover({ kind: "feature", name }));
      node.addEventListener("mouseleave", () => this.cb.onHover(null));
    }
    this.featureNodes = featureNodes;
    this.buildLinks();
    this.redraw();
  }

  buildLayerHeader(head, layer, units) {
    const plus = button("+", "network.add_unit", () => this.changeUnits(layer, +1));
    const minus = button("−", "network.remove_unit", () => this.changeUnits(layer, -1));
    plus.disabled = units >= (this.maxUnits || 64);
    minus.disabled = units <= 1;
    const count = document.createElement("div");
    count.className = "unit-count";
    const select = document.createElement("select");
    select.className = "layer-activation";
    select.addEventListener("change", () => this.setLayerActivation(layer, select.value));
    const row = document.createElement("div");
    row.className = "unit-buttons";
    row.append(plus, minus);
    head.append(row, count, select);
    return { plus, minus, count, select, units, layer };
  }

  /** The links and biases between the nodes just built (network-links.js). */
  buildLinks() {
    this.sources = [this.config.features.map((n) => this.featureNodes.get(n).node), ...this.unitNodes];
    this.targets = [...this.unitNodes, this.outputNodes];
    this.wires.build(this.config, this.outputs, this.sources, this.targets);
    this.linkNote.hidden = !this.wires.capped;
  }

  /** The drawn links ({el, layer, i, j, from, to}); the backprop walk's numbers find theirs here. */
  get links() {
    return this.wires.links;
  }

  /** Narrow the space between layers so a deep network fits its column (down to MIN_GAP;
   * beyond that the view scrolls), instead of hiding its last layers off to the right. */
  fitGaps() {
    const layers = [...this.columns.children];
    if (layers.length < 2) return;
    const spare = () => {
      const widths = layers.reduce((sum, el) => sum + el.getBoundingClientRect().width, 0);
      return (this.root.clientWidth - widths - 8) / (layers.length - 1);
    };
    const size = this.fittedNodeSize();
    // Too wide even with narrow gaps: a compact look (smaller heads and activation menus).
    const compact = (on) => {
      this.root.classList.toggle("compact", on);
      this.root.style.setProperty("--node", `${on ? Math.min(size, COMPACT_NODE) : size}px`);
    };
    compact(false);
    if (spare() < MIN_GAP) compact(true);
    this.columns.style.gap = `${Math.floor(Math.max(MIN_GAP, Math.min(MAX_GAP, spare())))}px`;
  }

  /** The node size from the layer sizes, made smaller when the tallest layer would reach below
   * the window (a 1280×720 projector), so the whole network shows without scrolling. */
  fittedNodeSize() {
    if (!this.biggest) return this.nodeSize;
    const top = this.root.getBoundingClientRect().top + window.scrollY;
    const room = window.innerHeight - top - LAYER_HEAD - 12;
    const fit = Math.floor(room / this.biggest) - 8; // 8 px between nodes (.layer-body gap)
    return Math.max(MIN_NODE, Math.min(this.nodeSize, fit));
  }

  /** Place the link paths between node centres (after a rebuild or a resize). */
  layout() {
    if (!this.links.length && !this.config) return;
    this.fitGaps();
    const box = this.root.getBoundingClientRect();
    // Every node measured once, before any path is written: reading a position after a write
    // forces a new layout each time, which made big networks take seconds.
    this.positions = new Map();
    for (const node of new Set((this.sources || []).flat().concat((this.targets || []).flat()))) {
      const r = node.getBoundingClientRect();
      this.positions.set(node, [r.left - box.left + this.root.scrollLeft, r.right - box.left + this.root.scrollLeft,
        r.top + r.height / 2 - box.top + this.root.scrollTop]);
    }
    this.svg.setAttribute("width", this.columns.scrollWidth);
    this.svg.setAttribute("height", this.columns.scrollHeight);
    this.wires.place(this.positions);
    this.drawSkips();
  }

  /** Update everything a frame carries: unit grids, output nodes, links, biases, dead units. */
  update(frame) {
    const { arrays, header } = frame;
    if (this.wires.take(arrays)) this.namesStale = true;
    if (arrays.units) this.units = arrays.units;
    if (arrays.output) { this.output = arrays.output; this.outputKind = header.output_kind; }
    this.dead = header.metrics?.dead_units || null;
    this.redraw();
  }

  redraw() {
    if (this.units && this.units.shape[0] === this.unitCanvases.length) {
      this.unitCanvases.forEach((c, index) => drawGrid(c, this.units, index));
    }
    if (this.output) {
      if (this.outputs === 1) drawOutput(this.outputCanvases[0], this.output, this.outputKind);
      else if (this.output.shape[0] === this.outputs) {
        this.outputCanvases.forEach((c, k) => drawClassGrid(c, this.output, k));
      }
    }
    this.wires.draw();
    // Names carry the values: renamed when new weights came, but not while training plays
    // (hundreds of attribute writes 30 times a second tripled the render time); a focused
    // link is renamed on focus, and pausing renames them all.
    if (this.namesStale && !this.playing) this.renameAll();
    if (this.dead) {
      this.unitNodes.forEach((nodes, L) => nodes.forEach((n, j) => {
        const dead = !!this.dead[L]?.[j];
        if (n.classList.contains("dead") === dead) return;
        n.classList.toggle("dead", dead);
        this.labelUnit(n, L, j);
      }));
    }
  }

  /** The weight (layer, i, j) as last received, or null before any (the tests' hook reads it). */
  received(layer, i, j) {
    return this.wires.received(layer, i, j);
  }

  /** How many weights are exactly 0, of how many ({zero, total}); null before any weights. */
  zeroWeights() {
    return this.wires.zeroWeights();
  }

  /** A unit's accessible name and tooltip; a dead unit says so (it no longer learns). */
  labelUnit(node, L, j) {
    const name = t("network.unit", { layer: L + 1, n: j + 1 });
    const dead = node.classList.contains("dead");
    node.setAttribute("aria-label", dead ? `${name} — ${t("network.dead_unit")}` : name);
    if (dead) node.title = t("network.dead_unit_tip");
    else node.removeAttribute("title");
  }

  /** Show "flowing" links while training (CSS animation, only for small networks). */
  setPlaying(playing) {
    this.svg.classList.toggle("flowing", playing);
    this.playing = playing;
    if (!playing && this.namesStale) this.renameAll();
  }

  /** Put the current weights and biases into the accessible names (see redraw). */
  renameAll() {
    this.namesStale = false;
    this.wires.renameValues();
  }

  relabel() {
    if (!this.config) return;
    const n = this.config.hidden.length;
    if (this.inputHead) this.inputHead.textContent = t("network.features");
    if (this.outputHead) this.outputHead.textContent = t("network.output");
    this.layerCount.textContent = t(n === 1 ? "network.layers_one" : "network.layers", { n });
    if (this.wires.capped) this.linkNote.textContent = t("network.links_capped", { shown: this.links.length, total: this.wires.total });
    this.header.querySelector("button:nth-child(2)").disabled = n === 0;
    (this.layerHeaders || []).forEach((h) => {
      h.count.textContent = t(h.units === 1 ? "network.units_one" : "network.units", { n: h.units });
      const act = Array.isArray(this.config.activation) ? this.config.activation[h.layer] : this.config.activation;
      h.select.replaceChildren(...this.activations.map((a) => new Option(optionLabel("activation", a), a)));
      h.select.value = act;
      h.select.title = t("network.layer_activation", { n: h.layer + 1 });
      h.select.setAttribute("aria-label", h.select.title);
    });
    this.unitNodes?.forEach((nodes, L) => nodes.forEach((node, j) => this.labelUnit(node, L, j)));
    this.outputNodes?.forEach((node, k) => node.setAttribute("aria-label", targetName(this.config, this.outputs, this.config.hidden.length, k)));
    this.wires.nameAll();
    for (const btn of this.root.parentElement.querySelectorAll("[data-i18n-title]")) {
      btn.title = t(btn.dataset.i18nTitle);
      btn.setAttribute("aria-label", btn.title);
    }
  }
}

function column(kind) {
  const el = document.createElement("div");
  el.className = `layer layer-${kind}`;
  const head = document.createElement("div");
  head.className = "layer-head";
  const body = document.createElement("div");
  body.className = "layer-body";
  el.append(head, body);
  return { el, head, body };
}

function button(text, titleKey, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "round";
  b.textContent = text;
  b.dataset.i18nTitle = titleKey;
  b.title = t(titleKey);
  b.setAttribute("aria-label", b.title);
  b.addEventListener("click", onClick);
  return b;
}
