// Keeping the run through a server restart. A restarted server holds no sessions, so the page
// keeps its run: every few seconds while training changes it (and whenever it pauses) it asks
// the session for a `checkpoint` and keeps the last one; when the socket comes back it hands
// that to the new session with `resume`, with the loss chart's history, and training goes on
// from the saved epoch with the same weights, optimizer state and random stream
// (docs/protocol.md, "Resuming a run"). If the new server refuses it, the page falls back to
// putting its config and own points back, as before.

const EVERY_MS = 3000;

export class RunKeeper {
  /**
   * `send(message)` → false when offline; `history()` → the loss chart's [epoch, train, test]
   * points; `truncate(epoch)` drops the chart's points after `epoch` (they are trained again);
   * `mark` names the root element's data attribute that shows the kept epoch (tests read it).
   */
  constructor({ send, history, truncate, mark = "savedEpoch" }) {
    this.mark = mark;
    this.send = send;
    this.history = history;
    this.truncate = truncate;
    this.saved = null; // the last checkpoint reply with a state
    this.savedKey = null; // which frame it matches ("version:iteration")
    this.latestKey = null; // the latest frame's
    this.asked = null; // the key a checkpoint was asked at, until its reply
    this.resuming = null; // the fallback to run if the resume under way is refused
    this.tooLarge = false; // the last checkpoint could not be sent back: wait for a new config
    this.maxBytes = Infinity; // the server's limit for a resume message (hello's limits)
    // The config or data changed since the kept run was taken (a patch, drawn points): until a
    // new checkpoint comes, a restart puts the page's config and points back instead, or it
    // would bring back the run from before the change.
    this.stale = false;
    setInterval(() => this.ask(), EVERY_MS);
  }

  /** A frame came: the run may have moved on. */
  frame(header) {
    this.latestKey = `${header.version}:${header.iteration}`;
  }

  /** Ask for a checkpoint if the run changed since the last one (the timer and a pause call it). */
  ask() {
    if (this.asked !== null || this.tooLarge || this.resuming) return;
    if (!this.stale && this.latestKey === this.savedKey) return;
    if (this.send({ type: "checkpoint" })) this.asked = this.latestKey;
  }

  /** A `checkpoint` reply; one too large to send back is dropped (the page falls back to its config). */
  receive(msg) {
    // Replies come in the order of the messages: one asked before a change was answered before
    // the change's config reply, so any reply that comes now shows the run as it is.
    this.stale = false;
    this.savedKey = this.asked;
    this.asked = null;
    this.tooLarge = Boolean(msg.state) && JSON.stringify(msg.state).length > this.maxBytes - 1024;
    if (this.tooLarge) this.saved = null;
    else if (msg.state) this.saved = msg;
    document.documentElement.dataset[this.mark] = String(this.saved ? this.saved.epoch : "");
  }

  /**
   * A config reply: a resume under way was accepted, and a network that was too large may fit
   * now. One that rebuilt the network or data (`reset`) starts a new run: the kept one is stale.
   */
  configured(reset = []) {
    const acknowledged = this.resuming !== null; // the reply that accepts the resume under way
    this.resuming = null;
    this.tooLarge = false;
    if (reset.includes("network") || reset.includes("data")) this.saved = null;
    else if (!acknowledged) this.stale = true; // the timer asks for a new checkpoint
  }

  /**
   * The socket is back (a new session): send the kept run, trimming the history to fit the
   * server's resume limit. Returns whether a resume was sent; `fallback()` runs if it is refused.
   */
  resume(limits, fallback) {
    this.asked = null;
    // a resume may be larger than other messages (a big network's run is megabytes); an older
    // server without that limit takes what it takes of any message
    const max = (this.maxBytes = limits?.max_resume_bytes ?? limits?.max_message_bytes ?? Infinity);
    if (!this.saved || this.stale || !fallback) return false; // a first connection has nothing to resume
    const { state, session, epoch } = this.saved;
    let history = this.history().filter(([e]) => e <= epoch);
    let message = { type: "resume", state, session, history };
    while (JSON.stringify(message).length > max && history.length) {
      history = history.slice(Math.ceil(history.length / 2)); // the latest half
      message = { ...message, history };
    }
    if (JSON.stringify(message).length > max) return false;
    this.truncate(epoch);
    this.resuming = fallback;
    this.savedKey = this.latestKey = null;
    return this.send(message);
  }

  /** An `error` reply: true when it refused the resume under way (the fallback has run). */
  refused(msg) {
    if (!this.resuming || !["invalid_resume", "bad_message", "too_large", "unknown_type", "locked"].includes(msg.code)) {
      return false;
    }
    const fallback = this.resuming;
    this.resuming = null;
    this.saved = null;
    fallback();
    return true;
  }
}
