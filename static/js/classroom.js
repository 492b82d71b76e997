// Classroom mode on the student's page (docs/protocol.md, "Classroom"): a join box (the code
// from ?class= or typed, and a display name), the teacher's notices, and the settings the
// teacher locked shown disabled. The box sits in the row under the top bar (`host`), folded to
// one button, so it never lies over the output plot, the loss chart or a control (issue 14). The student token from `joined` is kept in localStorage,
// so a reload or a reconnect joins again as the same student.

import { language, onLanguage } from "./i18n.js";

const TEXT = {
  en: {
    join: "Join a class", code: "Class code", name: "Your name", go: "Join", joined: "In class {code} as {name}",
    leave: "Hide", ended: "Your teacher ended the class; you keep working on your own.",
    locked: "Your teacher locked this setting", unknown_class: "No class with this code.",
  },
  zh: {
    join: "加入课堂", code: "课堂代码", name: "你的名字", go: "加入", joined: "已加入课堂 {code}，名字：{name}",
    leave: "隐藏", ended: "老师结束了课堂，你可以继续独自练习。",
    locked: "老师锁定了此设置", unknown_class: "没有这个代码的课堂。",
  },
};
const NOTICE_ZH = {
  push: "老师更改了你的设置。", pause_all: "老师暂停了全班的训练。", play_all: "老师为全班开始了训练。",
  reset_all: "老师重置了你的网络。", challenge: "挑战开始：在预算内取得最低的测试损失。",
};

const text = (key, params = {}) =>
  (TEXT[language()] || TEXT.en)[key].replace(/\{(\w+)\}/g, (_, k) => params[k] ?? "");
const CURRENT = "nnp-class-current"; // this tab's class (sessionStorage: one tab, survives a reload)
const stored = (code) => JSON.parse(localStorage.getItem(`nnp-class-${code}`) || "null");

function element(tag, className, content) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (content !== undefined) el.textContent = content; // names are text, never markup
  return el;
}

export class ClassroomSeat {
  /** `send(message)` sends on the session; `controls` (controls.js) get disabled when locked;
   * `host` is the element the box is appended to (a row of the page, not a floating layer). */
  constructor({ send, controls, host }) {
    this.send = send;
    this.controls = controls;
    this.seat = null; // {code, name, token} once asked to join
    this.locked = [];
    this.box = this.buildBox();
    host.append(this.box);
    // a reload of this tab comes back as the same student (the server knows the token)
    const current = sessionStorage.getItem(CURRENT);
    if (current && stored(current)?.token) this.seat = stored(current);
    const code = new URLSearchParams(location.search).get("class");
    if (code && !this.seat) {
      this.codeInput.value = code.toUpperCase();
      const previous = stored(code.toUpperCase());
      if (previous) this.nameInput.value = previous.name;
      this.open(true);
    }
  }

  buildBox() {
    const box = element("aside", "classroom-box");
    box.id = "classroom";
    this.toggle = element("button", "text-button classroom-toggle", text("join"));
    this.toggle.type = "button";
    this.toggle.addEventListener("click", () => this.open(this.form.hidden));
    this.form = element("form", "classroom-form");
    this.form.id = "classroom-form";
    this.form.hidden = true;
    this.toggle.setAttribute("aria-controls", this.form.id);
    this.toggle.setAttribute("aria-expanded", "false");
    this.codeInput = element("input");
    this.codeInput.id = "class-code";
    this.codeInput.maxLength = 8;
    this.codeInput.autocomplete = "off";
    this.nameInput = element("input");
    this.nameInput.id = "class-name";
    this.nameInput.maxLength = 40;
    const go = element("button", "text-button", text("go"));
    go.type = "submit";
    this.status = element("p", "classroom-status");
    this.status.setAttribute("role", "status");
    const label = () => {
      this.toggle.textContent = text("join");
      go.textContent = text("go");
      this.codeInput.placeholder = text("code");
      this.nameInput.placeholder = text("name");
    };
    label();
    onLanguage(label); // the box is built before the page's language is known
    this.form.append(this.codeInput, this.nameInput, go);
    this.form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const code = this.codeInput.value.trim().toUpperCase();
      const previous = stored(code);
      this.seat = { code, name: this.nameInput.value, token: previous?.token || null };
      this.join();
    });
    this.notice = element("p", "classroom-notice");
    this.notice.hidden = true;
    this.notice.setAttribute("role", "alert");
    box.append(this.toggle, this.form, this.status, this.notice);
    return box;
  }

  open(show) {
    this.form.hidden = !show;
    this.toggle.setAttribute("aria-expanded", String(show));
    if (show) this.nameInput.focus();
  }

  join() {
    if (!this.seat) return;
    const message = { type: "join", class: this.seat.code, name: this.seat.name };
    if (this.seat.token) message.token = this.seat.token;
    this.send(message);
  }

  showNotice(message) {
    this.notice.textContent = message;
    this.notice.title = message; // the row shows two lines at most
    this.notice.hidden = false;
    clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => { this.notice.hidden = true; }, 8000);
  }

  /** Disable the controls of `keys` (and re-enable the rest of those locked before). */
  lock(keys) {
    for (const key of new Set([...this.locked, ...keys])) {
      for (const entry of this.controls.byKey.get(key) || []) {
        const on = keys.includes(key);
        entry.widget.el.disabled = on;
        entry.wrap.classList.toggle("locked", on);
        entry.wrap.title = on ? text("locked") : "";
      }
    }
    this.locked = [...keys];
  }

  /** Add this module's message handlers to the page's, chaining `hello` (rejoin) and `error`. */
  attach(handlers) {
    const hello = handlers.hello;
    const error = handlers.error;
    handlers.hello = (msg) => { hello(msg); this.join(); };
    handlers.error = (msg) => {
      if (this.seat && (msg.field === "class" || msg.field === "name" || msg.code === "unknown_class")) {
        this.status.textContent = msg.code === "unknown_class" ? text("unknown_class") : msg.message;
        this.open(true);
        return;
      }
      error(msg);
    };
    handlers.joined = (msg) => {
      this.seat = { code: msg.class, name: msg.name, token: msg.token };
      localStorage.setItem(`nnp-class-${msg.class}`, JSON.stringify(this.seat));
      sessionStorage.setItem(CURRENT, msg.class);
      this.status.textContent = text("joined", { code: msg.class, name: msg.name });
      this.status.title = this.status.textContent; // the row may cut a long name short
      this.open(false);
      this.lock(msg.locked);
    };
    handlers.locked = (msg) => this.lock(msg.keys);
    handlers.notice = (msg) => this.showNotice(language() === "zh" ? NOTICE_ZH[msg.kind] || msg.message : msg.message);
    handlers.class_ended = () => {
      this.seat = null;
      sessionStorage.removeItem(CURRENT);
      this.lock([]);
      this.status.textContent = "";
      this.showNotice(text("ended"));
    };
  }
}
