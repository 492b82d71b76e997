// Putting a wanted config back into the session: the one in the URL when the page opens (or
// on back/forward), or the page's own after a reconnect (the new session starts from the
// defaults). The server takes a patch whole or not at all, so when it refuses one value,
// that value is reported and the rest sent again; when it names a key the patch does not hold
// (a conflict between keys), every key is sent on its own and each refusal reported.

import { difference } from "./schema.js";

export class ConfigRestore {
  /**
   * `send(message)` → false when offline; `report(key, msg, text, source)` tells the user
   * that value `key` was refused (`source` "url" or "reconnect").
   */
  constructor(send, report) {
    this.send = send;
    this.report = report;
    this.patch = null; // the patch under way (or waiting for the session), or null
    this.source = "url";
    this.queue = []; // keys sent one by one, oldest first
  }

  /** True while replies still answer a restore (the URL then keeps the wanted config). */
  get busy() {
    return this.patch !== null || this.queue.length > 0;
  }

  /** Remember what `config` lacks of `wanted`, to send once the session is live (`start`). */
  want(wanted, config, source) {
    const patch = difference(wanted, config);
    this.patch = Object.keys(patch).length ? patch : null;
    this.source = source;
    this.queue = [];
  }

  /** Send the remembered patch (if any) now. */
  start() {
    if (this.patch && !this.send({ type: "config", patch: this.patch })) this.patch = null;
  }

  /** A config reply came; returns whether it answered a restore. */
  answered() {
    const was = this.busy;
    if (this.queue.length) this.queue.shift();
    this.patch = null;
    return was;
  }

  /** An error reply came while busy: report the refused value and send what is left. */
  refused(msg, text) {
    const report = (key) => this.report(key, msg, text, this.source);
    if (this.queue.length) { report(this.queue.shift()); return; }
    const patch = this.patch;
    this.patch = null;
    if (msg.field && msg.field in patch) {
      report(msg.field);
      const { [msg.field]: _, ...rest } = patch;
      if (Object.keys(rest).length) {
        this.patch = rest;
        this.start();
      }
      return;
    }
    this.queue = Object.keys(patch);
    for (const key of this.queue) this.send({ type: "config", patch: { [key]: patch[key] } });
  }
}
