// The config schema as served by /api/schema (embedded in the page by the template), and
// the checks the page needs before it sends anything: parsing URL text into typed values
// and checking them against a field's kind and range. The server stays the authority; these
// checks only let the page report a bad value where the user typed it.

/** Config and session fields in one table: {key: {kind, default, lo, hi, lo_open, choices, ...}}. */
export function loadSchema() {
  const el = document.getElementById("nnp-schema");
  const schema = JSON.parse(el.textContent);
  return { ...schema, fields: { ...schema.config, ...(schema.session || {}) } };
}

/** An error that names the field and what is allowed, like the server's ConfigError. */
export class FieldError extends Error {
  constructor(key, message) {
    super(`${key}: ${message}`);
    this.key = key;
    this.detail = message;
  }
}

function rangeText(f) {
  return `${f.lo_open ? ">" : "≥"} ${f.lo} … ≤ ${f.hi}`;
}

function checkNumber(key, f, value, whole) {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new FieldError(key, `expected a number (${rangeText(f)})`);
  if (whole && !Number.isInteger(value)) throw new FieldError(key, `expected a whole number (${rangeText(f)})`);
  const low = f.lo_open ? value <= f.lo : value < f.lo;
  if ((f.lo != null && low) || (f.hi != null && value > f.hi)) throw new FieldError(key, `${value} is out of range (${rangeText(f)})`);
  return value;
}

/** Check a typed value against field `key`; return it in canonical form or throw FieldError. */
export function checkValue(fields, key, value) {
  const f = fields[key];
  if (!f) throw new FieldError(key, "unknown setting");
  switch (f.kind) {
    case "int": return checkNumber(key, f, value, true);
    case "float": return checkNumber(key, f, value, false);
    case "bool":
      if (typeof value !== "boolean") throw new FieldError(key, "expected true or false");
      return value;
    case "choice":
      if (!f.choices.includes(value)) throw new FieldError(key, `"${value}" is not one of ${f.choices.join(", ")}`);
      return value;
    case "choices": {
      if (!Array.isArray(value)) throw new FieldError(key, `expected names from ${f.choices.join(", ")}`);
      const bad = value.find((v) => !f.choices.includes(v));
      if (bad !== undefined) throw new FieldError(key, `"${bad}" is not one of ${f.choices.join(", ")}`);
      const chosen = f.choices.filter((c) => value.includes(c));
      if (chosen.length < (f.min_len || 0)) throw new FieldError(key, `choose at least ${f.min_len}`);
      return chosen;
    }
    case "int_list":
      if (!Array.isArray(value)) throw new FieldError(key, "expected a list of whole numbers");
      if (f.max_len != null && value.length > f.max_len) throw new FieldError(key, `at most ${f.max_len} entries`);
      return value.map((v) => checkNumber(key, f, v, true));
    case "activation": {
      const names = Array.isArray(value) ? value : [value];
      const bad = names.find((v) => !f.choices.includes(v));
      if (!names.length || bad !== undefined) throw new FieldError(key, `"${bad}" is not one of ${f.choices.join(", ")}`);
      return value;
    }
    default:
      throw new FieldError(key, `unsupported kind ${f.kind}`);
  }
}

/** Text (a URL parameter or a text box) → typed value for field `key`, checked. */
export function parseValue(fields, key, text) {
  const f = fields[key];
  if (!f) throw new FieldError(key, "unknown setting");
  const list = () => (text === "" ? [] : text.split(","));
  const number = (s) => (s.trim() === "" ? NaN : Number(s));
  let value;
  switch (f.kind) {
    case "int": case "float": value = number(text); break;
    case "bool":
      if (!["true", "false", "1", "0"].includes(text)) throw new FieldError(key, "expected true or false");
      value = text === "true" || text === "1";
      break;
    case "choices": value = list(); break;
    case "int_list": value = list().map(number); break;
    case "activation": value = text.includes(",") ? list() : text; break;
    default: value = text;
  }
  return checkValue(fields, key, value);
}

/** Typed value → compact text for the URL (the inverse of parseValue). */
export function formatValue(value) {
  if (Array.isArray(value)) return value.join(",");
  return String(value);
}

/** True when two config values are equal (lists compared by content). */
export function sameValue(a, b) {
  return formatValue(a) === formatValue(b) && Array.isArray(a) === Array.isArray(b);
}

/** The entries of `wanted` that differ from `config` (all of them when there is no config). */
export function difference(wanted, config) {
  const out = {};
  for (const [k, v] of Object.entries(wanted)) if (!config || !(k in config) || !sameValue(v, config[k])) out[k] = v;
  return out;
}
