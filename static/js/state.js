// Shareable state: the whole config lives in the URL's query string, so a teacher's link
// reproduces the same setup and, with the same seed, the same data. Back/forward restore
// earlier configs. Bad parameters are reported and ignored, never fatal.

import { formatValue, parseValue, FieldError } from "./schema.js";
import { VIEW_KEYS } from "./view-state.js";

/** Read the config in `search` (location.search): {patch, errors: [FieldError]}. */
export function readUrl(fields, search = location.search) {
  const params = new URLSearchParams(search);
  const patch = {};
  const errors = [];
  for (const [key, text] of params) {
    if (key === "lang") continue; // a view preference, handled by main.js
    if (key === "lesson") continue; // a lesson id, opened by lessons.js
    if (key === "class") continue; // a class code from the teacher's join link, read by classroom.js
    if (VIEW_KEYS.includes(key)) continue; // a view switch, set by view-state.js
    try {
      patch[key] = parseValue(fields, key, text);
    } catch (err) {
      errors.push(err instanceof FieldError ? err : new FieldError(key, String(err.message || err)));
    }
  }
  return { patch, errors };
}

/** The query string for a full config, keys in schema order. */
export function configToSearch(fields, config) {
  const params = new URLSearchParams();
  for (const key of Object.keys(fields)) {
    if (key in config) params.set(key, formatValue(config[key]));
  }
  // Commas are safe in a query and keep lists readable: hidden=4,2 rather than hidden=4%2C2.
  return "?" + params.toString().replace(/%2C/g, ",");
}

/**
 * Write the config to the address bar. A user change pushes a history entry (so Back
 * undoes it); changes within `coalesceMs` of the last push replace it, so dragging a
 * slider leaves one entry, not fifty. `replace` forces replacing (start-up, back/forward).
 * `extra()` returns more of the query to append ("&show_test=1"; the view switches).
 */
export function makeUrlWriter(fields, coalesceMs = 1000, extra = () => "") {
  let lastPush = -Infinity;
  return function write(config, { replace = false } = {}) {
    const search = configToSearch(fields, config) + extra(); // extra: the view switches
    if (search === location.search) return;
    const url = location.pathname + search + location.hash;
    const now = performance.now();
    if (replace || now - lastPush < coalesceMs) {
      history.replaceState(null, "", url);
    } else {
      history.pushState(null, "", url);
      lastPush = now;
    }
  };
}
