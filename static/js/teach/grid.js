// The grid of students: a card each (name, live thumbnail, epoch, losses, accuracy, state,
// what differs from the teacher's setup), sorted, optionally anonymized. Names are text only.

import { drawOutput } from "../heatmap.js";
import { t } from "./strings.js";

const fmt = (v, digits = 3) => (v == null ? "–" : Number(v).toFixed(digits));

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export class StudentGrid {
  /** `onPick(id)`: a card was clicked (spotlight it). */
  constructor(container, onPick) {
    this.container = container;
    this.onPick = onPick;
    this.cards = new Map(); // id -> {root, canvas, name, numbers, state, differs}
    this.students = [];
    this.sortBy = "name";
    this.anonymous = false;
    this.selected = new Set();
    this.spotlit = null;
    this.setup = null;
    this.order = new Map(); // id -> join order, for "Student N" when anonymized
  }

  update(students) {
    this.students = students;
    for (const s of students) if (!this.order.has(s.id)) this.order.set(s.id, this.order.size + 1);
    const seen = new Set(students.map((s) => s.id));
    for (const [id, card] of this.cards) if (!seen.has(id)) { card.root.remove(); this.cards.delete(id); }
    for (const s of students) this.fill(this.card(s.id), s);
    this.arrange();
  }

  card(id) {
    let card = this.cards.get(id);
    if (card) return card;
    const root = el("article", "card");
    root.dataset.student = id;
    root.tabIndex = 0;
    card = { root, canvas: el("canvas"), name: el("div", "name"), numbers: el("div", "numbers"),
             state: el("div", "state"), differs: el("div", "differs") };
    root.append(card.canvas, card.name, card.numbers, card.state, card.differs);
    root.addEventListener("click", (ev) => {
      if (ev.shiftKey || ev.ctrlKey || ev.metaKey) this.toggleSelected(id);
      else this.onPick(id);
    });
    root.addEventListener("keydown", (ev) => { if (ev.key === "Enter") this.onPick(id); });
    this.cards.set(id, card);
    this.container.append(root);
    return card;
  }

  displayName(s) {
    return this.anonymous ? t("student", { n: this.order.get(s.id) }) : s.name;
  }

  fill(card, s) {
    card.name.textContent = this.displayName(s);
    card.numbers.textContent = `${t("epoch")} ${s.epoch} · ${t("test_loss")} ${fmt(s.test_loss)} · ` +
      `${t("train_loss")} ${fmt(s.train_loss)} · ${t("accuracy")} ${s.test_accuracy == null ? "–" : fmt(s.test_accuracy * 100, 0) + "%"}`;
    card.state.textContent = t(s.state);
    card.state.className = `state state-${s.state}`;
    const keys = this.setup ? Object.keys(this.setup).filter((k) => JSON.stringify(s.config[k]) !== JSON.stringify(this.setup[k])) : [];
    card.differs.textContent = keys.length ? t("differs", { keys: keys.join(", ") }) : "";
    card.root.classList.toggle("selected", this.selected.has(s.id));
    card.root.classList.toggle("spotlit", this.spotlit === s.id);
  }

  arrange() {
    const key = this.sortBy;
    const sorted = [...this.students].sort((a, b) => {
      if (key === "test_loss") return (a.test_loss ?? Infinity) - (b.test_loss ?? Infinity);
      if (key === "last_active") return b.last_active - a.last_active;
      return a.name.localeCompare(b.name);
    });
    sorted.forEach((s, i) => { this.cards.get(s.id).root.style.order = String(i); });
  }

  refresh() {
    for (const s of this.students) this.fill(this.card(s.id), s);
    this.arrange();
  }

  toggleSelected(id) {
    if (this.selected.has(id)) this.selected.delete(id);
    else this.selected.add(id);
    this.refresh();
  }

  thumbnail(header, arrays) {
    const card = this.cards.get(header.student) || this.card(header.student);
    if (arrays.output) drawOutput(card.canvas, arrays.output, header.output_kind, false);
  }

  nameOf(id) {
    const s = this.students.find((x) => x.id === id);
    return s ? this.displayName(s) : id;
  }
}
