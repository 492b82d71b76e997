// The WebSocket session: connect, decode, dispatch by message type, and reconnect with
// exponential backoff when the server goes away (a laptop server restarted mid-lesson).

import { decodeFrame } from "./frame.js";

const BACKOFF_MS = [250, 500, 1000, 2000, 4000, 8000];

/**
 * A reconnecting connection. `handlers` maps a message type ("hello", "config", "state",
 * "data", "error", "frame") to a function; `onStatus(status, detail)` hears
 * "connecting" | "live" | "reconnecting" (detail: {inMs, attempt}).
 */
export class Connection {
  constructor(url, handlers, onStatus) {
    this.url = url;
    this.handlers = handlers;
    this.onStatus = onStatus;
    this.status = "connecting";
    this.attempt = 0;
    this.ws = null;
    this.timer = null;
  }

  open() {
    clearTimeout(this.timer);
    this.setStatus(this.attempt ? "reconnecting" : "connecting", { attempt: this.attempt });
    const ws = new WebSocket(this.url);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onmessage = (ev) => this.receive(ev.data);
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.scheduleReconnect();
    };
    // An error is always followed by close; reconnecting is handled there.
    ws.onerror = () => {};
  }

  scheduleReconnect() {
    const base = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    const inMs = Math.round(base * (0.75 + Math.random() * 0.5)); // jitter: a classroom must not reconnect in lock-step
    this.attempt += 1;
    this.setStatus("reconnecting", { inMs, attempt: this.attempt });
    this.timer = setTimeout(() => this.open(), inMs);
  }

  /** Reconnect now rather than waiting for the backoff timer (the "retry" link). */
  retryNow() {
    if (this.ws) return;
    this.open();
  }

  receive(data) {
    let msg;
    try {
      msg = typeof data === "string" ? JSON.parse(data) : { type: "frame", ...decodeFrame(data) };
    } catch (err) {
      console.warn("nnp: undecodable message", err);
      return;
    }
    if (msg.type === "hello") {
      this.attempt = 0;
      this.setStatus("live", {});
    }
    const handler = this.handlers[msg.type];
    if (handler) handler(msg);
  }

  /** Close for good (no reconnect, e.g. compare mode switched off); open() may start it again. */
  close() {
    clearTimeout(this.timer);
    const ws = this.ws;
    this.ws = null; // onclose sees a socket that is no longer ours and does not reconnect
    this.attempt = 0;
    if (ws) ws.close();
    this.setStatus("closed", {});
  }

  /** Send one JSON message; returns false (and drops it) while disconnected. */
  send(message) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN || this.status !== "live") return false;
    this.ws.send(JSON.stringify(message));
    return true;
  }

  setStatus(status, detail) {
    this.status = status;
    this.onStatus(status, detail);
  }
}

// One id per loaded page, sent with each of its sessions (compare mode opens a second one):
// the server counts a page's sessions as one page against --max-sessions-per-client.
const PAGE_ID = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, "0")).join("");

/** The session URL for the page's own origin (ws: or wss: to match http: or https:), naming this page. */
export function sessionUrl(loc = location) {
  return `${loc.protocol === "https:" ? "wss" : "ws"}://${loc.host}/ws?page=${PAGE_ID}`;
}
