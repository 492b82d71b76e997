// The page's test hook (window.__nnp): read-only views of what the page holds, for the browser
// tests and for anyone poking at the page from the console. Nothing here changes the page,
// except `send`, which sends a raw protocol message (the tests provoke server errors with it).

const median = (xs) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

/** The hook over main.js's parts: {app, chart, network, inspector, failures, output, lessons,
 * compare, insight, language, restore, send}. */
export function testHook({ app, chart, network, inspector, failures, output, lessons, compare, insight, language, restore, send }) {
  return {
    get config() { return app.config; },
    get version() { return app.version; },
    get epoch() { return app.epoch; },
    get state() { return app.state; },
    get connection() { return app.connection; },
    get lastHeader() { return app.lastHeader; },
    get urlErrors() { return app.urlErrors; },
    /** True while the config of the URL (or of a reconnect) is still on its way to the session. */
    get restoring() { return restore.busy; },
    get language() { return language(); },
    get renderMs() { return app.renderTimes[app.renderTimes.length - 1] ?? null; },
    get renderMedianMs() { return median(app.renderTimes); },
    get renderSamples() { return app.renderTimes.length; },
    get chartPoints() { return chart.epochs.length; },
    get chartSeries() { return chart.seriesCount; },
    /** The mini-batch losses the chart holds: {a: [...], b: [...] | null}. */
    get batchLosses() { return chart.batchLosses; },
    /** How many of A's weights are exactly 0: {zero, total}. */
    get zeroWeights() { return network.zeroWeights(); },
    /** The backprop inspector: {open, step, steps, reply, pending, text, numbers}. */
    get inspector() { return inspector.hook; },
    /** The loss chart's tick labels as last drawn: [epoch axis, loss axis]. */
    get chartTicks() { return chart.ticks; },
    /** The failure states the page shows now ("diverged", "dead_layer", "flat_output", "stuck"). */
    get diagnosis() { return failures.codes; },
    /** The last data message ({problem, n_classes, train, test}). */
    get data() { return output.data; },
    /** Lessons: {loaded, count, shown, active, unknown}. */
    get lesson() { return lessons.hook; },
    /** Compare mode: {open, connection, config, version, epoch, state, lastHeader, data, differs, ...}. */
    get compare() { return compare.hook; },
    /** The weight of link (layer, i, j) as the page last received it. */
    weight(layer, i, j) { return network.received(layer, i, j); },
    insight: insight.hook,
    /** Send a raw protocol message (tests use it to provoke server errors). */
    send,
  };
}
