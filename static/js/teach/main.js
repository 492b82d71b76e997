// The teacher dashboard (/teach): start a class with the key from the teacher link, then watch
// and steer it over WS /ws/teacher (docs/protocol.md, "Classroom").

import { decodeFrame } from "../frame.js";
import { StudentGrid } from "./grid.js";
import { drawQr } from "./qr.js";
import { Spotlight } from "./spotlight.js";
import { drawSpread } from "./spread.js";
import { lang, setLang, t } from "./strings.js";

const $ = (id) => document.getElementById(id);
const hash = new URLSearchParams(location.hash.slice(1));
const query = new URLSearchParams(location.search);
const dash = { ws: null, code: query.get("class"), token: hash.get("token"), state: null, retry: 0 };

const grid = new StudentGrid($("grid"), (id) => send({ type: "spotlight", student: dash.state?.spotlight === id ? null : id }));
const spotlight = new Spotlight({ box: $("spotlight"), name: $("spotlight-name"), output: $("spotlight-output"),
                                  network: $("spotlight-network"), loss: $("spotlight-loss"), metrics: $("spotlight-metrics") });

function showError(text) {
  $("teach-error").textContent = text;
  $("teach-error").hidden = !text;
}

function send(message) {
  if (dash.ws?.readyState === WebSocket.OPEN) dash.ws.send(JSON.stringify(message));
}

const chosen = () => ($("selected-only").checked && grid.selected.size ? { students: [...grid.selected] } : {});

async function startClass() {
  const key = hash.get("key") || sessionStorage.getItem("nnp-teacher-key");
  if (!key) return showError(t("no_key"));
  sessionStorage.setItem("nnp-teacher-key", key);
  const response = await fetch("/api/classes", { method: "POST", headers: { Authorization: `Bearer ${key}` } });
  const body = await response.json();
  if (!response.ok) return showError(body.error?.message || String(response.status));
  dash.code = body.code;
  dash.token = body.teacher_token;
  history.replaceState(null, "", `/teach?class=${body.code}#token=${body.teacher_token}`);
  connect();
}

function connect() {
  $("start").hidden = true;
  $("dashboard").hidden = false;
  const proto = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${proto}://${location.host}/ws/teacher?class=${dash.code}&token=${encodeURIComponent(dash.token)}`);
  ws.binaryType = "arraybuffer";
  dash.ws = ws;
  ws.onopen = () => { dash.retry = 0; $("connection").textContent = t("live"); };
  ws.onmessage = (ev) => receive(ev.data);
  ws.onclose = () => {
    if (dash.ws !== ws || dash.ended) return;
    $("connection").textContent = t("offline");
    dash.retry += 1;
    setTimeout(connect, Math.min(8000, 250 * 2 ** dash.retry));
  };
}

function receive(data) {
  if (typeof data !== "string") {
    const { header, arrays } = decodeFrame(data);
    if (header.type === "thumbnail") grid.thumbnail(header, arrays);
    else spotlight.frame(header, arrays);
    return;
  }
  const msg = JSON.parse(data);
  if (msg.type === "class") showClass(msg);
  else if (msg.type === "roster") showRoster(msg);
  else if (msg.type === "error") showError(msg.message);
  else if (msg.type === "class_ended") {
    dash.ended = true;
    showError(t("ended"));
  }
}

function showClass(state) {
  dash.state = state;
  showError("");
  $("class-info").hidden = false;
  $("class-code").textContent = state.class;
  $("join-link").textContent = state.join_url;
  $("join-link").href = state.join_url;
  drawQr($("qr"), state.join_url);
  for (const box of $("lock-keys").querySelectorAll("input")) box.checked = state.locks.includes(box.value);
  grid.setup = state.setup;
  grid.spotlit = state.spotlight;
  spotlight.show(state.spotlight, state.spotlight ? grid.nameOf(state.spotlight) : "");
  grid.refresh();
}

function showRoster(roster) {
  grid.update(roster.students);
  $("count").textContent = t("students", { n: roster.students.length });
  drawSpread($("spread"), roster.students.map((s) => s.test_loss));
  const ranking = $("ranking");
  ranking.replaceChildren(...(roster.ranking || []).map((id) => {
    const item = document.createElement("li");
    const s = roster.students.find((x) => x.id === id);
    item.textContent = `${grid.nameOf(id)} · ${s?.challenge_score?.toFixed(4) ?? "–"}`;
    return item;
  }));
  if (dash.state?.spotlight) spotlight.show(dash.state.spotlight, grid.nameOf(dash.state.spotlight));
}

async function fillChoices() {
  const [schema, lessons] = await Promise.all([fetch("/api/schema").then((r) => r.json()),
                                               fetch("/api/lessons").then((r) => r.json())]);
  const lessonList = Array.isArray(lessons) ? lessons : lessons.lessons || [];
  $("push-lesson").replaceChildren(...lessonList.map((l) => new Option(l.title?.[lang()] || l.title?.en || l.title || l.id, l.id)));
  const datasets = schema.config?.dataset?.choices || [];
  $("challenge-dataset").replaceChildren(...datasets.map((d) => new Option(d, d)));
  const keys = [...Object.keys(schema.config || {}), ...Object.keys(schema.session || {})];
  $("lock-keys").replaceChildren(...keys.map((key) => {
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.value = key;
    box.addEventListener("change", () => send({ type: "lock", keys: [...$("lock-keys").querySelectorAll("input:checked")].map((b) => b.value) }));
    label.append(box, ` ${key}`);
    return label;
  }));
}

function wire() {
  $("language").value = lang();
  $("language").addEventListener("change", (ev) => { setLang(ev.target.value); grid.refresh(); });
  $("start-class").addEventListener("click", startClass);
  $("play-all").addEventListener("click", () => send({ type: "play_all", ...chosen() }));
  $("pause-all").addEventListener("click", () => send({ type: "pause_all", ...chosen() }));
  $("reset-all").addEventListener("click", () => send({ type: "reset_all", ...chosen() }));
  $("anonymize").addEventListener("change", (ev) => { grid.anonymous = ev.target.checked; grid.refresh(); });
  $("sort").addEventListener("change", (ev) => { grid.sortBy = ev.target.value; grid.arrange(); });
  $("push-lesson-go").addEventListener("click", () => send({ type: "push", lesson: $("push-lesson").value, ...chosen() }));
  $("push-config-go").addEventListener("click", () => {
    let config;
    try { config = JSON.parse($("push-config").value); } catch { return showError(t("bad_json")); }
    send({ type: "push", config, ...chosen() });
  });
  $("challenge-go").addEventListener("click", () => send({
    type: "challenge", config: { dataset: $("challenge-dataset").value },
    max_neurons: Number($("challenge-neurons").value), max_epochs: Number($("challenge-epochs").value) }));
  $("challenge-end").addEventListener("click", () => send({ type: "challenge", end: true }));
  $("spotlight-close").addEventListener("click", () => send({ type: "spotlight", student: null }));
  $("end-class").addEventListener("click", () => { if (confirm(t("confirm_end"))) send({ type: "end_class" }); });
}

setLang(lang());
wire();
fillChoices();
if (dash.code && dash.token) connect();
else $("start").hidden = false;
