// The backprop inspector (issue 13): one example walked through the network the way the notes
// do it by hand. It asks the session for a `backprop` walk (of a chosen training point, or of
// the lesson's worked example), and steps through it with next/previous: the panel lists the
// step's numbers and the chain rule of the selected weight, and the network view shows the
// walk's network with the numbers written on its units and links (network-numbers.js).
// While it is open the network view shows the walk's weights, not the training's ones: for
// backprop_by_hand that is the notes' whole 2-2-2 network, two sigmoid outputs included.

import { css, diverging } from "./colors.js";
import { t, onLanguage } from "./i18n.js";
import { plantBugSwitch } from "./gradient-check.js";
import { NetworkNumbers } from "./network-numbers.js";
import { allWeights, chainRule, walkSteps, weightName, unitName } from "./backprop-walk.js";

/** The reply as the network view's frame arrays ({"weights.0": {data, shape}, "biases.0": {data}}). */
function asArrays(r) {
  const arrays = {};
  r.weights.forEach((w, l) => { arrays[`weights.${l}`] = { data: w.flat(), shape: [w.length, w[0].length] }; });
  r.biases.forEach((b, l) => { arrays[`biases.${l}`] = { data: b, shape: [b.length] }; });
  return arrays;
}

export class BackpropInspector {
  /**
   * panel: the inspector's element; toggle: the button that opens it; network: side A's
   * NetworkView; output: side A's OutputPanel (a click picks a training point while picking);
   * send(message) → false when offline; onClose(): give the network view back to the frames.
   */
  constructor({ panel, toggle, network, output, send, onClose }) {
    this.panel = panel;
    this.toggle = toggle;
    this.network = network;
    this.output = output;
    this.send = send;
    this.onClose = onClose;
    this.numbers = new NetworkNumbers(network);
    this.isOpen = false;
    this.reply = null;
    this.steps = [];
    this.step = 0;
    this.selected = null; // {layer, i, j} of the weight whose chain rule is shown
    this.source = null;   // {point: [x, y, label]} or {example: true}: what the walk is of
    this.pending = false;
    this.picking = false;
    this.errorText = "";
    this.build();
    toggle.addEventListener("click", () => (this.isOpen ? this.close() : this.open()));
    const previous = output.onPlaneClick;
    output.onPlaneClick = (x, y, ev) => (this.picking ? this.pick(x, y) : previous?.(x, y, ev));
    new ResizeObserver(() => this.numbers.render()).observe(network.root);
    onLanguage(() => this.render());
  }

  build() {
    const el = (tag, cls, parent) => {
      const e = document.createElement(tag);
      if (cls) e.className = cls;
      parent?.append(e);
      return e;
    };
    const button = (cls, onClick) => {
      const b = el("button", `text-button ${cls}`);
      b.type = "button";
      b.addEventListener("click", onClick);
      return b;
    };
    this.heading = el("h3", "bp-heading", this.panel);
    const sources = el("div", "bp-row", this.panel);
    this.exampleButton = button("bp-example", () => this.request({ example: true }));
    this.exampleButton.hidden = true; // offered while a lesson with a worked example is on
    this.pickButton = button("bp-pick", () => this.setPicking(!this.picking));
    this.bug = plantBugSwitch();
    this.bug.input.addEventListener("change", () => { if (this.source) this.request(this.source); });
    sources.append(this.exampleButton, this.pickButton, this.bug.label);
    this.what = el("p", "hint bp-what", this.panel);
    const nav = el("div", "bp-row bp-nav", this.panel);
    this.prev = button("bp-prev", () => this.go(this.step - 1));
    this.counter = el("span", "bp-counter");
    this.next = button("bp-next", () => this.go(this.step + 1));
    nav.append(this.prev, this.counter, this.next);
    this.title = el("p", "bp-title", this.panel);
    this.explain = el("p", "hint bp-explain", this.panel);
    this.rows = el("ol", "bp-rows", this.panel);
    const pickWeight = el("label", "bp-weight", this.panel);
    this.weightLabel = el("span", "", pickWeight);
    this.weightSelect = el("select", "", pickWeight);
    this.weightSelect.addEventListener("change", () => {
      const [layer, i, j] = this.weightSelect.value.split(",").map(Number);
      this.select({ layer, i, j });
    });
    this.chain = el("p", "bp-chain", this.panel);
    this.error = el("p", "field-error bp-error", this.panel);
    this.error.setAttribute("role", "alert");
  }

  /** Open the inspector: on `source` ({example: true} or {point}), else on the first training point. */
  open(source = null) {
    this.isOpen = true;
    this.panel.hidden = false;
    this.toggle.setAttribute("aria-pressed", "true");
    this.request(source || this.source || this.firstPoint());
  }

  close() {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.panel.hidden = true;
    this.toggle.setAttribute("aria-pressed", "false");
    this.setPicking(false);
    this.numbers.clear();
    this.reply = null;
    this.onClose();
  }

  /** Offer the lesson's worked example (a lesson that watches "backprop" has one), or not; a
   * walk of the example closes when it is no longer offered. */
  setExample(available) {
    this.exampleButton.hidden = !available;
    if (available || !this.source?.example) return;
    this.source = null; // the example left with its lesson: so does a walk of it
    this.close();
  }

  firstPoint() {
    const p = this.output.data?.train?.[0];
    return p ? { point: p } : null;
  }

  setPicking(on) {
    this.picking = on;
    this.pickButton.setAttribute("aria-pressed", String(on));
    document.body.classList.toggle("bp-picking", on);
    this.render();
  }

  /** A click on the plane while picking: the nearest training point. */
  pick(x, y) {
    const train = this.output.data?.train || [];
    let best = null, bestD = Infinity;
    for (const p of train) {
      const d = (p[0] - x) ** 2 + (p[1] - y) ** 2;
      if (d < bestD) { best = p; bestD = d; }
    }
    this.setPicking(false);
    if (best) this.request({ point: best });
  }

  /** Ask for the walk of `source`; the reply comes through reply(). */
  request(source) {
    if (!source) { this.errorText = t("bp.no_point"); this.render(); return; }
    this.source = source;
    const message = { type: "backprop", plant_bug: this.bug.input.checked };
    if (source.point) message.point = source.point;
    this.pending = this.send(message);
    this.errorText = this.pending ? "" : t("error.offline");
    this.render();
  }

  /** The config changed (a new network, a new learning rate): walk the same example again. */
  configChanged() {
    if (this.isOpen && this.source) this.request(this.source);
  }

  /** The server's `backprop` reply. */
  receive(msg) {
    this.pending = false;
    const sameShape = this.reply && JSON.stringify(this.reply.weights.map((w) => [w.length, w[0].length]))
      === JSON.stringify(msg.weights.map((w) => [w.length, w[0].length]));
    this.reply = msg;
    this.steps = walkSteps(msg);
    if (!sameShape) {
      this.step = 0;
      const last = msg.weights.length - 1; // the notes' w5: first hidden unit to the first output
      this.selected = { layer: last, i: 0, j: 0 };
    }
    this.step = Math.min(this.step, this.steps.length - 1);
    this.fillWeights();
    this.showNetwork();
    this.render();
  }

  /** An error while a walk was asked for: said in the panel. True when claimed. */
  claimError(msg, text) {
    if (!this.pending) return false;
    this.pending = false;
    this.errorText = text;
    this.render();
    return true;
  }

  /** The network view takes the walk's network: its shape (the example's may differ) and weights. */
  showNetwork() {
    const r = this.reply;
    const config = this.network.config;
    if (!config) return;
    const hidden = r.layers.slice(0, -1).map((layer) => layer.out.length);
    const features = config.features.slice(0, r.inputs.length);
    const outputs = r.layers[r.layers.length - 1].out;
    // A worked example's network may have more outputs than the training's (the notes' two
    // sigmoids): no frame has pictures of those, so each shows its value for this example.
    const data = this.output.data;
    const trained = data?.problem === "classification" && data.n_classes > 2 ? data.n_classes : 1;
    this.ownOutputs = trained !== outputs.length;
    this.network.setConfig({ ...config, hidden, features }, outputs.length);
    this.network.update({ header: {}, arrays: asArrays(r) });
    this.paintOutputs();
  }

  /** Fill the output nodes with the colour of their value for this example (0 orange … 1 blue). */
  paintOutputs() {
    if (!this.ownOutputs || !this.reply) return;
    const outs = this.reply.layers[this.reply.layers.length - 1].out;
    this.network.outputCanvases.forEach((canvas, k) => {
      const g = canvas.getContext("2d");
      g.fillStyle = css(diverging(Math.max(-1, Math.min(1, 2 * outs[k] - 1))));
      g.fillRect(0, 0, canvas.width, canvas.height);
    });
  }

  /** A training frame as the network view should show it while open: its unit pictures, the
   * walk's weights and biases (the frames keep training's own). */
  overlay(frame) {
    if (!this.reply) return frame;
    return { header: frame.header, arrays: { ...frame.arrays, ...asArrays(this.reply) } };
  }

  go(step) {
    this.step = Math.max(0, Math.min(this.steps.length - 1, step));
    this.render();
  }

  /** Select weight {layer, i, j} (the drop-down, or a click on its link while open). */
  select(weight) {
    this.selected = weight;
    this.render();
  }

  fillWeights() {
    const r = this.reply;
    this.weightSelect.replaceChildren(...allWeights(r).map(({ layer, i, j }) => new Option(
      `${weightName(r, layer, i, j)}: ${unitName(r, layer, i)} → ${unitName(r, layer + 1, j)}`, `${layer},${i},${j}`)));
  }

  render() {
    this.heading.textContent = t("bp.heading");
    this.exampleButton.textContent = t("bp.example");
    this.pickButton.textContent = t(this.picking ? "bp.picking" : "bp.pick");
    this.bug.text.textContent = t("gc.plant_bug");
    this.bug.label.title = t("gc.plant_bug_title");
    this.prev.textContent = t("bp.prev");
    this.next.textContent = t("bp.next");
    this.weightLabel.textContent = `${t("bp.weight")} `;
    this.error.hidden = !this.errorText;
    this.error.textContent = this.errorText;
    const r = this.reply;
    this.what.textContent = this.pending ? t("bp.asking") : r ? this.describeSource(r) : "";
    const step = this.steps[this.step];
    for (const e of [this.prev, this.next]) e.disabled = !r;
    if (!r || !step) { this.title.textContent = ""; this.rows.replaceChildren(); this.chain.textContent = ""; return; }
    this.prev.disabled = this.step === 0;
    this.next.disabled = this.step === this.steps.length - 1;
    this.counter.textContent = t("bp.counter", { n: this.step + 1, total: this.steps.length });
    this.title.textContent = t(`bp.step.${step.key}`, { ...step.params, layer: t(`bp.layer_${step.params.layer || "hidden"}`) });
    this.explain.textContent = t(`bp.explain.${step.key}`, step.params);
    const rows = step.rows.map((text) => { const li = document.createElement("li"); li.textContent = text; return li; });
    if (step.more) { const li = document.createElement("li"); li.className = "hint"; li.textContent = t("bp.more", { n: step.more }); rows.push(li); }
    this.rows.replaceChildren(...rows);
    const { layer, i, j } = this.selected;
    this.weightSelect.value = `${layer},${i},${j}`;
    this.chain.textContent = chainRule(r, layer, i, j);
    const selected = (k) => (k.layer === layer && k.i === i && k.j === j ? { ...k, cls: `${k.cls || ""} selected` } : k);
    this.numbers.show({ nodes: step.nodes, links: step.links.map(selected) });
    this.paintOutputs();
  }

  describeSource(r) {
    const bug = r.plant_bug ? ` ${t("bp.bug_on")}` : "";
    if (!this.source) return "";
    if (this.source.example) return t("bp.of_example", { rate: r.learning_rate }) + bug;
    const [x, y, label] = this.source.point;
    return t("bp.of_point", { x: x.toFixed(2), y: y.toFixed(2), label, rate: r.learning_rate }) + bug;
  }

  /** What the browser tests read through window.__nnp.inspector. */
  get hook() {
    return {
      open: this.isOpen, step: this.step, steps: this.steps.map((s) => s.key), reply: this.reply,
      pending: this.pending, text: this.panel.innerText, numbers: this.numbers.texts,
    };
  }
}
