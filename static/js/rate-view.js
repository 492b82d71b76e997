// The learning rate the next step uses, as a frame's metrics carry it: shown beside the epoch
// while a schedule changes it (with a constant rate the control already says it).

import { t } from "./i18n.js";

/** Show `metrics.learning_rate` in `el` when `config.lr_schedule` is not constant; hide it otherwise. */
export function showRate(el, metrics, config) {
  if (!el) return;
  const rate = metrics?.learning_rate;
  const scheduled = config?.lr_schedule && config.lr_schedule !== "constant";
  el.hidden = !scheduled || rate == null;
  if (!el.hidden) el.textContent = `${t("rate.current")} ${Number(rate.toPrecision(3))}`;
}
