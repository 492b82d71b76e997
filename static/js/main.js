// Wiring: builds the panels from the schema, connects to the session, and routes messages
// to the panels. Drawing happens once per animation frame for the latest frame only.

import { Connection, sessionUrl } from "./connection.js";
import { CompareMode } from "./compare.js";
import { Controls, optionLabel } from "./controls.js";
import { DataPanel } from "./data-panel.js";
import { ValueEditor } from "./editor.js";
import { FeaturesPanel, FEATURE_LABELS, setFeatureInfo } from "./features-panel.js";
import { InsightPanels } from "./insight-panels.js";
import { initLanguage, language, onLanguage, setLanguage, t } from "./i18n.js";
import { bindKeys } from "./keyboard.js";
import { LessonPicker } from "./lessons.js";
import { LossChart } from "./loss-chart.js";
import { NetworkView } from "./network-view.js";
import { OutputPanel } from "./output-panel.js";
import { groupsBy, loadSchema } from "./schema.js";
import { fmtLoss, showMetrics } from "./metrics-view.js";
import { showRate } from "./rate-view.js";
import { ConfigRestore } from "./restore.js";
import { RunKeeper } from "./run-keeper.js";
import { makeUrlWriter, readUrl } from "./state.js";
import { loadThumbnails } from "./thumbnails.js";
import { createStatus } from "./status.js";
import { PointsEditor } from "./points-editor.js";
import { CsvIO, ownPointsMessages } from "./csv-io.js";
import { Exports } from "./exports.js";
import { FailureWatch } from "./failure-watch.js";
import { bindHelp } from "./help.js";
import { bindCollapse } from "./collapse.js";
import { PresentMode } from "./present.js";
import { fitPlot } from "./plot-fit.js";
import { ViewState } from "./view-state.js";
import { ClassroomSeat } from "./classroom.js";
import { BackpropInspector } from "./backprop-inspector.js";
import { LessonViews } from "./lesson-views.js";
import { SideSwitch, SIDES } from "./side-switch.js";
import { ZeroCount } from "./zero-count.js";
import { placeControls } from "./control-layout.js";
import { testHook } from "./test-hook.js";

const $ = (id) => document.getElementById(id);
const schema = loadSchema();
const fields = schema.fields;
setFeatureInfo(schema.features);
initLanguage();

// The data sets each problem allows ({classification: [...], regression: [...]}), from the
// schema's rules. Drop-downs take their presets from the schema as well (see controls.js).
const DATASETS = groupsBy(fields, schema.rules, "dataset", "problem");

const app = {
  config: null, version: null, epoch: 0, state: "paused", divergedEpoch: null,
  connection: "connecting", lastHeader: null, outputs: 1, urlErrors: [],
  renderTimes: [], latest: null, scheduled: false,
  wantPlaying: false, replaceUrl: true,
};

const status = createStatus({ conn: $("connection"), note: $("reset-note"), banner: $("banner"), urlReport: $("url-report"), errors: $("general-error") });

// ---- controls --------------------------------------------------------------------------
const controls = new Controls(fields, (patch) => sendPatch(patch), schema.rules);
placeControls(controls, { topbar: $("topbar-controls"), data: $("data-controls"), more: $("more-controls") });

function sendPatch(patch) {
  if (!send({ type: "config", patch })) status.error(t("error.offline"));
}

function send(message) {
  compare.forward(message); // compare mode: transport, data keys and points go to side B too
  return connection.send(message);
}

// ---- panels ----------------------------------------------------------------------------
const dataPanel = new DataPanel($("dataset-thumbs"), DATASETS, (dataset) => sendPatch({ dataset }));
const features = new FeaturesPanel(fields.features.choices, (list) => {
  if (!list.length) { status.error(t("features.need_one"), $("network-error")); return; }
  sendPatch({ features: list });
});
const editor = new ValueEditor(document.body, (msg) => send(msg));
const network = new NetworkView($("network"), $("network-header"), features, fields.activation.choices, {
  onPatch: (patch) => sendPatch(patch),
  // While the inspector walks an example, a click on a link selects its chain rule instead.
  onEdit: (target) => (inspector?.isOpen && target.kind === "weight" ? inspector.select(target) : editor.open(target)),
  onValueHover: (item, ev) => editor.showCard(item, ev),
  onHover: (target) => {
    let grid = null;
    if (target?.kind === "unit") grid = network.units;
    if (target?.kind === "feature") { grid = features.grid(target.name); target.label = FEATURE_LABELS[target.name]; }
    output.setHover(target, grid);
  },
});
network.maxUnits = fields.hidden.hi;
const output = new OutputPanel({
  heatmap: $("output-heatmap"), points: $("output-points"), legend: $("legend"), caption: $("output-caption"),
  showTest: $("show-test"), discretize: $("discretize"),
});
const chart = new LossChart($("loss-chart"), $("log-scale"), $("chart-key"), $("batch-loss"));
const zeroCount = new ZeroCount(document.querySelector("[data-zero-count=a]"));
// Own data and taking results away (issue 5): drawing on the plane, CSV in/out, exports.
const pointsEditor = new PointsEditor($("draw-tools"), output, (m) => send(m));
const exportsUi = new Exports($("export-tools"), { heatmap: $("output-heatmap"), points: $("output-points") }, {
  send: (m) => send(m), limits: schema.limits,
  figureInfo: () => ({
    title: t("figure.title", {
      dataset: optionLabel("dataset", app.config?.dataset), epoch: app.epoch, loss: fmtLoss(app.lastHeader?.metrics?.test_loss),
    }),
    heatmap: $("output-heatmap"), data: output.data, showTest: $("show-test").checked, key: output.figureKey(),
    labels: { train: t("figure.train"), test: t("figure.test") },
  }),
});
const csvIo = new CsvIO($("csv-tools"), document.querySelector(".plot"), {
  send: (m) => send(m), sendPatch: (p) => sendPatch(p), problem: () => app.config?.problem || "classification",
  limits: schema.limits, onClassNames: (names) => pointsEditor.setClassNames(names),
  // the data keep the class names of the file they came from
  requestExport: (format) => exportsUi.request(format, output.classNames ? { class_names: output.classNames } : {}),
});
const insight = new InsightPanels({ controls, chart, send: (m) => send(m) });
const failures = new FailureWatch($("diagnosis"));
const inspector = new BackpropInspector({
  panel: $("backprop-panel"), toggle: $("backprop-toggle"), network, output, send: (m) => connection.send(m),
  onClose: () => { // the network view follows the training's frames again
    if (app.config) network.setConfig(app.config, app.outputs);
    if (app.latest) network.update(app.latest);
  },
});
const lessonViews = new LessonViews({ batchToggle: $("batch-loss"), inspector });
const sideSwitch = new SideSwitch($("side-switch"), () => view.onChange());

// ---- lessons and compare mode -------------------------------------------------------------
const compare = new CompareMode({
  fields, rules: schema.rules, chart, sideB: insight.sideB, editor, onOpen: (on) => sideSwitch.open(on),
  left: () => ({ config: app.config, state: app.state, data: output.data }),
  sendLeft: (message) => connection.send(message),
  shared: { showTest: $("show-test"), discretize: $("discretize") },
  els: {
    toggle: $("compare-toggle"), column: $("compare-column"), sideTags: document.querySelectorAll(".side-tag"),
    status: $("b-status"), epoch: $("b-epoch"), testLoss: $("b-test-loss"), trainLoss: $("b-train-loss"),
    accRow: $("b-accuracy-row"), testAcc: $("b-test-acc"), deadRow: $("b-dead-row"), deadFraction: $("b-dead-fraction"), heatmap: $("b-heatmap"), points: $("b-points"),
    legend: $("b-legend"), caption: $("b-caption"), controls: $("b-controls"), differs: $("b-differs"), error: $("b-error"),
  },
});
const lessons = new LessonPicker({
  select: $("lesson-select"), panel: $("lesson-panel"), title: $("lesson-title"), text: $("lesson-text"),
  watch: $("lesson-watch"), note: $("lesson-note"), error: $("lesson-error"), close: $("lesson-close"),
  restart: $("lesson-restart"),
}, (lesson) => {
  lessonViews.chosen(lesson);
  if (lesson.compare) compare.open(lesson);
  else compare.close();
  send({ type: "lesson", id: lesson.id, side: "left" });
});

// ---- transport -------------------------------------------------------------------------
const playButton = $("play");
function togglePlay() {
  app.wantPlaying = app.state !== "playing";
  send({ type: app.wantPlaying ? "play" : "pause" });
}
const step = (epochs = 1) => send({ type: "step", epochs });
const reset = () => send({ type: "reset" });
playButton.addEventListener("click", togglePlay);
$("step").addEventListener("click", () => step(1));
$("reset").addEventListener("click", reset);
$("regenerate").addEventListener("click", () => send({ type: "regenerate" }));

// ---- view switches, presentation mode, help cards -------------------------------------------
// The view switches are part of a shared link: flipping one rewrites the address bar in place.
const view = new ViewState(() => { if (app.config && !restore.busy) writeUrl(app.config, { replace: true }); });
view.addCheckbox("show_test", $("show-test"));
view.addCheckbox("discretize", $("discretize"));
view.addCheckbox("log_scale", $("log-scale"));
view.addCheckbox("batch_loss", $("batch-loss"));
view.addChoice("side", SIDES, () => sideSwitch.value, (side) => sideSwitch.set(side));
const present = new PresentMode($("present"), () => view.onChange());
fitPlot(document.querySelector(".output-column .plot"), $("diagnosis")); // the plane takes the height left under it
view.add("present", () => present.on, (on) => present.set(on));
view.read();
bindHelp();
bindCollapse();
bindKeys({ togglePlay, step, reset, present: () => present.toggle() });

function showPlayState() {
  const playing = app.state === "playing";
  playButton.classList.toggle("playing", playing);
  playButton.dataset.i18nTitle = playing ? "transport.pause" : "transport.play";
  playButton.title = t(playButton.dataset.i18nTitle);
  playButton.setAttribute("aria-label", playButton.title);
  network.setPlaying(playing);
  document.body.classList.toggle("is-playing", playing);
}

// ---- URL state ---------------------------------------------------------------------------
const writeUrl = lessons.wrapWriter(makeUrlWriter(fields, 1000, () => view.search()), () => view.search()); // ?lesson=id while the config is the lesson's
const initial = readUrl(fields);
app.urlErrors = initial.errors.map((e) => ({ key: e.key, message: e.detail }));
status.urlErrors(app.urlErrors);
const restore = new ConfigRestore(send, (key, msg, text, source) => {
  if (source === "url") {
    app.urlErrors.push({ key, message: msg.message });
    status.urlErrors(app.urlErrors);
  } else status.error(text);
});
restore.want(initial.patch, null, "url"); // sent once the session says hello
// the run itself, handed to a restarted server (run-keeper.js)
const keeper = new RunKeeper({ send, history: () => chart.points(), truncate: (epoch) => chart.keepUpTo(epoch) });
window.addEventListener("popstate", () => {
  view.read();
  const { patch, errors } = readUrl(fields);
  status.urlErrors(errors.map((e) => ({ key: e.key, message: e.detail })));
  restore.want(patch, app.config, "url");
  if (restore.busy) {
    app.replaceUrl = true;
    restore.start();
  }
});


// ---- messages ----------------------------------------------------------------------------
const handlers = {
  hello(msg) {
    const previous = app.config;
    // A reconnect: the new session starts from defaults. Hand it the run we kept (weights,
    // optimizer, epoch, losses: run-keeper.js); without one, or if it is refused, put our config
    // (and seed) back, and our own points with their split (they lived only in the old session).
    const ownPoints = ownPointsMessages(previous, output.data);
    const trained = previous !== null && app.epoch > 0; // a run a restart can lose
    const putBack = () => {
      restore.want(previous, app.config, "reconnect");
      restore.start();
      ownPoints.forEach((m) => send(m));
      if (app.wantPlaying) send({ type: "play" });
      if (trained) status.runLost(false); // the new server refused the kept run
    };
    const resuming = keeper.resume(msg.limits, previous && putBack);
    if (trained && !resuming) status.runLost(keeper.tooLarge);
    if (previous && !resuming) restore.want(previous, msg.config, "reconnect");
    app.replaceUrl = true; // the config the page is restoring is not a new history entry
    applyConfig(msg.config, msg.version, []);
    insight.reconnected();
    lessons.connected();
    if (!resuming) {
      restore.start();
      ownPoints.forEach((m) => send(m));
    }
    if (previous && app.wantPlaying) send({ type: "play" });
  },
  checkpoint(msg) { keeper.receive(msg); },
  config(msg) {
    keeper.configured(msg.reset || []);
    const restoring = restore.answered();
    applyConfig(msg.config, msg.version, msg.reset || [], !restoring);
    exportsUi.loaded();
  },
  state(msg) {
    app.state = msg.state;
    app.epoch = msg.epoch ?? app.epoch;
    app.divergedEpoch = msg.state === "diverged" ? msg.diverged_epoch : null;
    if (msg.state !== "playing") {
      app.wantPlaying = false;
      keeper.ask(); // a paused run is kept as it stands
    }
    status.diverged(app.divergedEpoch);
    insight.state(msg);
    showPlayState();
    showEpoch();
    lessons.onState(msg);
  },
  lesson(msg) { lessons.onReply(msg); lessonViews.applied(msg); },
  backprop(msg) { inspector.receive(msg); },
  data(msg) {
    const outputs = msg.problem === "classification" && msg.n_classes > 2 ? msg.n_classes : 1;
    if (outputs !== app.outputs) {
      app.outputs = outputs;
      if (app.config) network.setConfig(app.config, outputs);
    }
    output.setData(msg);
    pointsEditor.setData(msg, app.config?.dataset);
    if (app.config?.dataset === "custom") {
      thumbs.custom = { problem: msg.problem, points: msg.train.concat(msg.test) };
      dataPanel.setThumbnails(thumbs);
    }
  },
  error(msg) {
    const text = `${t(`error.${msg.code}`)} ${msg.message}`.trim();
    if (exportsUi.handleError(msg, text)) return;
    if (keeper.refused(msg)) return;
    if (restore.busy) {
      restore.refused(msg, text);
      if (!restore.busy) compare.leftConfig(app.config); // the restore ended on a refusal: B follows what A took
      return;
    }
    if (inspector.claimError(msg, text)) return;
    if (insight.error(msg)) return;
    if (msg.field && controls.showError(msg.field, text)) return;
    const nearNetwork = ["hidden", "activation", "features", "layer", "i", "j", "value"].includes(msg.field);
    status.error(text, nearNetwork ? $("network-error") : null);
  },
  export(msg) { exportsUi.receive(msg); },
  frame(msg) {
    const h = msg.header;
    app.lastHeader = h;
    app.epoch = h.epoch;
    keeper.frame(h);
    // set_weight and set_bias are answered by a frame, not a config reply: its version counts too.
    if (h.version > app.version) app.version = h.version;
    chart.append(h.history || [], h);
    insight.frame(msg);
    failures.frame(h, { output: msg.arrays.output, points: output.data?.train, learningRate: app.config?.learning_rate });
    if (msg.arrays.features) features.setGrids(msg.arrays.features);
    if (h.diverged && app.divergedEpoch == null) {
      app.divergedEpoch = h.metrics?.diverged_epoch ?? h.epoch;
      status.diverged(app.divergedEpoch);
    }
    // Keep arrays a frame may leave out (units, weights travel every k-th frame).
    app.latest = { header: h, arrays: { ...(app.latest?.arrays || {}), ...msg.arrays } };
    if (msg.arrays.features) delete app.latest.arrays.features;
    if (!app.scheduled) {
      app.scheduled = true;
      requestAnimationFrame(render);
    }
  },
  ...insight.handlers,
};

/** Show a config from the server; `byUser`: say what the change reset (not for restores). */
function applyConfig(config, version, reset, byUser = false) {
  app.config = config;
  app.version = version;
  controls.setConfig(config); // also hides keys that do not apply and disables what the rules forbid
  dataPanel.setConfig(config);
  network.setConfig(config, app.outputs);
  insight.config(config, reset);
  if (reset.includes("network") || reset.includes("data")) {
    chart.clear();
    app.divergedEpoch = null;
    status.diverged(null);
  }
  if (reset.length && byUser) status.resetNote(reset);
  lessons.configChanged(config);
  compare.leftConfig(config, restore.busy || keeper.resuming !== null); // a reconnect's defaults are interim
  inspector.configChanged();
  // While a restore is under way the address bar keeps the config being restored.
  if (!restore.busy) {
    writeUrl(config, { replace: app.replaceUrl });
    app.replaceUrl = false;
  }
}

new ClassroomSeat({ send: (message) => connection.send(message), controls, host: document.querySelector(".lesson-strip") }).attach(handlers);
const connection = new Connection(sessionUrl(), handlers, (state, detail) => {
  app.connection = state;
  status.connection(state, detail, () => connection.retryNow());
  // While reconnecting the restored config must not create a history entry.
  if (state !== "live") app.replaceUrl = true;
});

// ---- drawing -----------------------------------------------------------------------------
function showEpoch() {
  $("epoch").textContent = app.epoch.toLocaleString("en-US", { minimumIntegerDigits: 6 }).replace(/^0,/, "0");
}

const metricEls = {
  testLoss: $("test-loss"), trainLoss: $("train-loss"), accRow: $("accuracy-row"), testAcc: $("test-acc"),
  trainAcc: $("train-acc"), classAcc: $("class-acc"), deadRow: $("dead-row"), deadFraction: $("dead-fraction"),
};

function render() {
  app.scheduled = false;
  const frame = app.latest;
  if (!frame) return;
  const t0 = performance.now();
  output.setFrame(frame);
  network.update(inspector.isOpen ? inspector.overlay(frame) : frame); // open: the walk's weights
  zeroCount.show(network.zeroWeights());
  if (output.hover?.target.kind === "unit") output.hover.grid = network.units;
  output.draw();
  chart.draw();
  insight.draw();
  showMetrics(metricEls, frame.header.metrics || {}, (k) => output.className(k));
  showEpoch();
  showRate($("current-rate"), frame.header.metrics, app.config);
  const ms = performance.now() - t0;
  app.renderTimes.push(ms);
  if (app.renderTimes.length > 200) app.renderTimes.shift();
}

// ---- thumbnails, language, test hook ------------------------------------------------------
const thumbs = {};
loadThumbnails(DATASETS, schema, schema.server_version || "0").then((sets) => {
  Object.assign(thumbs, sets);
  dataPanel.setThumbnails(thumbs);
});

const langSelect = $("language");
langSelect.value = language();
langSelect.addEventListener("change", () => setLanguage(langSelect.value));
onLanguage(() => { langSelect.value = language(); showPlayState(); status.relabel(); if (app.latest) render(); });
showPlayState();

window.__nnp = testHook({
  app, chart, network, inspector, failures, output, lessons, compare, insight, language, restore,
  send: (message) => send(message),
});

connection.open();
lessons.load();
