// What the network's parts are called, for hover cards and accessible names (issue 14):
// "weight from X₁ to neuron 1 of layer 1: 0.42", "bias of the output: −0.1".

import { t } from "./i18n.js";
import { FEATURE_LABELS } from "./features-panel.js";
import { fmtNum } from "./format.js";

/** A link's source in layer pair L: a feature ("X₁") for L = 0, else "neuron i+1 of layer L". */
export function sourceName(config, L, i) {
  if (L === 0) {
    const name = config.features[i];
    return FEATURE_LABELS[name] || name;
  }
  return t("network.neuron_name", { layer: L, n: i + 1 });
}

/** A link's target (or a bias's node) in layer pair L: a hidden neuron, or the output (class k). */
export function targetName(config, outputs, L, j) {
  if (L < config.hidden.length) return t("network.neuron_name", { layer: L + 1, n: j + 1 });
  return outputs === 1 ? t("network.output_name") : t("network.output_class", { n: j + 1 });
}

/** "from X₁ to neuron 1 of layer 1". */
export function linkName(config, outputs, L, i, j) {
  return t("network.link_name", { from: sourceName(config, L, i), to: targetName(config, outputs, L, j) });
}

/** An accessible name with its value ("weight from … : 0.42"); `value` undefined reads "—". */
export function weightLabel(name, value) {
  return t("network.weight_name", { name, value: value === undefined ? "—" : fmtNum(value, 2) });
}

export function biasLabel(name, value) {
  return t("network.bias_name", { name, value: value === undefined ? "—" : fmtNum(value, 2) });
}
