// The one DOM helper the tool panels share (CSV, exports, point editing build their controls
// element by element).

/** A new `tag` element with class `cls` (none when omitted). */
export function el(tag, cls) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  return e;
}
