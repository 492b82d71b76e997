// The gradient-check button: asks the server to compare backprop's gradient with the
// numerical slope (f(w+h) − f(w−h)) / 2h on the current network and a sample of the data,
// and shows the largest relative error with pass/fail and what it means. A "plant a bug" switch
// asks for the check of a deliberately wrong backprop (σ′ taken as σ; the `plant_bug` flag,
// which only the check uses, never training), so students see what a failing check looks like.

import { t, onLanguage } from "./i18n.js";
import { fmtNum } from "./format.js";

const TIMEOUT_MS = 30000; // give the button back if no answer comes (e.g. the connection dropped)

/** Format a relative error for people: 3.2e-9, or 0. */
export function formatError(e) {
  if (e == null || !Number.isFinite(e)) return "—";
  if (e === 0) return "0";
  return fmtNum(e, 2);
}

export class GradientCheck {
  /** `container`: the panel element; `send(message)` returns false when offline;
   * `headingKey`: its title's string key (compare mode's side B has its own). */
  constructor(container, send, headingKey = "gc.heading") {
    this.send = send;
    this.headingKey = headingKey;
    this.result = null;  // the last gradient_check reply
    this.pending = false;
    this.timer = null;
    this.heading = document.createElement("h3");
    this.button = document.createElement("button");
    this.button.type = "button";
    this.button.className = "text-button";
    this.button.addEventListener("click", () => this.run());
    this.output = document.createElement("p");
    this.output.className = "gc-result";
    this.output.setAttribute("role", "status");
    this.output.setAttribute("aria-live", "polite");
    this.explain = document.createElement("p");
    this.explain.className = "hint";
    this.bug = plantBugSwitch();
    container.append(this.heading, this.button, this.bug.label, this.output, this.explain);
    onLanguage(() => this.relabel());
    this.relabel();
  }

  run() {
    if (this.pending) return;
    this.planted = this.bug.input.checked; // the reply does not repeat the flag
    if (!this.send({ type: "gradient_check", plant_bug: this.planted })) {
      this.outputKey = "error.offline";
      this.relabel();
      return;
    }
    this.pending = true;
    this.outputKey = "gc.running";
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.done(), TIMEOUT_MS);
    this.relabel();
  }

  /** The server's reply: {max_relative_error, passed, parameters, ...}. */
  reply(msg) {
    this.result = { ...msg, plant_bug: !!this.planted };
    this.outputKey = null;
    this.done();
  }

  /** Stop waiting (answer, error or timeout). */
  done() {
    clearTimeout(this.timer);
    this.pending = false;
    if (this.outputKey === "gc.running") this.outputKey = "gc.no_answer";
    this.relabel();
  }

  /** An error while a check is running ends the wait; the error itself shows where errors show. */
  sawError() {
    if (!this.pending) return;
    this.outputKey = null;
    this.done();
  }

  relabel() {
    this.heading.textContent = t(this.headingKey);
    this.bug.text.textContent = t("gc.plant_bug");
    this.bug.label.title = t("gc.plant_bug_title");
    this.button.textContent = t("gc.run");
    this.button.disabled = this.pending;
    this.button.setAttribute("aria-busy", String(this.pending));
    this.output.classList.remove("passed", "failed");
    if (this.outputKey) {
      this.output.textContent = t(this.outputKey);
    } else if (this.result) {
      const r = this.result;
      this.output.classList.add(r.passed ? "passed" : "failed");
      const verdict = t(r.passed ? "gc.passed" : "gc.failed");
      const params = r.parameters != null ? ` ${t("gc.parameters", { n: r.parameters })}` : "";
      const planted = r.plant_bug ? ` ${t("gc.planted")}` : "";
      this.output.textContent = `${t("gc.max_error", { value: formatError(r.max_relative_error) })} — ${verdict}.${params}${planted}`;
    } else {
      this.output.textContent = "";
    }
    // The engine names its own pass threshold when it sends one; 1e-4 is its documented default.
    const threshold = this.result?.threshold ?? 1e-4;
    this.explain.textContent = t("gc.explain", { threshold: formatError(threshold) });
  }
}

/** The "plant a bug" checkbox ({label, input, text}); the inspector (backprop-inspector.js) has one too. */
export function plantBugSwitch() {
  const label = document.createElement("label");
  label.className = "check plant-bug";
  const input = document.createElement("input");
  input.type = "checkbox";
  const text = document.createElement("span");
  label.append(input, " ", text);
  return { label, input, text };
}
