// The "?" buttons next to controls and panels (as the TensorFlow Playground has): a click opens a
// short card explaining that part of the page, in the current language; Escape, a second click
// or a click elsewhere closes it.

import { t, onLanguage } from "./i18n.js";

/** Wire every [data-help] button under `root`; the card's text is the string key data-help names. */
export function bindHelp(root = document) {
  const card = document.createElement("div");
  card.className = "popover help-card";
  card.setAttribute("role", "note");
  card.hidden = true;
  document.body.append(card);
  let owner = null;

  const close = () => {
    card.hidden = true;
    owner?.setAttribute("aria-expanded", "false");
    owner = null;
  };
  const open = (button) => {
    owner?.setAttribute("aria-expanded", "false");
    owner = button;
    card.textContent = t(button.dataset.help);
    card.hidden = false;
    button.setAttribute("aria-expanded", "true");
    const r = button.getBoundingClientRect();
    const width = Math.min(320, window.innerWidth - 16);
    card.style.left = `${Math.max(8, Math.min(window.innerWidth - width - 8, r.left)) + window.scrollX}px`;
    card.style.top = `${r.bottom + 6 + window.scrollY}px`;
  };

  for (const button of root.querySelectorAll("[data-help]")) {
    button.setAttribute("aria-expanded", "false");
    button.addEventListener("click", (ev) => {
      ev.stopPropagation();
      if (owner === button) close();
      else open(button);
    });
  }
  document.addEventListener("click", (ev) => { if (owner && !card.contains(ev.target)) close(); });
  document.addEventListener("keydown", (ev) => { if (ev.key === "Escape" && owner) close(); });
  onLanguage(() => { if (owner) card.textContent = t(owner.dataset.help); });
  return { card, close };
}
