// The lesson picker: the lessons of /api/lessons in a drop-down, one choice sets the config
// (the server applies the lesson), and a dismissible panel explains what to look at in the
// current language. Panels the lesson names in `watch` are highlighted (elements carrying
// data-watch="name", or several names separated by spaces). `?lesson=<id>` opens a lesson on
// load, and the address bar keeps that id for as long as the config is the lesson's.

import { language, onLanguage, t } from "./i18n.js";
import { sameValue } from "./schema.js";

/**
 * els: {select, panel, title, text, watch, note, error, close, restart}.
 * onChoose(lesson): called when a lesson is chosen (main.js sends it, compare.js opens the
 * right-hand side for lessons with `compare`).
 */
export class LessonPicker {
  constructor(els, onChoose) {
    this.els = els;
    this.onChoose = onChoose;
    this.lessons = [];
    this.loaded = false;
    this.live = false;
    this.pendingId = new URLSearchParams(location.search).get("lesson");
    this.unknownId = null;
    this.shown = null; // the lesson whose explanation is on screen
    this.active = null; // the lesson the config still is (the URL names it)
    this.awaiting = false; // sent, the server's reply not yet seen
    this.stopReason = null;
    els.select.addEventListener("change", () => { if (els.select.value) this.choose(els.select.value); });
    els.close.addEventListener("click", () => this.dismiss());
    els.restart.addEventListener("click", () => { if (this.shown) this.choose(this.shown.id); });
    window.addEventListener("popstate", () => {
      const id = new URLSearchParams(location.search).get("lesson");
      if (id && id !== this.active?.id) this.chooseWhenReady(id);
    });
    onLanguage(() => { this.fillSelect(); this.render(); });
  }

  /** Fetch the lessons (once, at start-up). A failure leaves the picker empty, with a note. */
  async load() {
    try {
      const r = await fetch("/api/lessons");
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      this.lessons = [...(await r.json()).lessons].sort((a, b) => a.order - b.order);
    } catch (err) {
      console.warn("nnp: lessons not available", err);
      this.els.select.disabled = true;
    }
    this.loaded = true;
    this.fillSelect();
    this.tryPending();
  }

  /** The session is live (hello received): a lesson from the URL can be sent now. */
  connected() {
    this.live = true;
    this.tryPending();
  }

  chooseWhenReady(id) {
    this.pendingId = id;
    this.tryPending();
  }

  tryPending() {
    if (!this.pendingId || !this.loaded || !this.live) return;
    const id = this.pendingId;
    this.pendingId = null;
    this.choose(id);
  }

  /** Open lesson `id`: apply it (through onChoose), show its explanation, highlight its panels. */
  choose(id) {
    const lesson = this.lessons.find((l) => l.id === id);
    if (!lesson) {
      this.unknownId = id;
      this.shown = null;
      this.active = null;
      this.highlight([]);
      this.render();
      this.onUrlChange?.();
      return;
    }
    this.unknownId = null;
    this.shown = lesson;
    this.active = lesson;
    this.awaiting = true;
    this.stopReason = null;
    this.highlight(lesson.watch);
    this.render();
    this.onChoose(lesson);
  }

  /** The server's `lesson` reply: the configs that follow are the lesson's. */
  onReply(msg) {
    if (msg.side === "left" && this.active?.id === msg.id) this.awaiting = false;
  }

  /** Every config the left session reports: a config that left the lesson's drops its URL. */
  configChanged(config) {
    this.refreshHighlight(); // panels built since (e.g. for a new network) get the highlight too
    if (!this.active || this.awaiting) return;
    const same = Object.entries(this.active.config).every(([k, v]) => k in config && sameValue(v, config[k]));
    if (!same) {
      this.active = null;
      this.fillSelect();
    }
  }

  /** A state message: say why training stopped when the lesson's epochs are done. */
  onState(msg) {
    if (msg.state === "playing") this.stopReason = this.stopReason === "manual" ? "manual" : null;
    else if (msg.reason === "epochs" && this.shown) this.stopReason = "epochs";
    // Paused by hand before the lesson's epochs: the server drops the target, so do we.
    else if (msg.state === "paused" && !msg.reason && this.shown?.epochs && !this.awaiting
             && (msg.epoch ?? 0) < this.shown.epochs) this.stopReason = "manual";
    this.renderNote();
  }

  /** The query string the address bar should show, or null when no lesson owns it. */
  urlSearch() {
    const id = this.pendingId || this.active?.id;
    return id ? `?lesson=${encodeURIComponent(id)}` : null;
  }

  /** Wrap the config URL writer: while a lesson owns the config, the URL names the lesson. */
  wrapWriter(writeConfig, extra = () => "") {
    this.extraSearch = extra; // the view switches ride along with ?lesson=id
    this.onUrlChange = () => this.lastConfig && this.write(writeConfig, this.lastConfig, { replace: true });
    return (config, opts = {}) => {
      this.lastConfig = config;
      this.write(writeConfig, config, opts);
    };
  }

  write(writeConfig, config, opts) {
    const lesson = this.urlSearch();
    if (!lesson) { writeConfig(config, opts); return; }
    const search = lesson + (this.extraSearch?.() || "");
    if (location.search === search) return;
    const url = location.pathname + search + location.hash;
    if (opts.replace) history.replaceState(null, "", url);
    else history.pushState(null, "", url);
  }

  dismiss() {
    this.shown = null;
    this.unknownId = null;
    this.highlight([]);
    this.render();
  }

  /** Mark the panels named in `names` (elements with a matching data-watch). */
  highlight(names) {
    this.watching = names;
    this.refreshHighlight();
  }

  /** Re-apply the highlight (panels built after the lesson was chosen get it too). */
  refreshHighlight() {
    const names = this.watching || [];
    for (const el of document.querySelectorAll("[data-watch]")) {
      const mine = el.dataset.watch.split(/\s+/);
      el.classList.toggle("watched", names.some((n) => mine.includes(n)));
    }
  }

  fillSelect() {
    const sel = this.els.select;
    const first = document.createElement("option");
    first.value = "";
    first.textContent = t("lesson.choose");
    const lang = language();
    sel.replaceChildren(first, ...this.lessons.map((l) => {
      const o = document.createElement("option");
      o.value = l.id;
      o.textContent = l.title[lang] || l.title.en;
      return o;
    }));
    // After the explanation is dismissed the picker offers every lesson again, this one too.
    sel.value = (this.shown && this.active?.id) || "";
  }

  render() {
    const { panel, title, text, watch, error } = this.els;
    const lang = language();
    panel.hidden = !this.shown && !this.unknownId;
    error.hidden = !this.unknownId;
    if (this.unknownId) {
      error.textContent = t("lesson.unknown", { id: this.unknownId, ids: this.lessons.map((l) => l.id).join(", ") });
    }
    const lesson = this.shown;
    title.hidden = text.hidden = watch.hidden = this.els.restart.hidden = !lesson;
    if (lesson) {
      title.textContent = lesson.title[lang] || lesson.title.en;
      text.textContent = lesson.explanation[lang] || lesson.explanation.en;
      watch.hidden = !lesson.watch.length;
      watch.textContent = t("lesson.watch", { panels: lesson.watch.map((n) => t(`lesson.panel.${n}`)).join(t("list.sep")) });
    }
    this.fillSelect();
    this.renderNote();
  }

  renderNote() {
    const { note } = this.els;
    const lesson = this.shown;
    note.hidden = !lesson || !lesson.epochs || this.stopReason === "manual";
    if (note.hidden) return;
    note.textContent = this.stopReason === "epochs"
      ? t("lesson.epochs_done", { n: lesson.epochs })
      : t("lesson.epochs", { n: lesson.epochs });
  }

  /** What the tests read: loaded, the lesson shown, the one the config still is, an unknown id. */
  get hook() {
    return { loaded: this.loaded, count: this.lessons.length, shown: this.shown?.id ?? null,
      active: this.active?.id ?? null, unknown: this.unknownId };
  }
}
