// Decoding the server's binary frames (docs/protocol.md, "Frames"):
// | N: uint32 LE | N bytes UTF-8 JSON header | array bytes ... |

import { unzlibSync } from "../vendor/fflate/esm/browser.js";

const decoder = new TextDecoder();
const TYPES = { uint8: Uint8Array, float32: Float32Array, int32: Int32Array, float64: Float64Array };

/**
 * Decode one frame. Returns {header, arrays} where arrays maps each name to
 * {data (typed array), shape, lo, hi, dtype}. Throws an Error naming what is wrong.
 */
export function decodeFrame(buffer) {
  if (buffer.byteLength < 4) throw new Error(`frame too short: ${buffer.byteLength} bytes`);
  const n = new DataView(buffer).getUint32(0, true);
  if (4 + n > buffer.byteLength) throw new Error(`frame header length ${n} exceeds the frame`);
  const header = JSON.parse(decoder.decode(new Uint8Array(buffer, 4, n)));
  const body = 4 + n;
  const arrays = {};
  for (const spec of header.arrays || []) {
    const Type = TYPES[spec.dtype];
    if (!Type) throw new Error(`array ${spec.name}: unknown dtype ${spec.dtype}`);
    if (body + spec.offset + spec.nbytes > buffer.byteLength) {
      throw new Error(`array ${spec.name}: bytes ${spec.offset}+${spec.nbytes} exceed the frame`);
    }
    let bytes = new Uint8Array(buffer, body + spec.offset, spec.nbytes);
    if (spec.encoding === "deflate") bytes = unzlibSync(bytes);
    else if (spec.encoding === "deflate-rows") bytes = undoRowDifferences(unzlibSync(bytes), spec.shape);
    else if (spec.encoding && spec.encoding !== "raw") throw new Error(`array ${spec.name}: unknown encoding ${spec.encoding}`);
    const count = spec.shape.reduce((a, b) => a * b, 1);
    // Typed arrays need aligned offsets; copy when the bytes sit at an odd place.
    if (bytes.byteOffset % Type.BYTES_PER_ELEMENT) bytes = bytes.slice();
    const data = new Type(bytes.buffer, bytes.byteOffset, count);
    arrays[spec.name] = { data, shape: spec.shape, lo: spec.lo, hi: spec.hi, dtype: spec.dtype };
  }
  return { header, arrays };
}

// "deflate-rows": each byte was stored as the difference from the one before it in its row
// (mod 256, a row's first byte as is); a running sum restores the row, in place.
function undoRowDifferences(bytes, shape) {
  const width = shape[shape.length - 1];
  for (let start = 0; start < bytes.length; start += width) {
    for (let i = start + 1; i < start + width; i++) bytes[i] += bytes[i - 1];
  }
  return bytes;
}
