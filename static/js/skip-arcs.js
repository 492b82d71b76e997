// Residual connections in the network view: one arc per hidden layer that skips, from its
// input column around the layer to the layer's right edge (where its input is added to its
// output). A layer skips when residual is on and its input and output widths match (the
// engine's rule, engine/network.py). The arcs live in their own <g> of the links' SVG, so the
// network view redraws its links without knowing about them.

const SVG = "http://www.w3.org/2000/svg";
const RISE = 26; // px the arc climbs above the nodes' tops

/** The hidden layers (0-based) whose input is added to their output under `config`. */
export function skippingLayers(config) {
  if (!config?.residual) return [];
  const widths = [config.features.length, ...config.hidden];
  return config.hidden.map((units, l) => (widths[l] === units ? l : -1)).filter((l) => l >= 0);
}

/**
 * Draw the arcs into `svg` from measured node `positions` (Map node -> [left, right, centreY]);
 * `sources[l]` are layer l's input nodes, `targets[l]` its own; `nodeSize` the nodes' height.
 */
export function drawSkipArcs(svg, config, sources, targets, positions, nodeSize) {
  let group = svg.querySelector("g.skip-arcs");
  if (!group) {
    group = document.createElementNS(SVG, "g");
    group.classList.add("skip-arcs");
    group.setAttribute("aria-hidden", "true");
  }
  svg.append(group); // last: drawn over the links, and back after the links were rebuilt
  group.replaceChildren();
  if (!positions || !sources || !targets) return;
  for (const l of skippingLayers(config)) {
    const from = positions.get(sources[l]?.[0]), to = positions.get(targets[l]?.[0]);
    if (!from || !to) continue;
    const [x1, y1] = [(from[0] + from[1]) / 2, from[2] - nodeSize / 2];
    const [x2, y2] = [to[1], to[2] - nodeSize / 2];
    const top = Math.min(y1, y2) - RISE;
    const arc = document.createElementNS(SVG, "path");
    arc.classList.add("skip-arc");
    arc.dataset.layer = String(l);
    arc.setAttribute("d", `M${x1},${y1} C${x1},${top} ${x2},${top} ${x2},${y2}`);
    arc.setAttribute("fill", "none");
    arc.setAttribute("stroke", "#7a6fb0");
    arc.setAttribute("stroke-width", "2");
    arc.setAttribute("stroke-dasharray", "5 3");
    group.append(arc);
  }
}
