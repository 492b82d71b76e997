// The backprop inspector's steps (issue 13), made from one `backprop` reply (docs/protocol.md):
// forward layer by layer, the error E, the output deltas, the hidden deltas, the gradients and
// the updated weights. Each step says what the network view writes on its units and links and
// which lines the panel lists. Every number comes from the server's reply; the page only
// multiplies the chain rule's factors back together to show them side by side.

/** Rows a step lists at most (a bigger network's other numbers stay on its links). */
export const MAX_ROWS = 40;

/** A number as the notes write it: 9 digits after the point, trailing zeros dropped
 * (0.298371109, 0.35891648); very small or large ones in exponent form. */
export function fmt9(v) {
  if (v == null || !Number.isFinite(v)) return "—";
  if (v !== 0 && (Math.abs(v) < 1e-4 || Math.abs(v) >= 1e6)) return v.toExponential(5);
  const s = v.toFixed(9).replace(/0+$/, "").replace(/\.$/, "");
  return s === "-0" ? "0" : s;
}

/** The notes' names: inputs i1…, hidden units h1… (h2.1… with several hidden layers), outputs o1…. */
export function unitName(r, column, j) {
  const layers = r.layers.length;
  if (column === 0) return `i${j + 1}`;
  if (column === layers) return `o${j + 1}`;
  return layers > 2 ? `h${column}.${j + 1}` : `h${j + 1}`;
}

/** The notes' weight numbering: w1… per layer, all weights into a unit together (w1 = i1→h1,
 * w2 = i2→h1, w3 = i1→h2 …, w5 = h1→o1). */
export function weightName(r, layer, i, j) {
  let k = 0;
  for (let m = 0; m < layer; m++) k += r.weights[m].length * r.weights[m][0].length;
  return `w${k + j * r.weights[layer].length + i + 1}`;
}

/** The output unit's value ("out") below weight layer `layer` (layer 0: the inputs). */
const below = (r, layer, i) => (layer === 0 ? r.inputs[i] : r.layers[layer - 1].out[i]);

/** How δ of output j comes about, checked against the reply: squared loss through a sigmoid
 * (δ = (out − t)·out(1 − out)), or a loss whose δ is out − t (cross-entropy, a linear output). */
export function outputDelta(r, j) {
  const L = r.layers.length - 1;
  const o = r.layers[L].out[j], target = r.targets[j], d = r.deltas[L][j];
  const name = unitName(r, L + 1, j);
  const close = (a) => Math.abs(a - d) <= 1e-12 * Math.max(1, Math.abs(d));
  if (close((o - target) * o * (1 - o))) {
    return `δ_${name} = (out_${name} − target_${name}) × out_${name}(1 − out_${name}) = (${fmt9(o)} − ${fmt9(target)}) × ${fmt9(o * (1 - o))} = ${fmt9(d)}`;
  }
  if (close(o - target)) return `δ_${name} = out_${name} − target_${name} = ${fmt9(o)} − ${fmt9(target)} = ${fmt9(d)}`;
  return `δ_${name} = ∂E/∂net_${name} = ${fmt9(d)}`;
}

/** δ of hidden unit j of weight layer l: (Σ_k δ_k w_jk) × f′(net_j), f′ as the reply's numbers give it. */
export function hiddenDelta(r, l, j) {
  const name = unitName(r, l + 1, j);
  const next = r.deltas[l + 1];
  const sum = next.reduce((acc, dk, k) => acc + dk * r.weights[l + 1][j][k], 0);
  const terms = next.map((_, k) => `δ_${unitName(r, l + 2, k)}·${weightName(r, l + 1, j, k)}`).join(" + ");
  const d = r.deltas[l][j];
  const slope = sum !== 0 ? ` = ${fmt9(sum)} × ${fmt9(d / sum)}` : "";
  return `δ_${name} = (${terms}) × f′(net_${name})${slope} = ${fmt9(d)}`;
}

/** The chain rule for weight (layer, i, j): ∂E/∂w = out_i × δ_j, with the numbers. */
export function chainRule(r, layer, i, j) {
  const w = weightName(r, layer, i, j), from = unitName(r, layer, i), to = unitName(r, layer + 1, j);
  const out = below(r, layer, i), d = r.deltas[layer][j];
  return `∂E/∂${w} = ∂E/∂net_${to} × ∂net_${to}/∂${w} = δ_${to} × out_${from} = ${fmt9(d)} × ${fmt9(out)} = ${fmt9(r.grad_w[layer][i][j])}`;
}

/** Every (layer, i, j) of the reply's weights, in the notes' order (w1, w2, …). */
export function allWeights(r) {
  const list = [];
  r.weights.forEach((w, layer) => {
    for (let j = 0; j < w[0].length; j++) for (let i = 0; i < w.length; i++) list.push({ layer, i, j });
  });
  return list;
}

/**
 * The steps of the walk: [{key, params, rows: [text], nodes, links}] where key names the
 * step's title (strings "bp.step.<key>"), nodes and links are NetworkNumbers specs.
 */
export function walkSteps(r) {
  const L = r.layers.length;
  const steps = [];
  const inputs = r.inputs.map((v, i) => ({ column: 0, j: i, lines: [`out ${fmt9(v)}`] }));
  const forwardNodes = (upTo) => [...inputs, ...r.layers.slice(0, upTo + 1).flatMap((layer, l) =>
    layer.net.map((net, j) => ({ column: l + 1, j, lines: [`net ${fmt9(net)}`, `out ${fmt9(layer.out[j])}`] })))];
  const weightLinks = (layer, value, cls) => allWeights(r).filter((w) => layer === null || w.layer === layer)
    .map((w) => ({ ...w, text: `${weightName(r, w.layer, w.i, w.j)} ${fmt9(value(w))}`, cls }));
  const startLinks = weightLinks(null, (w) => r.weights[w.layer][w.i][w.j]);
  r.layers.forEach((layer, l) => {
    const rows = layer.net.map((net, j) => {
      const name = unitName(r, l + 1, j);
      const terms = r.weights[l].map((_, i) => `${weightName(r, l, i, j)}·out_${unitName(r, l, i)}`).join(" + ");
      return `net_${name} = ${terms} + b = ${fmt9(net)};  out_${name} = f(net_${name}) = ${fmt9(layer.out[j])}`;
    });
    steps.push({ key: "forward", params: { layer: l === L - 1 ? "output" : "hidden", n: l + 1 }, rows,
      nodes: forwardNodes(l), links: startLinks });
  });
  const outputs = r.layers[L - 1].out.map((o, j) => ({ column: L, j, lines: [`out ${fmt9(o)}`, `target ${fmt9(r.targets[j])}`] }));
  steps.push({ key: "error", params: {}, rows: [`E = ${fmt9(r.loss)}`,
    ...r.targets.map((target, j) => `${unitName(r, L, j)}: target ${fmt9(target)}, out ${fmt9(r.layers[L - 1].out[j])}`)],
  nodes: [...forwardNodes(L - 2), ...outputs], links: startLinks });
  const deltaNodes = (from) => r.deltas.slice(from).flatMap((ds, k) => ds.map((d, j) => ({
    column: from + k + 1, j, lines: [`δ ${fmt9(d)}`], cls: "delta" })));
  steps.push({ key: "output_deltas", params: {}, rows: r.deltas[L - 1].map((_, j) => outputDelta(r, j)),
    nodes: [...forwardNodes(L - 2), ...deltaNodes(L - 1)], links: startLinks });
  for (let l = L - 2; l >= 0; l--) {
    steps.push({ key: "hidden_deltas", params: { n: l + 1 }, rows: r.deltas[l].map((_, j) => hiddenDelta(r, l, j)),
      nodes: [...inputs, ...deltaNodes(l)], links: startLinks });
  }
  for (let l = L - 1; l >= 0; l--) {
    const rows = allWeights(r).filter((w) => w.layer === l).map((w) => chainRule(r, w.layer, w.i, w.j));
    r.grad_b[l].forEach((g, j) => rows.push(`∂E/∂b_${unitName(r, l + 1, j)} = δ_${unitName(r, l + 1, j)} = ${fmt9(g)}`));
    steps.push({ key: "gradients", params: { n: l + 1 }, rows: rows.slice(0, MAX_ROWS), more: Math.max(0, rows.length - MAX_ROWS),
      nodes: [...inputs, ...deltaNodes(0)],
      links: [...startLinks.filter((k) => k.layer !== l), ...weightLinks(l, (w) => r.grad_w[w.layer][w.i][w.j], "gradient")
        .map((k) => ({ ...k, text: `∂E/∂${k.text}` }))] });
  }
  const eta = r.learning_rate;
  const rows = allWeights(r).map(({ layer, i, j }) => `${weightName(r, layer, i, j)}: ${fmt9(r.weights[layer][i][j])} − ${fmt9(eta)} × ${fmt9(r.grad_w[layer][i][j])} = ${fmt9(r.updated_w[layer][i][j])}`);
  r.updated_b.forEach((bs, l) => bs.forEach((b, j) => rows.push(`b_${unitName(r, l + 1, j)}: ${fmt9(r.biases[l][j])} − ${fmt9(eta)} × ${fmt9(r.grad_b[l][j])} = ${fmt9(b)}`)));
  steps.push({ key: "update", params: { rate: fmt9(eta) }, rows: rows.slice(0, MAX_ROWS), more: Math.max(0, rows.length - MAX_ROWS),
    nodes: inputs, links: weightLinks(null, (w) => r.updated_w[w.layer][w.i][w.j], "updated") });
  return steps;
}
