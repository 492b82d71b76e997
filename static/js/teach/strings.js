// The dashboard's words in English and 简体中文; elements name theirs with data-t="key".

export const STRINGS = {
  en: {
    title: "NN Playground · Teacher", code: "Class code", start_hint: "Start a class: students join with its code or QR code.",
    start: "Start a class", class_controls: "Whole class", play_all: "Play all", pause_all: "Pause all",
    reset_all: "Reset all", anonymize: "Anonymize names", push: "Push", lesson: "Lesson", push_lesson: "Push lesson",
    setup: "Setup (JSON)", push_setup: "Push setup", selected_only: "Only selected students", lock: "Lock settings",
    challenge: "Challenge", dataset: "Data set", max_neurons: "Max neurons", max_epochs: "Max epochs",
    challenge_start: "Start challenge", challenge_end: "End challenge", end_class: "End class", sort: "Sort by",
    by_name: "name", by_loss: "test loss", by_activity: "last activity", hand_back: "Hand back",
    students: "{n} students", student: "Student {n}", epoch: "epoch", test_loss: "test", train_loss: "train",
    accuracy: "acc", differs: "differs: {keys}", playing: "playing", paused: "paused", diverged: "diverged",
    confirm_end: "End the class? Students keep working, the roster is forgotten.", ended: "The class has ended.",
    no_key: "Open the teacher link the server printed at startup (it carries the key).", live: "live",
    offline: "reconnecting…", bad_json: "The setup is not valid JSON.",
  },
  zh: {
    title: "NN Playground · 教师", code: "课堂代码", start_hint: "开始一个课堂：学生用代码或二维码加入。",
    start: "开始课堂", class_controls: "全班", play_all: "全部开始", pause_all: "全部暂停", reset_all: "全部重置",
    anonymize: "隐藏姓名", push: "推送", lesson: "课程", push_lesson: "推送课程", setup: "设置（JSON）",
    push_setup: "推送设置", selected_only: "仅推送给选中的学生", lock: "锁定设置", challenge: "挑战",
    dataset: "数据集", max_neurons: "最多神经元", max_epochs: "最多轮数", challenge_start: "开始挑战",
    challenge_end: "结束挑战", end_class: "结束课堂", sort: "排序", by_name: "姓名", by_loss: "测试损失",
    by_activity: "最近活动", hand_back: "交还", students: "{n} 名学生", student: "学生 {n}", epoch: "轮",
    test_loss: "测试", train_loss: "训练", accuracy: "准确率", differs: "不同：{keys}", playing: "训练中",
    paused: "已暂停", diverged: "已发散", confirm_end: "结束课堂？学生可继续练习，名单将被清除。",
    ended: "课堂已结束。", no_key: "请打开服务器启动时打印的教师链接（其中包含密钥）。", live: "已连接",
    offline: "正在重新连接…", bad_json: "设置不是有效的 JSON。",
  },
};

let current = localStorage.getItem("nnp-language") === "zh" ? "zh" : "en";

/** The text for `key` in the current language, with {name} filled from `params`. */
export function t(key, params = {}) {
  const text = STRINGS[current][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, k) => params[k] ?? "");
}

export const lang = () => current;

/** Switch language and relabel every data-t element. */
export function setLang(next) {
  current = STRINGS[next] ? next : "en";
  localStorage.setItem("nnp-language", current);
  document.documentElement.lang = current === "zh" ? "zh-CN" : "en";
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
}
