// Everything the page says about itself: the connection state, the note saying what a
// change reset, the divergence banner, the report of ignored URL parameters, and errors
// that belong to no single control.

import { t } from "./i18n.js";

export function createStatus(els) {
  let conn = { state: "connecting", detail: {}, retry: null };
  let diverged = null;
  let urlErrors = [];
  let noteTimer = null;
  let lastNote = null; // () => the note's text, in the current language

  function showConnection() {
    const { state, detail, retry } = conn;
    els.conn.className = `connection ${state}`;
    els.conn.replaceChildren();
    const dot = document.createElement("span");
    dot.className = "dot";
    const text = document.createElement("span");
    text.textContent = state === "reconnecting" && detail.inMs
      ? t("conn.reconnecting_in", { s: Math.max(1, Math.round(detail.inMs / 1000)) })
      : t(`conn.${state}`);
    els.conn.append(dot, text);
    if (state === "reconnecting" && retry) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "link";
      b.textContent = t("conn.retry");
      b.addEventListener("click", retry);
      els.conn.append(b);
    }
  }

  function showBanner() {
    els.banner.hidden = diverged == null;
    if (diverged != null) els.banner.textContent = t("banner.diverged", { epoch: diverged });
  }

  function showUrlReport() {
    els.urlReport.hidden = !urlErrors.length;
    els.urlReport.replaceChildren();
    if (!urlErrors.length) return;
    const title = document.createElement("strong");
    title.textContent = t("url.ignored");
    const list = document.createElement("ul");
    for (const e of urlErrors) {
      const li = document.createElement("li");
      li.textContent = `${e.key}: ${e.message}`;
      list.append(li);
    }
    const close = document.createElement("button");
    close.type = "button";
    close.className = "close";
    close.textContent = "×";
    close.title = t("dismiss");
    close.setAttribute("aria-label", close.title);
    close.addEventListener("click", () => { urlErrors = []; showUrlReport(); });
    els.urlReport.append(close, title, list);
  }

  function showNote() {
    if (lastNote) els.note.textContent = lastNote(); // a function: it says it again in a new language
  }

  function note(text, seconds) {
    lastNote = text;
    showNote();
    els.note.hidden = false;
    clearTimeout(noteTimer);
    noteTimer = setTimeout(() => { els.note.hidden = true; }, seconds * 1000);
  }

  return {
    connection(state, detail, retry) { conn = { state, detail: detail || {}, retry }; showConnection(); },
    diverged(epoch) { diverged = epoch; showBanner(); },
    urlErrors(list) { urlErrors = [...list]; showUrlReport(); },
    resetNote(parts) {
      note(() => t("note.reset", { parts: parts.map((p) => t(`reset.${p}`)).join(t("list.sep")) }), 5);
    },
    /** After a server restart the run could not be kept (`tooLarge`: bigger than the server takes
     * back): the settings and points are back, training starts again from epoch 0. */
    runLost(tooLarge) {
      note(() => t(tooLarge ? "note.run_too_large" : "note.run_lost"), 15);
    },
    /** Show an error near `place` (an element) or in the general error line. */
    error(message, place = null) {
      const el = place || els.errors;
      el.textContent = message;
      el.hidden = false;
      clearTimeout(el._timer);
      el._timer = setTimeout(() => { el.hidden = true; }, 10000);
    },
    relabel() { showConnection(); showBanner(); showUrlReport(); showNote(); },
  };
}
