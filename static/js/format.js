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

// uPlot's log axis steps its ticks decade by decade, and below about 1e-22 its decades stop being
// exact (10 ** -23 is not 1e-23): an axis reaching that far down never ends its tick loop and
// throws "Invalid array length" after filling memory (1e-22 was the last to draw, checked in
// Chromium). A gradient or a loss below 1e-20 rests on the axis's floor instead: as good as 0 to
// anyone reading the chart, and still drawn.
export const LOG_FLOOR = 1e-20;

/** `v` where a log axis can place it: 0, negatives and non-finite values are gaps (null),
 * positive values below LOG_FLOOR are raised to it. */
export function onLogAxis(v) {
  if (!(v > 0) || !Number.isFinite(v)) return null;
  return Math.max(v, LOG_FLOOR);
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
