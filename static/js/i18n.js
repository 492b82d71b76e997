// Two languages, switchable and remembered. Static text is marked in the HTML with
// data-i18n (text), data-i18n-title (tooltip + accessible name) and data-i18n-placeholder;
// modules that build text themselves call t() and subscribe with onLanguage().

import en from "./strings/en.js";
import zh from "./strings/zh.js";

export const LANGUAGES = { en, zh };
const STORAGE_KEY = "nnp.lang";
const listeners = new Set();
let current = "en";

/** The language to start with: the remembered one, else the browser's. */
function initialLanguage() {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved && LANGUAGES[saved]) return saved;
  } catch { /* storage may be disabled; fall through */ }
  return (navigator.language || "").toLowerCase().startsWith("zh") ? "zh" : "en";
}

/** The text for `key` in the current language with {name} placeholders filled in. */
export function t(key, params = {}) {
  const table = LANGUAGES[current];
  let text = table[key] ?? en[key];
  if (text === undefined) return key; // visible in the page, and caught by the strings test
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/** True when a string exists for `key` (option labels fall back to raw names otherwise). */
export const has = (key) => key in en;

export const language = () => current;

/** Fill every marked element under `root` with the current language's text. */
export function translate(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-title]")) {
    const text = t(el.dataset.i18nTitle);
    el.title = text;
    el.setAttribute("aria-label", text);
  }
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
}

/** Switch language, remember it, and redraw all text. */
export function setLanguage(lang) {
  if (!LANGUAGES[lang]) return;
  current = lang;
  try { localStorage.setItem(STORAGE_KEY, lang); } catch { /* not remembered, still switched */ }
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  translate();
  for (const fn of listeners) fn(lang);
}

/** Call `fn` after every language switch (for text a module builds itself). */
export function onLanguage(fn) {
  listeners.add(fn);
}

export function initLanguage() {
  setLanguage(initialLanguage());
}
