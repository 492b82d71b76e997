// The hidden-space view: how one hidden layer bends the input plane, seen through two of its
// units (as in ConvNetJS's 2-D demo). The page picks a layer and two units and subscribes;
// every frame then carries the plane's grid lines and the data points mapped into (u, v)
// (`hidden_lines` (2, lines, samples, 2) and `hidden_points` (n, 3): u, v, label), which this
// panel draws scaled to the header's range. All mapping happens on the server.

import { pointColor } from "./colors.js";
import { t, onLanguage } from "./i18n.js";

const SIZE = 240; // CSS pixels of the square plot

let nextId = 0;

export class HiddenSpace {
  /** `container`: the panel element; `send(message)` sends a protocol message, false when offline. */
  constructor(container, send) {
    this.container = container;
    this.send = send;
    this.hidden = [];      // the config's hidden layer sizes
    this.on = false;       // the user wants the view
    this.subscribed = null; // {layer, units} last sent (0-based), null when not subscribed
    this.pending = false;   // a subscription was sent and no frame has confirmed it yet
    this.view = null;       // {info, lines, points} of the last frame that carried the view
    this.drawnPoints = 0;   // points drawn last time (tests read it)
    this.dirty = false;
    this.build();
    onLanguage(() => this.relabel());
    this.relabel();
  }

  build() {
    const id = nextId++;
    this.heading = document.createElement("h3");
    this.toggle = document.createElement("input");
    this.toggle.type = "checkbox";
    this.toggle.id = `hs-toggle-${id}`;
    this.toggleLabel = document.createElement("label");
    this.toggleLabel.className = "check";
    this.toggleText = document.createElement("span");
    this.toggleLabel.append(this.toggle, this.toggleText);
    const pick = (cls) => {
      const select = document.createElement("select");
      select.className = cls;
      select.addEventListener("change", () => this.selectionChanged());
      const label = document.createElement("label");
      label.append(document.createElement("span"), select);
      return { select, label };
    };
    this.layerPick = pick("hs-layer");
    this.unitA = pick("hs-unit-a");
    this.unitB = pick("hs-unit-b");
    const row = document.createElement("div");
    row.className = "hs-pickers";
    row.append(this.layerPick.label, this.unitA.label, this.unitB.label);
    this.plot = document.createElement("div");
    this.plot.className = "hs-plot";
    this.canvas = document.createElement("canvas");
    this.canvas.setAttribute("role", "img");
    this.canvas.style.width = this.canvas.style.height = `${SIZE}px`;
    this.axisU = document.createElement("span");
    this.axisU.className = "hs-axis hs-axis-u";
    this.axisV = document.createElement("span");
    this.axisV.className = "hs-axis hs-axis-v";
    this.plot.append(this.canvas, this.axisU, this.axisV);
    this.status = document.createElement("p");
    this.status.className = "hint hs-status";
    this.status.setAttribute("role", "status");
    this.noLayer = document.createElement("p");
    this.noLayer.className = "hint";
    this.hint = document.createElement("p");
    this.hint.className = "hint";
    this.body = document.createElement("div");
    this.body.append(this.hint, this.toggleLabel, row, this.plot, this.status);
    this.container.append(this.heading, this.noLayer, this.body);
    this.toggle.addEventListener("change", () => this.setOn(this.toggle.checked));
    this.plot.hidden = true;
  }

  relabel() {
    this.heading.textContent = t("hs.heading");
    this.hint.textContent = t("hs.hint");
    this.noLayer.textContent = t("hs.no_layer");
    this.toggleText.textContent = t("hs.show");
    // The select sits inside its label, whose text would include the chosen option; an
    // explicit name keeps it "Layer" rather than "Layer hidden layer 1".
    for (const [pick, key] of [[this.layerPick, "hs.layer"], [this.unitA, "hs.unit_u"], [this.unitB, "hs.unit_v"]]) {
      pick.label.firstChild.textContent = t(key);
      pick.select.setAttribute("aria-label", t(key));
    }
    this.fillSelects();
    this.showAxes();
    this.canvas.setAttribute("aria-label", t("hs.aria"));
    if (this.statusKey) this.status.textContent = t(this.statusKey, this.statusParams);
  }

  say(key, params = {}) {
    this.statusKey = key;
    this.statusParams = params;
    this.status.textContent = key ? t(key, params) : "";
  }

  /** The chosen layer and units, 0-based as the protocol wants. */
  selection() {
    return { layer: Number(this.layerPick.select.value), units: [Number(this.unitA.select.value), Number(this.unitB.select.value)] };
  }

  /** (Re)fill the selects for the current network, keeping the choice where it still exists. */
  fillSelects() {
    const keep = (sel, fallback, count) => {
      const v = sel.value === "" ? fallback : Number(sel.value);
      return Math.min(Math.max(0, v), Math.max(0, count - 1));
    };
    const layers = this.hidden.length;
    const layer = keep(this.layerPick.select, 0, layers);
    const width = this.hidden[layer] || 0;
    const a = keep(this.unitA.select, 0, width);
    const b = keep(this.unitB.select, 1, width);
    const options = (sel, count, label, value) => {
      sel.replaceChildren(...Array.from({ length: count }, (_, i) => new Option(t(label, { n: i + 1 }), String(i))));
      if (count) sel.value = String(value);
    };
    options(this.layerPick.select, layers, "hs.layer_n", layer);
    options(this.unitA.select, width, "hs.unit_n", a);
    options(this.unitB.select, width, "hs.unit_n", b);
  }

  /** Follow the network's shape; hide the panel without a hidden layer. */
  setConfig(config) {
    const hidden = config.hidden || [];
    const changed = JSON.stringify(hidden) !== JSON.stringify(this.hidden);
    this.hidden = [...hidden];
    this.noLayer.hidden = hidden.length > 0;
    this.body.hidden = hidden.length === 0;
    if (!changed) return;
    this.fillSelects();
    if (!hidden.length) {
      // The server ends the subscription itself when the layer goes; nothing to send.
      this.subscribed = null;
      this.view = null;
      this.plot.hidden = true;
      return;
    }
    if (this.on) this.subscribe();
  }

  setOn(on) {
    this.on = on;
    this.toggle.checked = on;
    if (on) this.subscribe();
    else this.unsubscribe();
  }

  selectionChanged() {
    // A new layer has other units: refill the unit lists before reading them.
    this.fillSelects();
    this.showAxes();
    if (this.on) this.subscribe();
  }

  subscribe() {
    if (!this.hidden.length) return;
    const sel = this.selection();
    if (this.subscribed && this.subscribed.layer === sel.layer &&
        this.subscribed.units[0] === sel.units[0] && this.subscribed.units[1] === sel.units[1]) return;
    if (!this.send({ type: "hidden_space", layer: sel.layer, units: sel.units })) {
      this.say("error.offline");
      return;
    }
    this.subscribed = sel;
    this.pending = true;
    this.say("hs.waiting");
    this.showAxes();
  }

  unsubscribe() {
    if (this.subscribed) this.send({ type: "hidden_space", layer: null });
    this.subscribed = null;
    this.pending = false;
    this.view = null;
    this.plot.hidden = true;
    this.say(null);
  }

  /** A new session (reconnect) knows nothing of our subscription: send it again. */
  reconnected() {
    this.subscribed = null;
    this.view = null;
    if (this.on) this.subscribe();
  }

  /** The server ended the subscription (`{"type": "hidden_space", "layer": null}`). */
  serverEnded(msg) {
    if (msg.layer != null) return;
    this.subscribed = null;
    this.pending = false;
    this.view = null;
    this.plot.hidden = true;
    this.dirty = false;
    // The network shrank under the chosen layer: while the user wants the view and a hidden
    // layer is left, follow the nearest one (sending the same choice twice is harmless).
    if (this.on && this.hidden.length) {
      this.fillSelects();
      this.subscribe();
      return;
    }
    if (this.on) {
      this.on = false;
      this.toggle.checked = false;
      this.say("hs.ended");
    }
  }

  /** An error about our subscription (while one is pending): show it here and switch off. */
  claimError(msg) {
    if (!this.pending || !["layer", "units", "unit_a", "unit_b"].includes(msg.field)) return false;
    this.pending = false;
    this.subscribed = null;
    this.on = false;
    this.toggle.checked = false;
    this.statusKey = null;
    this.status.textContent = `${t("hs.refused")} ${msg.message}`;
    return true;
  }

  /** Keep what a frame carries for the view; drawn by draw(). */
  frame(msg) {
    if (!this.subscribed) return;
    const h = msg.header;
    if (!("hidden_space" in h)) return;
    const info = h.hidden_space;
    if (info === null) { // a diverged network maps to nothing: keep the panel, say why
      this.view = null;
      this.plot.hidden = true;
      this.say("hs.diverged");
      return;
    }
    const lines = msg.arrays.hidden_lines;
    const points = msg.arrays.hidden_points;
    if (!lines || !points) return;
    this.pending = false;
    this.view = { info, lines, points, problem: h.problem };
    this.dirty = true;
    if (this.statusKey) this.say(null);
  }

  showAxes() {
    const sel = this.hidden.length ? this.selection() : null;
    const s = this.view?.info || sel;
    if (!s) return;
    this.axisU.textContent = t("hs.axis", { layer: s.layer + 1, n: s.units[0] + 1 });
    this.axisV.textContent = t("hs.axis", { layer: s.layer + 1, n: s.units[1] + 1 });
  }

  draw() {
    if (!this.dirty || !this.view) return;
    this.dirty = false;
    this.plot.hidden = false;
    const { info, lines, points, problem } = this.view;
    const ratio = window.devicePixelRatio || 1;
    const px = Math.round(SIZE * ratio);
    if (this.canvas.width !== px) this.canvas.width = this.canvas.height = px;
    const ctx = this.canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, SIZE, SIZE);
    const [u0, u1] = info.range.u;
    const [v0, v1] = info.range.v;
    const X = (u) => ((u - u0) / (u1 - u0 || 1)) * SIZE;
    const Y = (v) => SIZE - ((v - v0) / (v1 - v0 || 1)) * SIZE;

    // Grid lines: shape (2, lines, samples, 2), horizontal lines of the input plane first.
    const [dirs, count, samples] = lines.shape;
    const d = lines.data;
    ctx.strokeStyle = "rgba(120,120,120,0.55)";
    ctx.lineWidth = 0.8;
    ctx.beginPath();
    for (let k = 0; k < dirs * count; k++) {
      const base = k * samples * 2;
      ctx.moveTo(X(d[base]), Y(d[base + 1]));
      for (let s = 1; s < samples; s++) ctx.lineTo(X(d[base + 2 * s]), Y(d[base + 2 * s + 1]));
    }
    ctx.stroke();

    // Points: (n, 3) u, v, label; training points (white ring) first, then test (dark ring).
    const p = points.data;
    const n = points.shape[0];
    const nTrain = info.n_train ?? n;
    for (let i = 0; i < n; i++) {
      ctx.beginPath();
      ctx.arc(X(p[3 * i]), Y(p[3 * i + 1]), 2.6, 0, 2 * Math.PI);
      ctx.fillStyle = pointColor(problem === "regression" ? p[3 * i + 2] : Math.round(p[3 * i + 2]), problem);
      ctx.fill();
      ctx.strokeStyle = i < nTrain ? "#fff" : "#333";
      ctx.lineWidth = 0.8;
      ctx.stroke();
    }
    this.drawnPoints = n;
    this.showAxes();
  }
}
