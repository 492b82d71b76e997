// Real data for the dataset thumbnails. One short-lived probe session asks the server for
// each data set in turn (a `config` patch per set, answered by `data`) and closes; the points
// are cached per server version, so a classroom's browsers probe once, not on every load.

import { sessionUrl } from "./connection.js";
import { fitPatch } from "./schema.js";

const N_POINTS = 200;
const THUMB_CONFIG = { n_samples: N_POINTS, noise: 0, train_ratio: 50, seed: 7, n_classes: 2 };

/** The patch that selects `dataset` in a session whose config is `config`: the first problem
 *  that allows the set, and whatever the schema's rules then force (regression: the squared loss). */
function patchFor(dataset, groups, schema, config) {
  const problem = Object.keys(groups).find((p) => groups[p].includes(dataset));
  return fitPatch(schema.fields, schema.rules, config, { ...THUMB_CONFIG, dataset, problem });
}

/**
 * Resolve to {dataset: {problem, points: [[x, y, label], …]}} for every generated data set of
 * `groups` ({problem: [data sets]}) it could get. Never rejects: a thumbnail without data just
 * shows its name.
 */
export function loadThumbnails(groups, schema, serverVersion, timeoutMs = 8000) {
  const datasets = [...new Set(Object.values(groups).flat())].filter((d) => d !== "custom"); // custom: the user's
  const cacheKey = `nnp.thumbs.v2.${serverVersion}`;
  try {
    const cached = JSON.parse(localStorage.getItem(cacheKey) || "null");
    if (cached && datasets.every((d) => d in cached)) return Promise.resolve(cached);
  } catch { /* a broken cache entry is simply refetched */ }

  return new Promise((resolve) => {
    const result = {};
    const queue = [...datasets];
    const ws = new WebSocket(sessionUrl());
    let current = null;
    let config = null; // the probe session's config, from its hello and config replies
    let lastData = null;
    let pending = false;
    const finish = () => {
      clearTimeout(timer);
      ws.onclose = null;
      try { ws.close(); } catch { /* already closed */ }
      if (Object.keys(result).length === datasets.length) {
        try { localStorage.setItem(cacheKey, JSON.stringify(result)); } catch { /* cache is optional */ }
      }
      resolve(result);
    };
    const timer = setTimeout(finish, timeoutMs);
    const next = () => {
      current = queue.shift();
      if (current === undefined) { finish(); return; }
      pending = true;
      ws.send(JSON.stringify({ type: "config", patch: patchFor(current, groups, schema, config) }));
    };
    const keep = (msg) => {
      const round = (v) => Math.round(v * 100) / 100;
      result[current] = { problem: msg.problem, points: msg.train.concat(msg.test).map((p) => p.map(round)) };
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data !== "string") return; // frames are not needed here
      const msg = JSON.parse(ev.data);
      if (msg.config) config = msg.config;
      if (msg.type === "data") {
        // The first data message belongs to the hello; ask for the first set only after it,
        // so each later data message answers the set just asked for.
        const first = lastData === null;
        lastData = msg;
        if (first) next();
        else if (pending && current !== undefined) { pending = false; keep(msg); next(); }
      } else if (msg.type === "config" && pending && !msg.reset.includes("data")) {
        // Nothing changed (the set was already loaded): its data came before.
        pending = false;
        if (lastData) keep(lastData);
        next();
      } else if (msg.type === "error") {
        pending = false;
        next();
      }
    };
    ws.onclose = finish;
  });
}
