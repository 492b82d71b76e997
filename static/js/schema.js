// The config schema as served by /api/schema (embedded in the page by the template), and
// the checks the page needs before it sends anything: parsing URL text into typed values,
// checking them against a field's kind and range, and interpreting the schema's rules between
// keys (engine/rules.py describes their two shapes; the server checks the same rules). The
// server stays the authority; these checks only let the page report a bad value where the
// user typed it. tests/validation_cases.json holds cases both validators are tested against.

/**
 * The schema document, plus `fields`: config and session fields in one table
 * ({key: {kind, default, lo, hi, lo_open, choices, presets, applies_when, ...}}), and `rules`
 * (the rules between keys; an empty list from a server that sends none).
 */
export function loadSchema() {
  const el = document.getElementById("nnp-schema");
  const schema = JSON.parse(el.textContent);
  return { ...schema, rules: schema.rules || [], fields: { ...schema.config, ...(schema.session || {}) } };
}

/** The keys whose change makes new data (their `resets` include "data"), in schema order. */
export function dataKeys(fields) {
  return Object.keys(fields).filter((key) => (fields[key].resets || []).includes("data"));
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

// ---- rules between keys (the shapes are described in engine/rules.py) ----------------------

// Equality as Python's `in` sees it for checked values: 2 is not "2", lists by content.
const same = (a, b) => (Array.isArray(a) || Array.isArray(b) ? sameValue(a, b) : a === b);

/** True when every key of `when` is in `config` and holds one of its listed values. */
export function matches(when, config) {
  return Object.entries(when).every(([key, values]) => key in config && values.some((v) => same(v, config[key])));
}

function keysOf(rule) {
  return [rule.key, ...Object.keys(rule.when || {}), ...(rule.one_per ? [rule.one_per] : [])];
}

/** Why `config` breaks `rule` (a message naming what is allowed), or null when it keeps it. */
function violation(rule, config) {
  const value = config[rule.key];
  if (rule.one_per) {
    const other = config[rule.one_per];
    if (!Array.isArray(value) || value.length === other.length) return null;
    return `${rule.doc || `a list needs one entry per ${rule.one_per} entry`}: ${other.length} expected, got ${value.length}`;
  }
  if (!matches(rule.when, config) || rule.allowed.some((v) => same(v, value))) return null;
  const when = Object.entries(rule.when).map(([k, vs]) => `${k} is ${vs.join(" or ")}`).join(" and ");
  return `"${value}" is not allowed when ${when}${rule.doc ? ` (${rule.doc})` : ""}; allowed: ${rule.allowed.join(", ")}`;
}

/** Throw a FieldError naming the key of the first rule (in order) that `config` breaks. */
export function checkRules(rules, config) {
  for (const rule of rules) {
    if (!keysOf(rule).every((k) => k in config)) continue; // a rule about keys this config lacks
    const why = violation(rule, config);
    if (why) throw new FieldError(rule.key, why);
  }
}

/**
 * Check `patch` against a full `config`, as the server's apply_patch does: every value, then
 * the rules on the result. Returns {config, changed}; throws FieldError naming the key.
 */
export function checkPatch(fields, rules, config, patch) {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) {
    throw new FieldError("patch", "expected an object of key: value pairs");
  }
  const next = { ...config };
  for (const [key, value] of Object.entries(patch)) next[key] = checkValue(fields, key, value);
  checkRules(rules, next);
  const changed = Object.keys(patch).filter((k) => !(k in config) || !sameValue(next[k], config[k]));
  return { config: next, changed };
}

/** The values of `key` the rules allow in `config` (its field's choices when no rule limits it). */
export function allowedValues(fields, rules, key, config) {
  let allowed = fields[key]?.choices || [];
  for (const rule of rules) {
    if (rule.key === key && rule.allowed && matches(rule.when, config)) {
      allowed = allowed.filter((v) => rule.allowed.some((a) => same(a, v)));
    }
  }
  return allowed;
}

/**
 * `patch` plus the keys the rules then force: a key the patch leaves out whose current value
 * the patched config no longer allows takes the first allowed value (a switch to regression
 * brings a regression data set and the squared loss). Keys the patch sets are never changed.
 */
export function fitPatch(fields, rules, config, patch) {
  const out = { ...patch };
  if (!config) return out;
  for (const rule of rules) {
    if (!rule.allowed || rule.key in patch) continue;
    const next = { ...config, ...out };
    if (!(rule.key in next) || !matches(rule.when, next)) continue;
    const allowed = allowedValues(fields, rules, rule.key, next);
    if (!allowed.some((v) => same(v, next[rule.key])) && allowed.length) out[rule.key] = allowed[0];
  }
  return out;
}

/** True when `key` matters for `config` (its field's applies_when holds, or it has none). */
export function applies(field, config) {
  return !field?.applies_when || matches(field.applies_when, config);
}

/** {value of `groupKey`: the values of `key` the rules allow with it}, e.g. data sets per problem. */
export function groupsBy(fields, rules, key, groupKey) {
  const out = {};
  for (const value of fields[groupKey].choices) out[value] = allowedValues(fields, rules, key, { [groupKey]: value });
  return out;
}
