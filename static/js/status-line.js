// One translated line that says how an action went (busy, ok, error) under the controls that
// started it. It keeps what it showed, so a language switch re-frames the same outcome; the
// server's own detail text is shown as sent.

import { t } from "./i18n.js";

export class StatusLine {
  /** A hidden, polite live region with id `id`; `separator` joins the framing and the detail. */
  constructor(id, separator = " ") {
    this.el = document.createElement("div");
    this.el.className = "csv-status";
    this.el.id = id;
    this.el.setAttribute("role", "status");
    this.el.setAttribute("aria-live", "polite");
    this.el.hidden = true;
    this.separator = separator;
    this.report = null; // {kind, key, params, detail}
  }

  /** Show an outcome: `kind` "busy" | "ok" | "error", `key` a string table key with `params`. */
  show(kind, key, params = {}, detail = "") {
    this.report = { kind, key, params, detail };
    this.render();
  }

  /** Draw the last outcome in the current language (call after a language switch). */
  render() {
    const r = this.report;
    this.el.hidden = !r;
    if (!r) return;
    this.el.className = `csv-status ${r.kind}`;
    this.el.setAttribute("role", r.kind === "error" ? "alert" : "status");
    this.el.textContent = [t(r.key, r.params), r.detail].filter(Boolean).join(this.separator);
  }
}

/** A size in KiB as the status lines print it (at least 1). */
export const kib = (bytes) => `${Math.max(1, Math.round(bytes / 1024))} KiB`;
