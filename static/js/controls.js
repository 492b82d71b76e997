// Form controls built from the schema: one builder serves the top bar, the data column and
// the "more settings" panel. Each control shows the server's current value, sends a patch
// when the user changes it, and shows the server's error for its key next to itself. What the
// schema says about a key is applied here for every control: a number's drop-down offers its
// presets, a key that does not apply is hidden, options the rules forbid are disabled, and a
// change brings along the keys the rules then force.

import { t, has, onLanguage } from "./i18n.js";
import {
  allowedValues, applies, checkPatch, checkValue, FieldError, fitPatch, formatValue, parseValue, sameValue,
} from "./schema.js";

let nextId = 0;

/** Text for an option of `key`: a translated label if there is one, else the raw value. */
export function optionLabel(key, value) {
  const k = `opt.${key}.${value}`;
  return has(k) ? t(k) : String(value);
}

/**
 * The set of controls on the page. `send(patch, key)` is called with {key: value} and the keys
 * the schema's `rules` force along with it (a switch to regression brings the squared loss).
 */
export class Controls {
  constructor(fields, send, rules = []) {
    this.fields = fields;
    this.rules = rules;
    // keys some rule limits to a list of values: their options are enabled by the rules
    this.limited = new Set(rules.filter((r) => r.allowed).map((r) => r.key));
    this.send = send;
    this.byKey = new Map();
    this.config = {};
    this.errorTimers = new Map();
    onLanguage(() => this.relabel());
  }

  /**
   * Build a control for `key` into `parent`. spec.widget: "select" (choices, spec.presets or the
   * field's presets), "range" (slider over the field's range or spec.min/max/step), "number",
   * "checkbox", "text" (a list typed with commas, e.g. hidden layers "4,2").
   */
  add(parent, key, spec = {}) {
    const field = this.fields[key];
    if (!field) return null; // the server does not offer this key: leave it out rather than fail
    const id = `ctl-${key}-${nextId++}`;
    const wrap = document.createElement("div");
    wrap.className = `control control-${spec.widget || "select"}`;
    wrap.dataset.key = key;
    const label = document.createElement("label");
    label.htmlFor = id;
    const widget = this.makeWidget(key, field, spec, id);
    const error = document.createElement("div");
    error.className = "field-error";
    error.setAttribute("role", "alert");
    error.hidden = true;
    if (spec.widget === "checkbox") wrap.append(widget.el, label, error);
    else wrap.append(label, widget.el, ...(widget.extra || []), error);
    parent.append(wrap);
    const entry = { key, field, spec, wrap, label, widget, error };
    const list = this.byKey.get(key) || [];
    list.push(entry);
    this.byKey.set(key, list);
    this.relabelEntry(entry);
    if (key in this.config) widget.set(this.config[key]);
    return entry;
  }

  makeWidget(key, field, spec, id) {
    const widget = spec.widget || "select";
    if (widget === "checkbox") {
      const el = document.createElement("input");
      el.type = "checkbox";
      el.id = id;
      el.addEventListener("change", () => this.userChange(key, el.checked));
      return { el, set: (v) => { el.checked = !!v; } };
    }
    if (widget === "range") {
      const el = document.createElement("input");
      el.type = "range";
      el.id = id;
      el.min = spec.min ?? field.lo;
      el.max = spec.max ?? field.hi;
      el.step = spec.step ?? (field.kind === "int" ? 1 : (field.hi - field.lo) / 100);
      const out = document.createElement("output");
      out.htmlFor = id;
      const fmt = spec.format || ((v) => String(v));
      // Show the value while dragging; send once on release (data-resetting keys would
      // otherwise regenerate the data at every pixel of the drag).
      el.addEventListener("input", () => { out.textContent = fmt(Number(el.value)); });
      el.addEventListener("change", () => this.userChange(key, Number(el.value)));
      return { el, extra: [out], set: (v) => { el.value = v; out.textContent = fmt(Number(v)); } };
    }
    if (widget === "number") {
      const el = document.createElement("input");
      el.type = "number";
      el.id = id;
      if (field.lo != null) el.min = field.lo;
      if (field.hi != null) el.max = field.hi;
      el.step = spec.step ?? (field.kind === "int" ? 1 : "any");
      el.addEventListener("change", () => this.userChange(key, el.value.trim() === "" ? NaN : Number(el.value)));
      return { el, set: (v) => { if (document.activeElement !== el) el.value = v; } };
    }
    if (widget === "text") { // lists such as hidden layers, typed as "4,2"
      const el = document.createElement("input");
      el.type = "text";
      el.id = id;
      el.size = spec.size ?? 8;
      el.addEventListener("change", () => {
        let value;
        try {
          value = parseValue(this.fields, key, el.value.trim());
        } catch (err) {
          if (err instanceof FieldError) { this.showError(key, err.detail); return; }
          throw err;
        }
        this.userChange(key, value);
      });
      return { el, set: (v) => { if (document.activeElement !== el) el.value = formatValue(v); } };
    }
    // select: the field's choices, or numeric presets (the current value is added if missing)
    const el = document.createElement("select");
    el.id = id;
    const numeric = !field.choices;
    const presets = (spec.presets || field.choices || field.presets || []).filter((v) => {
      try { checkValue(this.fields, key, v); return true; } catch { return false; }
    });
    const fill = (current) => {
      const values = [...presets];
      if (current !== undefined && !Array.isArray(current) && !values.some((v) => sameValue(v, current))) {
        values.push(current);
        if (numeric) values.sort((a, b) => a - b);
      }
      el.replaceChildren(...values.map((v) => {
        const o = document.createElement("option");
        o.value = String(v);
        o.textContent = spec.format ? spec.format(v) : optionLabel(key, v);
        return o;
      }));
      if (Array.isArray(current)) { // per-layer activations: the shared select shows "mixed"
        const o = document.createElement("option");
        o.value = "";
        o.textContent = t("opt.mixed");
        o.disabled = true;
        el.append(o);
      }
    };
    el.addEventListener("change", () => this.userChange(key, numeric ? Number(el.value) : el.value));
    return {
      el,
      fill,
      set: (v) => {
        fill(v);
        el.value = Array.isArray(v) ? "" : String(v);
      },
    };
  }

  /** Check a value the user chose (with the keys the rules force); send it, or show why not. */
  userChange(key, value) {
    let patch;
    try {
      patch = fitPatch(this.fields, this.rules, this.config, { [key]: checkValue(this.fields, key, value) });
      checkPatch(this.fields, this.rules, this.config, patch);
    } catch (err) {
      if (!(err instanceof FieldError)) throw err;
      // a rule names the key it limits, which may be another control's (or none on the page)
      const shownThere = err.key !== key && this.showError(err.key, err.detail);
      if (!shownThere) this.showError(key, err.detail);
      return;
    }
    this.clearError(key);
    this.send(patch, key);
  }

  /** Show the server's current config in every control, hiding keys that do not apply to it. */
  setConfig(config) {
    this.config = config;
    for (const [key, entries] of this.byKey) {
      if (!(key in config)) continue;
      for (const e of entries) e.widget.set(config[key]);
      this.setVisible(key, applies(this.fields[key], config));
      if (this.limited.has(key)) this.setAllowed(key, allowedValues(this.fields, this.rules, key, config));
    }
  }

  /** Show a message next to `key`'s control(s); false when the page has no control for it. */
  showError(key, message) {
    const entries = this.byKey.get(key);
    if (!entries) return false;
    for (const e of entries) {
      e.error.textContent = message;
      e.error.hidden = false;
      e.wrap.classList.add("has-error");
    }
    clearTimeout(this.errorTimers.get(key));
    this.errorTimers.set(key, setTimeout(() => this.clearError(key), 10000));
    return true;
  }

  clearError(key) {
    for (const e of this.byKey.get(key) || []) {
      e.error.hidden = true;
      e.wrap.classList.remove("has-error");
    }
  }

  /** Show or hide the control(s) of a key (e.g. n_classes only for multi-class data sets). */
  setVisible(key, visible) {
    for (const e of this.byKey.get(key) || []) e.wrap.hidden = !visible;
  }

  /** Enable or disable options of a select (e.g. losses that regression does not allow). */
  setAllowed(key, allowed) {
    for (const e of this.byKey.get(key) || []) {
      for (const o of e.widget.el.options || []) if (o.value) o.disabled = !allowed.includes(o.value);
    }
  }

  relabelEntry(e) {
    e.label.textContent = t(`field.${e.key}`);
    const doc = t(`doc.${e.key}`);
    e.label.title = doc;
    e.widget.el.title = doc;
    if (e.widget.fill) {
      const disabled = [...e.widget.el.options].filter((o) => o.disabled).map((o) => o.value);
      const value = this.config[e.key];
      e.widget.set(value);
      for (const o of e.widget.el.options) if (disabled.includes(o.value)) o.disabled = true;
    }
  }

  relabel() {
    for (const entries of this.byKey.values()) for (const e of entries) this.relabelEntry(e);
  }
}
