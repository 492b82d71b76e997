// Numbers for people: every number the page prints goes through here, so a diverging
// regression shows "−2.2 × 10²⁴", not "-2.2098537911590775e+24" (issue 14).

const SUPERSCRIPT = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };
const MINUS = "−"; // U+2212: a real minus sign, as in the plot's tick labels

/**
 * `v` with `digits` significant digits: plain for 0.001 ≤ |v| < 100 000 ("0.42", "1250"),
 * as "a × 10ⁿ" beyond; NaN as "NaN", ±∞ as "∞"/"−∞", null/undefined as "—".
 */
export function fmtNum(v, digits = 3) {
  if (v == null) return "—";
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : `${MINUS}∞`;
  if (v === 0) return "0";
  const sign = v < 0 ? MINUS : "";
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) {
    // toPrecision keeps `digits` significant digits; Number() drops trailing zeros ("0.500" → 0.5).
    const text = a >= 10 ** digits ? Math.round(a).toString() : String(Number(a.toPrecision(digits)));
    return sign + text;
  }
  const [mantissa, exponent] = a.toExponential(digits - 1).split("e");
  const power = String(Number(exponent)).replace(/./g, (ch) => SUPERSCRIPT[ch]);
  return `${sign}${Number(mantissa)} × 10${power}`;
}

// uPlot rounds a log axis's ends to whole decades: below about 1e-308 (subnormal numbers) the lower
// decade rounds to 0 and its tick loop never ends (it throws "Invalid array length" after
// filling memory). A gradient of 1e-300 is as dead as 0 for anyone reading the chart.
export const LOG_FLOOR = 1e-300;

/** `v` where a log axis can place it (finite, ≥ LOG_FLOOR), else null: a gap in the line. */
export function onLogAxis(v) {
  return Number.isFinite(v) && v >= LOG_FLOOR ? v : null;
}

/** The top of a linear axis from 0 that shows `hi` with 5 % headroom, finite even for 1e308. */
export function linearTop(hi) {
  return Math.min(Math.max(hi, 1e-3) * 1.05, Number.MAX_VALUE);
}

/** A value with a fixed number of decimals where it fits (losses: "0.504"), else fmtNum. */
export function fmtFixed(v, decimals = 3) {
  if (v == null || !Number.isFinite(v)) return fmtNum(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 10 ** -decimals || a >= 1000)) return fmtNum(v, 4);
  return v.toFixed(decimals).replace("-", MINUS);
}
