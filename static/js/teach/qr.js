// The join link as a QR code (vendored qrcode-generator), drawn as SVG elements: no inline
// style or markup string, so the page's strict CSP holds.

import qrcode from "../../vendor/qrcode-generator/qrcode.mjs";

const SVG = "http://www.w3.org/2000/svg";

/** Fill `container` with an SVG QR code of `text`. */
export function drawQr(container, text) {
  const qr = qrcode(0, "M");
  qr.addData(text);
  qr.make();
  const n = qr.getModuleCount();
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `-2 -2 ${n + 4} ${n + 4}`);
  svg.setAttribute("shape-rendering", "crispEdges");
  const back = document.createElementNS(SVG, "rect");
  for (const [k, v] of [["x", -2], ["y", -2], ["width", n + 4], ["height", n + 4], ["fill", "#fff"]]) back.setAttribute(k, v);
  let d = "";
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) if (qr.isDark(r, c)) d += `M${c} ${r}h1v1h-1z`;
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", d);
  path.setAttribute("fill", "#000");
  svg.append(back, path);
  container.replaceChildren(svg);
  container.setAttribute("aria-label", text);
}
