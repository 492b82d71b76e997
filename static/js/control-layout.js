// Where each setting's control sits: the top bar holds what a lesson changes most, the data
// column the data set's own settings, and "More settings" the rest. Controls (controls.js)
// builds each widget from the schema; this file only chooses its place and its widget.

import { t } from "./i18n.js";

const TOPBAR = ["learning_rate", "activation", "regularization", "reg_rate", "problem", "optimizer", "loss"];

const DATA = {
  train_ratio: { widget: "range", step: 10, format: (v) => `${v}%` },
  noise: { widget: "range", step: 5 },
  batch_size: {}, n_classes: {}, boundary_fn: {},
};

const MORE = {
  n_samples: { widget: "number" }, seed: { widget: "number" }, init: {},
  momentum: { widget: "number", step: 0.01 }, nesterov: { widget: "checkbox" },
  rho: { widget: "number", step: 0.01 }, beta2: { widget: "number", step: 0.0001 },
  leaky_slope: { widget: "number", step: 0.01 }, dropout: { widget: "number", step: 0.05 },
  input_noise: { widget: "number", step: 0.05 }, fps: { widget: "number" },
  // deeper networks (issue 18)
  residual: { widget: "checkbox" }, normalization: {}, lr_schedule: {}, lr_decay: {}, lr_step: {}, lr_period: {},
  clip_norm: {},
};

/** Build every control into its place: {topbar, data, more} are the containers. */
export function placeControls(controls, { topbar, data, more }) {
  for (const key of TOPBAR) controls.add(topbar, key);
  // 0 epochs a second means "as fast as the server goes"
  controls.add(topbar, "epochs_per_second", { format: (v) => (v === 0 ? t("opt.speed_max") : String(v)) });
  for (const [key, spec] of Object.entries(DATA)) controls.add(data, key, spec);
  for (const [key, spec] of Object.entries(MORE)) controls.add(more, key, spec);
}
