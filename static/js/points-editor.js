// Drawing data on the output plane: click adds a point of the chosen class (or, for
// regression, of the chosen value), shift-click adds the other class of two, right-click or
// alt-click removes the nearest point, a brush adds small clusters while dragging, and
// "clear" empties the plane. The plane is also reachable by keyboard: focus it, move the
// cursor with the arrow keys, Enter adds a point, Delete removes the nearest.
//
// The page does no data handling of its own: every edit is a `points` message, and what is
// drawn is the `data` message the server answers with. Editing a generated data set makes the
// server switch to "custom" keeping its points, so nothing has to be re-sent here.

import { CLASS_COLORS, css, diverging } from "./colors.js";
import { el } from "./dom.js";
import { t, onLanguage } from "./i18n.js";

const EXTENT = 6;
const BRUSH_EVERY_MS = 50;   // at most one `points` message per 50 ms while brushing
const BRUSH_SPREAD = 0.35;   // standard deviation of a brush cluster, in plane units
const BRUSH_POINTS = 3;      // points per brush dab
const REMOVE_RADIUS = 1.0;   // a removal picks the nearest point within this distance
const KEY_STEP = 0.25;       // arrow-key cursor step (shift: four times that)

const clamp = (v) => Math.max(-EXTENT, Math.min(EXTENT, v));
const round = (v) => Math.round(v * 1e4) / 1e4; // keeps messages short; far below a pixel

/** A standard normal sample (Box–Muller); the brush only needs a pleasant spread. */
function gauss() {
  const u = 1 - Math.random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * Math.random());
}

export class PointsEditor {
  /**
   * root: the element to build the drawing tools into; output: the OutputPanel (its points
   * canvas gets the pointer handlers); send(message) sends a protocol message.
   */
  constructor(root, output, send) {
    this.output = output;
    this.send = send;
    this.problem = "classification";
    this.nClasses = 2;
    this.selected = 0;
    this.brushing = false;
    this.pending = [];
    this.flushTimer = null;
    this.cursor = [0, 0];
    this.build(root);
    this.bindPlane(output.els.points);
    output.onPlaneClick = (x, y, ev) => this.click(x, y, ev);
    onLanguage(() => this.relabel());
    this.relabel();
  }

  build(root) {
    this.root = root;
    this.heading = el("h3", "tool-heading");
    this.classes = el("div", "class-picker");
    this.classes.setAttribute("role", "radiogroup");
    this.valueWrap = el("div", "control control-range value-picker");
    this.valueLabel = el("label");
    this.value = el("input");
    Object.assign(this.value, { type: "range", min: "-1", max: "1", step: "0.05", value: "1", id: "draw-value" });
    this.valueLabel.htmlFor = this.value.id;
    this.valueOut = el("output");
    this.valueOut.htmlFor = this.value.id;
    this.value.addEventListener("input", () => this.showValue());
    this.valueWrap.append(this.valueLabel, this.value, this.valueOut);
    const row = el("div", "tool-row");
    this.brush = el("button", "text-button");
    this.brush.type = "button";
    this.brush.id = "draw-brush";
    this.brush.setAttribute("aria-pressed", "false");
    this.brush.addEventListener("click", () => this.setBrush(!this.brushing));
    this.clearButton = el("button", "text-button");
    this.clearButton.type = "button";
    this.clearButton.id = "draw-clear";
    this.clearButton.addEventListener("click", () => this.send({ type: "points", clear: true }));
    row.append(this.brush, this.clearButton);
    this.hint = el("p", "hint");
    this.marker = el("div", "plane-cursor");
    this.marker.hidden = true;
    this.output.els.points.parentElement.append(this.marker);
    root.append(this.heading, this.classes, this.valueWrap, row, this.hint);
    this.showValue();
    this.buildClasses();
  }

  /** Follow the server's data: problem and class count decide the picker. */
  setData(msg, dataset) {
    const n = msg.problem === "classification" ? Math.max(2, msg.n_classes) : 0;
    let changed = msg.problem !== this.problem || n !== this.nClasses;
    // Names from an uploaded file belong to that file's classes only.
    const names = this.output.classNames;
    if (names && (dataset !== "custom" || names.length !== n)) {
      this.output.setClassNames(null);
      changed = true;
    }
    this.problem = msg.problem;
    this.nClasses = n;
    if (this.selected >= n) this.selected = 0;
    if (changed) this.buildClasses();
  }

  /** Names for the classes (from an uploaded CSV); null numbers them. */
  setClassNames(names) {
    this.output.setClassNames(names && names.length ? names : null);
    this.buildClasses();
  }

  buildClasses() {
    const regression = this.problem === "regression";
    this.classes.hidden = regression;
    this.valueWrap.hidden = !regression;
    this.classes.replaceChildren();
    for (let k = 0; k < this.nClasses; k++) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "class-choice swatch";
      b.setAttribute("role", "radio");
      b.style.setProperty("--c", css(CLASS_COLORS[k]));
      b.textContent = this.className(k);
      b.addEventListener("click", () => this.select(k));
      // Arrow keys move within the radio group, as for native radios.
      b.addEventListener("keydown", (ev) => {
        const d = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[ev.key];
        if (!d) return;
        ev.preventDefault();
        ev.stopPropagation(); // → would otherwise step training
        this.select((k + d + this.nClasses) % this.nClasses);
        this.classes.children[this.selected].focus();
      });
      this.classes.append(b);
    }
    this.select(this.selected);
  }

  className(k) {
    return this.output.className(k);
  }

  select(k) {
    this.selected = k;
    [...this.classes.children].forEach((b, i) => {
      b.setAttribute("aria-checked", String(i === k));
      b.tabIndex = i === k ? 0 : -1;
      b.classList.toggle("selected", i === k);
    });
  }

  showValue() {
    this.valueOut.textContent = Number(this.value.value).toFixed(2);
    this.valueWrap.style.setProperty("--c", css(diverging(Number(this.value.value))));
  }

  setBrush(on) {
    this.brushing = on;
    this.brush.setAttribute("aria-pressed", String(on));
    this.brush.classList.toggle("selected", on);
    this.output.els.points.classList.toggle("brushing", on);
  }

  /** The label a new point gets; `other` (shift) picks the other class of two. */
  label(other = false) {
    if (this.problem === "regression") return Number(this.value.value);
    if (other && this.nClasses === 2) return 1 - this.selected;
    return this.selected;
  }

  // ---- pointer and keyboard -------------------------------------------------------------

  bindPlane(canvas) {
    canvas.tabIndex = 0;
    // Arrow keys and Enter are the plane's own while it has focus (see key()).
    canvas.setAttribute("role", "application");
    canvas.addEventListener("contextmenu", (ev) => {
      ev.preventDefault();
      this.removeNear(...this.output.planeAt(ev));
    });
    canvas.addEventListener("pointerdown", (ev) => {
      if (!this.brushing || ev.button !== 0 || ev.altKey) return;
      ev.preventDefault();
      canvas.setPointerCapture?.(ev.pointerId);
      this.stroke = { other: ev.shiftKey };
      this.dab(...this.output.planeAt(ev));
    });
    canvas.addEventListener("pointermove", (ev) => {
      if (this.stroke) this.dab(...this.output.planeAt(ev));
    });
    const end = () => { if (this.stroke) { this.stroke = null; this.flush(); } };
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    canvas.addEventListener("focus", () => this.showCursor());
    canvas.addEventListener("blur", () => { this.marker.hidden = true; });
    canvas.addEventListener("keydown", (ev) => this.key(ev));
  }

  /** Send an addition; it also turns on "show test data", because the server makes a share
   *  of new points (1 − train ratio) test points, which would otherwise vanish from view. */
  add(points) {
    const box = this.output.els.showTest;
    if (!box.checked) {
      box.checked = true;
      box.dispatchEvent(new Event("change"));
    }
    this.send({ type: "points", add: points });
  }

  click(x, y, ev) {
    if (ev.button !== 0) return;
    if (ev.altKey) { this.removeNear(x, y); return; }
    if (this.brushing) return; // the brush already added its cluster on pointerdown
    this.add([[round(clamp(x)), round(clamp(y)), this.label(ev.shiftKey)]]);
  }

  /** Queue a small cluster at (x, y) and send the queue at most every BRUSH_EVERY_MS. */
  dab(x, y) {
    const label = this.label(this.stroke?.other);
    for (let i = 0; i < BRUSH_POINTS; i++) {
      this.pending.push([round(clamp(x + gauss() * BRUSH_SPREAD)), round(clamp(y + gauss() * BRUSH_SPREAD)), label]);
    }
    if (!this.flushTimer) this.flushTimer = setTimeout(() => this.flush(), BRUSH_EVERY_MS);
  }

  flush() {
    clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (!this.pending.length) return;
    const add = this.pending;
    this.pending = [];
    this.add(add);
  }

  /** Remove the drawn point nearest to (x, y), if one lies within REMOVE_RADIUS. */
  removeNear(x, y) {
    const data = this.output.data;
    if (!data) return;
    const shown = this.output.els.showTest.checked ? data.train.concat(data.test) : data.train;
    let best = null;
    let bestD = REMOVE_RADIUS * REMOVE_RADIUS;
    for (const p of shown) {
      const d = (p[0] - x) ** 2 + (p[1] - y) ** 2;
      if (d <= bestD) { best = p; bestD = d; }
    }
    // The exact position of an existing point: the server removes that one, not a neighbour.
    if (best) this.send({ type: "points", remove: [[best[0], best[1]]] });
  }

  key(ev) {
    const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
    if (moves[ev.key]) {
      const step = KEY_STEP * (ev.shiftKey ? 4 : 1);
      this.cursor = [clamp(this.cursor[0] + moves[ev.key][0] * step), clamp(this.cursor[1] + moves[ev.key][1] * step)];
      this.showCursor();
    } else if (ev.key === "Enter" || ev.key === " ") {
      this.add([[round(this.cursor[0]), round(this.cursor[1]), this.label(ev.shiftKey)]]);
    } else if (ev.key === "Delete" || ev.key === "Backspace") {
      this.removeNear(...this.cursor);
    } else {
      return;
    }
    // The plane owns these keys while focused (→ and space would otherwise drive training).
    ev.preventDefault();
    ev.stopPropagation();
  }

  showCursor() {
    const [x, y] = this.cursor;
    this.marker.style.left = `${((x + EXTENT) / (2 * EXTENT)) * 100}%`;
    this.marker.style.top = `${((EXTENT - y) / (2 * EXTENT)) * 100}%`;
    this.marker.hidden = false;
  }

  relabel() {
    this.heading.textContent = t("draw.heading");
    this.classes.setAttribute("aria-label", t("draw.class"));
    [...this.classes.children].forEach((b, k) => { b.textContent = this.className(k); });
    this.valueLabel.textContent = t("draw.value");
    this.brush.textContent = t("draw.brush");
    this.brush.title = t("draw.brush_title");
    this.clearButton.textContent = t("draw.clear");
    this.clearButton.title = t("draw.clear_title");
    this.hint.textContent = t("draw.hint");
    this.output.els.points.setAttribute("aria-label", t("draw.plane"));
  }
}
