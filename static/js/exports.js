// Taking results away: the model as JSON, a NumPy script, PyTorch code, the loss history and
// the data as CSV (all written by the server, answered to an `export` message), the output
// as a figure in PNG and SVG (figure.js: axes, colour key, points, title), and loading a model file back
// (`load_model`; the session answers with config, data, state and a frame, as after a reset).

import { el } from "./dom.js";
import { t, onLanguage } from "./i18n.js";
import { filePicker } from "./file-picker.js";
import { kib, StatusLine } from "./status-line.js";
import { buildFigure, figureCanvas, figureSvg } from "./figure.js";

const FORMATS = ["model", "numpy", "pytorch", "numpy_training", "pytorch_training", "notebook", "history_csv"];
const DEFAULT_MESSAGE_LIMIT = 512 * 1024;

/** Offer `blob` as a download called `filename` (an anchor click; the URL is freed afterwards). */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export class Exports {
  /**
   * root: where the export group goes; planes: {heatmap, points} canvases of the output;
   * deps: {send(message) -> bool, limits: schema limits, figureInfo() -> what buildFigure needs}.
   */
  constructor(root, planes, deps) {
    this.planes = planes;
    this.deps = deps;
    this.waiting = 0; // export/load requests not yet answered (their errors are shown here)
    this.build(root);
    onLanguage(() => this.relabel());
    this.relabel();
  }

  build(root) {
    this.details = el("details", "exports");
    this.details.id = "exports";
    this.summary = el("summary");
    const group = el("div", "tool-row wrap");
    group.setAttribute("role", "group");
    this.group = group;
    this.buttons = {};
    for (const format of FORMATS) {
      const b = el("button", "text-button");
      b.type = "button";
      b.id = `export-${format}`;
      b.addEventListener("click", () => this.request(format));
      this.buttons[format] = b;
      group.append(b);
    }
    this.png = el("button", "text-button");
    this.png.type = "button";
    this.png.id = "export-png";
    this.png.addEventListener("click", () => this.savePng());
    this.svg = el("button", "text-button");
    this.svg.type = "button";
    this.svg.id = "export-svg";
    this.svg.addEventListener("click", () => this.saveSvg());
    ({ label: this.load, text: this.loadText, input: this.input } =
      filePicker("model-file", ".json,application/json", (file) => this.loadModel(file)));
    group.append(this.png, this.svg, this.input, this.load);
    this.status = new StatusLine("export-status");
    this.details.append(this.summary, group, this.status.el);
    root.append(this.details);
  }

  /** Ask the server for one of its exports; the reply arrives in receive(). */
  request(format, extra = {}) {
    if (!this.deps.send({ type: "export", format, ...extra })) { this.show("error", "error.offline"); return; }
    this.waiting += 1;
  }

  /** An `export` reply: hand its content to the browser as a download. */
  receive(msg) {
    this.waiting = Math.max(0, this.waiting - 1);
    saveBlob(new Blob([msg.content], { type: msg.mime || "application/octet-stream" }), msg.filename);
    this.show("ok", "export.saved", { name: msg.filename });
  }

  /**
   * Called for every `error` message: one that answers an export or load_model request is
   * shown here (true); any other is left to the page (false).
   */
  handleError(msg, text) {
    // Engine refusals of a model name the field "model"; a bad format names "format".
    const ours = msg.code === "invalid_model" || (this.waiting > 0 && ["format", "model"].includes(msg.field));
    if (!ours) return false;
    this.waiting = Math.max(0, this.waiting - 1);
    this.loading = false;
    this.show("error", msg.code === "invalid_model" ? "export.bad_model" : "export.failed", {}, text);
    return true;
  }

  /** The session took a loaded model (its config reply arrived). */
  loaded() {
    if (!this.loading) return;
    this.loading = false;
    this.waiting = Math.max(0, this.waiting - 1);
    this.show("ok", "export.loaded", { name: this.loadingName });
  }

  /** Read a model file and send it, refusing what the server could not take anyway. */
  async loadModel(file) {
    const limit = this.deps.limits?.max_message_bytes || DEFAULT_MESSAGE_LIMIT;
    if (file.size > limit) {
      this.show("error", "export.model_too_big", { name: file.name, size: kib(file.size), limit: kib(limit) });
      return;
    }
    let model;
    try {
      model = JSON.parse(await file.text());
    } catch (err) {
      this.show("error", "export.not_json", { name: file.name }, String(err.message || err));
      return;
    }
    if (!model || typeof model !== "object" || Array.isArray(model)) {
      this.show("error", "export.not_json", { name: file.name });
      return;
    }
    const message = { type: "load_model", model };
    const bytes = new TextEncoder().encode(JSON.stringify(message)).length;
    if (bytes > limit) {
      this.show("error", "export.model_too_big", { name: file.name, size: kib(bytes), limit: kib(limit) });
      return;
    }
    if (!this.deps.send(message)) { this.show("error", "error.offline"); return; }
    this.waiting += 1;
    this.loading = true;
    this.loadingName = file.name;
    this.show("busy", "export.loading", { name: file.name });
  }

  /** The output as a figure (axes, key, points, title) in PNG. */
  savePng() {
    const canvas = figureCanvas(buildFigure(this.deps.figureInfo()));
    canvas.toBlob((blob) => {
      if (!blob) { this.show("error", "export.png_failed"); return; }
      saveBlob(blob, "nn-playground-output.png");
      this.show("ok", "export.saved", { name: "nn-playground-output.png" });
    }, "image/png");
  }

  /** The same figure as SVG. */
  saveSvg() {
    const svg = figureSvg(buildFigure(this.deps.figureInfo()));
    saveBlob(new Blob([svg], { type: "image/svg+xml" }), "nn-playground-output.svg");
    this.show("ok", "export.saved", { name: "nn-playground-output.svg" });
  }

  show(kind, key, params = {}, detail = "") {
    this.status.show(kind, key, params, detail);
  }

  relabel() {
    this.summary.textContent = t("export.heading");
    this.group.setAttribute("aria-label", t("export.heading"));
    for (const [format, b] of Object.entries(this.buttons)) {
      b.textContent = t(`export.${format}`);
      b.title = t(`export.${format}_title`);
    }
    this.png.textContent = t("export.png");
    this.png.title = t("export.png_title");
    this.svg.textContent = t("export.svg");
    this.svg.title = t("export.svg_title");
    this.loadText.textContent = t("export.load");
    this.load.title = t("export.load_title");
    this.input.setAttribute("aria-label", t("export.load_title"));
    this.status.render();
  }
}
