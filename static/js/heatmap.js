// Drawing quantised uint8 grids into canvases, reused by units, features and the output.
//
// A grid is drawn at its own resolution (g×g ImageData on a g×g canvas); CSS scales the
// canvas up, so a frame costs one putImageData per grid however large it is shown.

import { classLuts, divergingLut } from "./colors.js";

const images = new WeakMap(); // canvas -> {image, pixels}: reuse buffers across frames

function imageFor(canvas, w, h) {
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  let entry = images.get(canvas);
  if (!entry || entry.image.width !== w || entry.image.height !== h) {
    const image = canvas.getContext("2d").createImageData(w, h);
    entry = { image, pixels: new Uint32Array(image.data.buffer) };
    images.set(canvas, entry);
  }
  return entry;
}

/**
 * Draw grid number `index` of a (n, g, g) or (g, g) uint8 array with a diverging scale.
 * `grid` is {data: Uint8Array, shape, lo, hi} as decoded by frame.js.
 */
export function drawGrid(canvas, grid, index = 0, discrete = false) {
  const [h, w] = grid.shape.slice(-2);
  const size = h * w;
  const { image, pixels } = imageFor(canvas, w, h);
  const lut = divergingLut(grid.lo, grid.hi, discrete, grid.span);
  const data = grid.data;
  const start = index * size;
  for (let p = 0; p < size; p++) pixels[p] = lut[data[start + p]];
  canvas.getContext("2d").putImageData(image, 0, 0);
}

/**
 * Draw a (K, g, g) grid of class probabilities: each pixel takes its most likely class's
 * colour, shaded by that probability (or at full strength when `discrete`).
 */
export function drawClasses(canvas, grid, discrete = false) {
  const [k, h, w] = grid.shape;
  const size = h * w;
  const { image, pixels } = imageFor(canvas, w, h);
  const luts = classLuts(k);
  const data = grid.data;
  for (let p = 0; p < size; p++) {
    let best = 0;
    let bestQ = data[p];
    for (let c = 1; c < k; c++) {
      const q = data[c * size + p];
      if (q > bestQ) { best = c; bestQ = q; }
    }
    pixels[p] = luts[best][discrete ? 255 : bestQ];
  }
  canvas.getContext("2d").putImageData(image, 0, 0);
}

/** Draw class k's probability from a (K, g, g) grid, shaded in that class's colour. */
export function drawClassGrid(canvas, grid, k) {
  const [count, h, w] = grid.shape;
  const size = h * w;
  const { image, pixels } = imageFor(canvas, w, h);
  const lut = classLuts(count)[k];
  const data = grid.data;
  for (let p = 0; p < size; p++) pixels[p] = lut[data[k * size + p]];
  canvas.getContext("2d").putImageData(image, 0, 0);
}

/** Draw the output grid the way its kind asks: classes for multiclass, diverging otherwise. */
export function drawOutput(canvas, grid, kind, discrete = false) {
  if (kind === "multiclass" && grid.shape.length === 3) drawClasses(canvas, grid, discrete);
  else drawGrid(canvas, grid, 0, discrete && kind === "binary");
}

/** True when a canvas holds more than one colour (used by tests and the "blank" guard). */
export function isBlank(canvas) {
  const { width, height } = canvas;
  if (!width || !height) return true;
  const px = new Uint32Array(canvas.getContext("2d").getImageData(0, 0, width, height).data.buffer);
  return px.every((v) => v === px[0]);
}
