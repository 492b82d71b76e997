// Colour scales and 256-entry lookup tables, shared by every heatmap and the points.
//
// Binary and regression use the TensorFlow Playground's orange ↔ white ↔ blue scale
// (safe for the common red–green colour blindness). Multi-class uses the Okabe–Ito
// palette, shaded towards white as the model's confidence drops.

export const ORANGE = [245, 147, 34];   // #f59322: class 0, negative values
export const NEUTRAL = [232, 234, 235]; // #e8eaeb: the boundary, zero
export const BLUE = [8, 119, 189];      // #0877bd: class 1, positive values

/** Okabe–Ito colours for up to 5 classes; the first two match the binary scale's ends. */
export const CLASS_COLORS = [ORANGE, BLUE, [0, 158, 115], [204, 121, 167], [86, 64, 0]];

// Whole numbers: the screen shows no more, and a colour that did not visibly change keeps the
// same string, so callers can skip rewriting it.
export const css = (rgb) => `rgb(${Math.round(rgb[0])},${Math.round(rgb[1])},${Math.round(rgb[2])})`;

function mix(a, b, t) {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/** The diverging scale at t in [-1, 1]: -1 orange, 0 neutral, +1 blue. */
export function diverging(t) {
  const c = Math.max(-1, Math.min(1, t));
  return c < 0 ? mix(NEUTRAL, ORANGE, -c) : mix(NEUTRAL, BLUE, c);
}

const lutCache = new Map();

/**
 * A lookup table from a quantised byte q (value = lo + q/255·(hi−lo)) to a packed
 * ABGR uint32 (ImageData's byte order on little-endian machines), on the diverging scale
 * centred at zero (full colour at ±ownSpan when given, else at the range's larger end). `discrete` snaps every value to its sign, as the Playground's
 * "discretize output" does.
 */
export function divergingLut(lo, hi, discrete = false, ownSpan = null) {
  const key = `${lo}|${hi}|${discrete}|${ownSpan}`;
  let lut = lutCache.get(key);
  if (lut) return lut;
  lut = new Uint32Array(256);
  // ownSpan: a grid quantised over a shared range (the features) still uses its own full scale.
  const span = ownSpan || Math.max(Math.abs(lo), Math.abs(hi)) || 1;
  for (let q = 0; q < 256; q++) {
    const v = lo + (q / 255) * (hi - lo);
    const t = discrete ? Math.sign(v) : v / span;
    lut[q] = pack(diverging(t));
  }
  if (lutCache.size > 64) lutCache.clear(); // lo/hi drift while training; keep the cache small
  lutCache.set(key, lut);
  return lut;
}

/** Per-class tables: entry [k][q] is class k's colour at probability q/255 (of K classes). */
export function classLuts(k) {
  const key = `classes|${k}`;
  let luts = lutCache.get(key);
  if (luts) return luts;
  luts = CLASS_COLORS.slice(0, k).map((color) => {
    const lut = new Uint32Array(256);
    for (let q = 0; q < 256; q++) {
      // Confidence above chance (1/K) drives the shade: chance is neutral, certainty full colour.
      const p = q / 255;
      const t = Math.max(0, (p - 1 / k) / (1 - 1 / k));
      lut[q] = pack(mix(NEUTRAL, color, t));
    }
    return lut;
  });
  lutCache.set(key, luts);
  return luts;
}

/** Pack an [r, g, b] triple as an opaque ABGR uint32 for a Uint32Array view of ImageData. */
export function pack(rgb) {
  return ((255 << 24) | (Math.round(rgb[2]) << 16) | (Math.round(rgb[1]) << 8) | Math.round(rgb[0])) >>> 0;
}

/** The colour of a data point: its class colour, or the diverging scale for a regression target. */
export function pointColor(label, problem) {
  if (problem === "regression") return css(diverging(label));
  return css(CLASS_COLORS[label] || NEUTRAL);
}
