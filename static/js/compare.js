// Compare mode: a second WebSocket session (side B, on the right) trained beside the page's
// own (side A). The server keeps one trainer per session, so B is simply another session;
// this module keeps its data equal to A's (data keys and custom points are mirrored, and data
// generation is deterministic for the same config and seed), forwards the transport, draws
// B's output with the same OutputPanel code and B's network and panels with side A's modules
// (side-b.js), adds B's losses to the shared loss chart, and offers B's own compact settings
// (built with the Controls class) with the differences from A marked.

import { Connection, sessionUrl } from "./connection.js";
import { Controls } from "./controls.js";
import { onLanguage, t } from "./i18n.js";
import { OutputPanel } from "./output-panel.js";
import { ownPointsMessages } from "./csv-io.js";
import { showMetrics } from "./metrics-view.js";
import { RunKeeper } from "./run-keeper.js";
import { SideB } from "./side-b.js";
import { dataKeys, difference, fitPatch, sameValue } from "./schema.js";

/** Session keys B follows too, so both sides train at the same pace. */
const SHARED_SESSION_KEYS = ["epochs_per_second", "fps", "early_stopping"];
/** B's own settings (the compact panel). */
const SIDE_KEYS = ["learning_rate", "activation", "hidden", "regularization", "reg_rate", "optimizer", "batch_size",
  "init", "dropout", "loss", "residual", "normalization", "lr_schedule", "lr_decay", "lr_step", "lr_period", "clip_norm"];
/** Messages from A's transport that B gets too (regenerate is not one: its new seed is mirrored). */
const MIRRORED = new Set(["play", "pause", "step", "reset", "points"]);

/** Widgets other than a drop-down (which offers the schema's choices or presets). */
const WIDGETS = {
  hidden: { widget: "text", size: 10 },
  residual: { widget: "checkbox" },
  dropout: { widget: "number", step: 0.05 },
};


export class CompareMode {
  /**
   * fields: the schema's fields; rules: its rules between keys. els: the compare column's
   * elements and the toggle (see templates/index.html). chart: the LossChart. left(): {config,
   * state, data} of side A. sendLeft(message): send to A without mirroring. shared: {showTest,
   * discretize} checkboxes. editor: the page's ValueEditor (B's links and biases are edited in it).
   */
  constructor({ fields, rules = [], els, chart, left, sendLeft, shared, editor, sideB = null, onOpen = null }) {
    this.editor = editor;
    this.onOpen = onOpen; // (on): the page's parts that follow compare mode (the A | B | both switch)
    this.sideB = sideB; // {open(on), config(config, reset), frame(msg)}: insight panels that show B beside A
    this.fields = fields;
    this.rules = rules;
    // The keys that decide the data (B always takes A's values) and the pace B follows too.
    this.sharedKeys = [...dataKeys(fields), ...SHARED_SESSION_KEYS];
    this.els = els;
    this.chart = chart;
    this.left = left;
    this.sendLeft = sendLeft;
    this.shared = shared;
    this.connection = null;
    this.isOpen = false;
    this.resetConfig();
    els.toggle.addEventListener("click", () => (this.isOpen ? this.close() : this.open()));
    onLanguage(() => { this.labelControls(); this.showDiffers(); this.showStatus(); });
  }

  resetConfig() {
    this.config = null;
    this.version = null;
    this.epoch = 0;
    this.state = "paused";
    this.lastHeader = null;
    this.data = null;
    this.dataMessages = 0;
    this.latest = null;
    this.scheduled = false;
    this.lesson = null; // a lesson to send once B's session is live
    // B's run, kept through a server restart as A's is (run-keeper.js); a new B starts afresh
    this.keeper ||= new RunKeeper({ send: (m) => this.isOpen && this.send(m), history: () => this.chart.points("b"),
                                    truncate: (epoch) => this.chart.keepUpTo(epoch, "b"), mark: "savedEpochB" });
    this.keeper.saved = null;
    this.awaitingLesson = false; // B's lesson sent: "sent", then "replied", false once its config came
    this.sent = {}; // data keys sent to B whose config reply has not shown them yet
    this.status = "closed";
  }

  /** Open compare mode: copy A's config to B, or (lesson given) apply the lesson's right side. */
  open(lesson = null) {
    if (this.isOpen) {
      // B's session not live yet: its hello sends the lesson (instead of copying A).
      if (lesson && !this.config) this.lesson = lesson;
      else if (lesson) this.sendLesson(lesson);
      return;
    }
    this.isOpen = true;
    this.resetConfig();
    this.lesson = lesson;
    this.build();
    this.showOpen(true);
    if (!this.connection) {
      this.connection = new Connection(sessionUrl(), this.handlers(), (status) => { this.status = status; this.showStatus(); });
    }
    this.connection.open();
  }

  /** Close compare mode and B's session. */
  close() {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.connection.close();
    this.resetConfig();
    this.showOpen(false);
  }

  /** Show or hide everything compare mode adds to the page (B's column, tags, curves, panels). */
  showOpen(on) {
    this.els.column.hidden = !on;
    for (const tag of this.els.sideTags) tag.hidden = !on;
    document.body.classList.toggle("comparing", on);
    this.els.toggle.setAttribute("aria-pressed", String(on));
    this.chart.setCompare(on);
    this.sideB?.open(on);
    this.side?.open(on);
    this.onOpen?.(on);
  }

  send(message) {
    return this.connection?.send(message) ?? false;
  }

  sendLesson(lesson) {
    // B runs at A's pace; the lesson itself sets early stopping.
    const pace = {};
    for (const key of ["epochs_per_second", "fps"]) {
      const value = this.left().config?.[key];
      if (key in this.fields && value !== undefined) pace[key] = value;
    }
    if (Object.keys(pace).length) this.send({ type: "config", patch: pace });
    this.awaitingLesson = "sent";
    this.sent = {};
    this.send({ type: "lesson", id: lesson.id, side: "right" });
  }

  /** Called with every message the page sends to A: transport and data edits go to B too. */
  forward(message) {
    if (!this.isOpen || this.awaitingLesson || !this.config) return;
    if (MIRRORED.has(message.type)) { this.send(message); return; }
    if (message.type === "config") {
      // Data keys go at once, so that B's data changes before any points that follow (a CSV).
      const patch = this.sharedPart(message.patch);
      if (Object.keys(patch).length) this.sendShared(patch);
    }
  }

  sharedPart(patch) {
    const out = {};
    for (const key of this.sharedKeys) if (key in patch) out[key] = patch[key];
    // New data keys may need B's own keys to follow (regression allows only the squared loss).
    return Object.keys(out).length ? this.fitted(out) : out;
  }

  /** `patch` plus what the rules force on B's config (as B will be once its pending keys land). */
  fitted(patch) {
    return fitPatch(this.fields, this.rules, { ...this.config, ...this.sent }, patch);
  }

  sendShared(patch) {
    Object.assign(this.sent, patch);
    this.send({ type: "config", patch });
  }

  /**
   * Every config A reports: the data keys B lacks are sent (e.g. regenerate's new seed). Not an
   * `interim` one: after a restart A's hello shows the new server's defaults until A's own run or
   * config is back, and B (perhaps resumed already) must not follow those.
   */
  leftConfig(config, interim = false) {
    if (interim || !this.isOpen || !this.config || this.awaitingLesson) { this.showDiffers(); return; }
    const target = { ...this.config, ...this.sent };
    const wanted = {};
    for (const key of this.sharedKeys) if (key in config) wanted[key] = config[key];
    const patch = difference(wanted, target);
    if (Object.keys(patch).length) this.sendShared(this.fitted(patch));
    this.showDiffers();
  }

  handlers() {
    return {
      hello: (msg) => {
        const previous = this.config;
        // B's session came back from a reconnect with defaults: hand it B's kept run; without
        // one, or if it is refused, put its config back, and its own points with their split
        // (they lived only in the old session).
        const putBack = () => {
          const patch = difference(previous, this.config || msg.config);
          if (Object.keys(patch).length) this.send({ type: "config", patch });
          ownPointsMessages(previous, this.data).forEach((m) => this.send(m));
        };
        const resuming = this.keeper.resume(msg.limits, previous && !this.lesson ? putBack : null);
        this.applyConfig(msg.config, msg.version, []);
        this.side.hidden.reconnected();
        if (this.lesson) {
          const lesson = this.lesson;
          this.lesson = null;
          this.sendLesson(lesson);
        } else if (previous) {
          if (!resuming) putBack();
        } else this.copyLeft(msg.config);
      },
      checkpoint: (msg) => this.keeper.receive(msg),
      config: (msg) => {
        this.keeper.configured(msg.reset || []);
        // The config after the lesson's reply is the lesson's; earlier ones (pace) are not.
        if (this.awaitingLesson === "replied") this.awaitingLesson = false;
        this.applyConfig(msg.config, msg.version, msg.reset || []);
      },
      lesson: () => { if (this.awaitingLesson) this.awaitingLesson = "replied"; },
      state: (msg) => {
        this.state = msg.state;
        this.epoch = msg.epoch ?? this.epoch;
        this.side.setPlaying(msg.state === "playing");
        if (msg.state !== "playing") this.keeper.ask(); // a paused run is kept as it stands
        this.showEpoch();
      },
      data: (msg) => {
        this.data = msg;
        this.dataMessages += 1;
        this.output.setData(msg);
        this.side.setData(msg);
      },
      error: (msg) => {
        const text = `${t(`error.${msg.code}`)} ${msg.message}`.trim();
        if (this.keeper.refused(msg)) return;
        if (this.side.error(msg)) return;
        if (msg.field && this.controls.showError(msg.field, text)) return;
        this.els.error.textContent = text;
        this.els.error.hidden = false;
        clearTimeout(this.errorTimer);
        this.errorTimer = setTimeout(() => { this.els.error.hidden = true; }, 10000);
      },
      frame: (msg) => {
        const h = msg.header;
        this.lastHeader = h;
        this.epoch = h.epoch;
        this.keeper.frame(h);
        if (h.version > this.version) this.version = h.version;
        this.chart.appendB(h.history || [], h);
        this.sideB?.frame(msg);
        this.side.frame(msg, this.data, this.config?.learning_rate);
        this.latest = { header: h, arrays: { ...(this.latest?.arrays || {}), ...msg.arrays } };
        if (!this.scheduled) {
          this.scheduled = true;
          requestAnimationFrame(() => this.render());
        }
      },
      ...this.side.handlers,
    };
  }

  /** B's first hello after the toggle: take A's whole config, its custom points, a fresh start. */
  copyLeft(bConfig) {
    const left = this.left();
    if (!left.config) return;
    const patch = difference(left.config, bConfig);
    if (Object.keys(patch).length) this.send({ type: "config", patch });
    // with A's own train/test split, so both sides train and test on the same points
    ownPointsMessages(left.config, left.data).forEach((m) => this.send(m));
    // Both curves start at epoch 0 from the same seed's weights, so they can be compared.
    this.sendLeft({ type: "reset" });
    if (left.state === "playing") this.send({ type: "play" });
  }

  applyConfig(config, version, reset) {
    this.config = config;
    this.version = version;
    for (const [key, value] of Object.entries(this.sent)) if (sameValue(value, config[key])) delete this.sent[key];
    this.controls.setConfig(config); // also disables the options the rules forbid (B's loss)
    this.side.setConfig(config);
    if (reset.includes("network") || reset.includes("data")) this.chart.clearB();
    this.sideB?.config(config, reset);
    this.showDiffers();
  }

  /** Build B's panel once: its settings, its output plot, its network and panels. */
  build() {
    if (this.controls) return;
    const els = this.els;
    this.controls = new Controls(this.fields, (patch) => {
      if (!this.send({ type: "config", patch })) this.controls.showError(Object.keys(patch)[0], t("error.offline"));
    }, this.rules);
    for (const key of SIDE_KEYS) this.controls.add(els.controls, key, WIDGETS[key] || {});
    this.labelControls();
    this.output = new OutputPanel({
      heatmap: els.heatmap, points: els.points, legend: els.legend, caption: els.caption,
      showTest: this.shared.showTest, discretize: this.shared.discretize,
    });
    this.side = new SideB({ fields: this.fields, send: (m) => this.send(m), editor: this.editor, output: this.output });
  }

  /** B's controls carry "(B)" in their accessible names, so they differ from A's. */
  labelControls() {
    if (!this.controls) return;
    for (const entries of this.controls.byKey.values()) {
      for (const e of entries) e.widget.el.setAttribute("aria-label", t("compare.field", { name: t(`field.${e.key}`), side: "B" }));
    }
  }

  /** Mark B's settings that differ from A's, and list them. */
  showDiffers() {
    if (!this.controls) return;
    const a = this.left().config;
    const b = this.config;
    const keys = a && b ? [...SIDE_KEYS, "features"].filter((k) => k in a && k in b && !sameValue(a[k], b[k])) : [];
    for (const [key, entries] of this.controls.byKey) for (const e of entries) e.wrap.classList.toggle("differs", keys.includes(key));
    this.differs = keys;
    this.els.differs.textContent = keys.length
      ? t("compare.differs", { keys: keys.map((k) => t(`field.${k}`)).join(t("list.sep")) })
      : t("compare.same");
  }

  showStatus() {
    this.els.status.textContent = t(this.status === "closed" ? "conn.connecting" : `conn.${this.status}`);
  }

  showEpoch() {
    this.els.epoch.textContent = String(this.epoch);
  }

  render() {
    this.scheduled = false;
    const frame = this.latest;
    if (!frame || !this.isOpen) return;
    this.output.setFrame(frame);
    this.side.draw(frame);
    if (this.output.hover?.target.kind === "unit") this.output.hover.grid = this.side.network.units;
    this.output.draw();
    this.chart.draw();
    showMetrics(this.els, frame.header.metrics || {});
    this.showEpoch();
  }

  /** What the tests read through window.__nnp.compare. */
  get hook() {
    return {
      open: this.isOpen, connection: this.status, config: this.config, version: this.version, epoch: this.epoch,
      state: this.state, lastHeader: this.lastHeader, data: this.data, dataMessages: this.dataMessages,
      differs: this.differs || [], rendered: !!this.latest,
      units: this.side?.network.unitCanvases.length ?? 0, links: this.side?.network.links.length ?? 0,
      diagnosis: this.side?.failures.codes ?? [], gradientCheck: this.side?.check.result ?? null,
      zeroWeights: this.side?.network.zeroWeights() ?? null,
      /** The weight of B's link (layer, i, j) as the page last received it. */
      weight: (layer, i, j) => this.side?.network.received(layer, i, j) ?? null,
    };
  }
}
