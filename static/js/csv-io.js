// Own data from a CSV file, by file picker or by dropping it on the output plane, and the
// current data downloaded as CSV.
//
// Upload is two steps because HTTP cannot reach the WebSocket's session (several workers may
// serve the page): POST /api/csv parses and checks the file and answers with points; only
// then does the page send a config patch (custom data of the file's problem and class count)
// and a `points` message that replaces the data. A refused file changes nothing.

import { el } from "./dom.js";
import { t, onLanguage } from "./i18n.js";
import { filePicker } from "./file-picker.js";
import { kib, StatusLine } from "./status-line.js";

const SPLIT_AT_BYTES = 256 * 1024; // keep each `points` message well under the message limit

/**
 * The `points` messages that replace a session's data by `points` (with their own train/test
 * `split` when given), each small enough for the message limit; the first one clears.
 */
export function pointsMessages(points, split = null) {
  const bytes = JSON.stringify(points).length;
  const chunks = Math.max(1, Math.ceil(bytes / SPLIT_AT_BYTES));
  const size = Math.ceil(points.length / chunks);
  const messages = [];
  for (let i = 0; i < points.length; i += size) {
    const message = { type: "points", add: points.slice(i, i + size) };
    if (i === 0) message.clear = true;
    if (split) message.train = split.slice(i, i + size);
    messages.push(message);
  }
  return messages;
}

/** The `points` messages that give another session a session's own points (its `data`
 *  message, with their split); none unless `config` says the data are custom. */
export function ownPointsMessages(config, data) {
  if (config?.dataset !== "custom" || !data) return [];
  return pointsMessages(data.train.concat(data.test), data.train.map(() => true).concat(data.test.map(() => false)));
}

export class CsvIO {
  /**
   * root: where the file controls go; dropTarget: the element files can be dropped on;
   * deps: {send(message), sendPatch(patch), problem() -> current problem, limits: schema limits,
   * onClassNames(names|null), requestExport(format)}.
   */
  constructor(root, dropTarget, deps) {
    this.deps = deps;
    this.build(root);
    this.bindDrop(dropTarget);
    onLanguage(() => this.relabel());
    this.relabel();
  }

  build(root) {
    this.heading = el("h3", "tool-heading");
    const row = el("div", "tool-row");
    ({ label: this.pick, text: this.pickText, input: this.input } =
      filePicker("csv-file", ".csv,.tsv,.txt,text/csv,text/plain", (file) => this.upload(file)));
    this.download = el("button", "text-button");
    this.download.type = "button";
    this.download.id = "csv-download";
    this.download.addEventListener("click", () => this.deps.requestExport("data_csv"));
    row.append(this.input, this.pick, this.download);
    this.hint = el("p", "hint");
    this.status = new StatusLine("csv-status", "\n");
    root.append(this.heading, row, this.hint, this.status.el);
  }

  bindDrop(target) {
    const files = (ev) => [...(ev.dataTransfer?.types || [])].includes("Files");
    target.addEventListener("dragover", (ev) => {
      if (!files(ev)) return;
      ev.preventDefault();
      ev.dataTransfer.dropEffect = "copy";
      target.classList.add("drop-target");
    });
    target.addEventListener("dragleave", () => target.classList.remove("drop-target"));
    target.addEventListener("drop", (ev) => {
      target.classList.remove("drop-target");
      if (!files(ev)) return;
      ev.preventDefault();
      const file = ev.dataTransfer.files[0];
      if (file) this.upload(file);
    });
  }

  /** Send `file` to the server for parsing; on success replace the session's data with it. */
  async upload(file) {
    const limit = this.deps.limits?.max_upload_bytes;
    if (limit && file.size > limit) {
      this.show("error", "csv.too_big", { name: file.name, limit: kib(limit) });
      return;
    }
    const problem = this.deps.problem();
    this.show("busy", "csv.reading", { name: file.name });
    let reply;
    let status;
    try {
      const res = await fetch(`/api/csv?problem=${encodeURIComponent(problem)}`, { method: "POST", body: file });
      status = res.status;
      reply = await res.json().catch(() => null);
    } catch (err) {
      this.show("error", "csv.network", { name: file.name }, String(err.message || err));
      return;
    }
    if (status !== 200 || !reply || !Array.isArray(reply.points)) {
      const e = reply?.error || {};
      const key = status === 413 ? "csv.too_big_server" : e.line != null ? "csv.bad_line" : "csv.bad";
      // The framing already names the line; the server's detail is kept without its "line n:".
      const detail = (e.message || `HTTP ${status}`).replace(e.line != null ? /^line \d+:\s*/ : /^$/, "");
      this.show("error", key, { name: file.name, line: e.line }, detail);
      return;
    }
    if (!reply.points.length) {
      this.show("error", "csv.empty", { name: file.name });
      return;
    }
    const patch = { dataset: "custom", problem: reply.problem };
    if (reply.problem === "classification") patch.n_classes = reply.n_classes;
    this.deps.sendPatch(patch);
    if (!this.sendPoints(reply.points, reply.split)) { this.show("error", "error.offline"); return; }
    this.deps.onClassNames(reply.class_names || null);
    const params = { name: file.name, n: reply.points.length, rows: reply.rows ?? reply.points.length };
    this.show("ok", "csv.loaded", params, (reply.messages || []).join("\n"));
  }

  /** Replace the data by `points` (with the file's own train/test `split`, if it had one),
   *  in messages that each fit the message limit; false when the connection dropped them. */
  sendPoints(points, split = null) {
    return pointsMessages(points, split).every((message) => this.deps.send(message));
  }

  /** Show an outcome; the framing is translated, the server's own detail is kept as sent. */
  show(kind, key, params = {}, detail = "") {
    this.status.show(kind, key, params, detail);
  }

  relabel() {
    this.heading.textContent = t("csv.heading");
    this.pickText.textContent = t("csv.upload");
    this.pick.title = t("csv.upload_title");
    this.input.setAttribute("aria-label", t("csv.upload_title"));
    this.download.textContent = t("csv.download");
    this.download.title = t("csv.download_title");
    this.hint.textContent = t("csv.hint");
    this.status.render();
  }
}
