// Numbers written onto the network view (the backprop inspector's walk, issue 13): a small tag
// on a unit (its net input and output, its delta, its target) or beside a link (its gradient,
// its new value). The tags lie in their own layer over the view, placed from the nodes' and
// links' positions, so the network view itself needs no change to carry them.

/** Where along a link its tag sits, from the source: links from one unit spread apart there. */
const LINK_AT = 0.35;

export class NetworkNumbers {
  /** `view`: the NetworkView to write on. */
  constructor(view) {
    this.view = view;
    this.layer = document.createElement("div");
    this.layer.className = "network-numbers";
    view.root.append(this.layer);
    this.spec = null;
  }

  /**
   * Show `spec` = {nodes: [{column, j, lines: [text...], cls?}], links: [{layer, i, j, text, cls?}]}:
   * column 0 is the inputs, column c ≥ 1 the c-th layer of weights' targets (hidden, then output).
   */
  show(spec) {
    this.spec = spec;
    this.render();
  }

  clear() {
    this.spec = null;
    this.layer.replaceChildren();
  }

  /** Place the tags again (after a resize or a rebuild of the view). */
  render() {
    if (!this.spec) return;
    const view = this.view;
    const box = view.root.getBoundingClientRect();
    const at = (x, y) => [x - box.left + view.root.scrollLeft, y - box.top + view.root.scrollTop];
    const tags = [];
    for (const n of this.spec.nodes || []) {
      const node = n.column === 0 ? view.sources?.[0]?.[n.j] : view.targets?.[n.column - 1]?.[n.j];
      if (!node) continue;
      const r = node.getBoundingClientRect();
      // The last column's tags end at their node's right edge: the view clips what sticks out.
      const last = n.column === (view.targets?.length ?? 0);
      const [x, y] = at(last ? r.right : r.left + r.width / 2, r.bottom);
      tags.push(tag(last ? "unit-num end" : "unit-num", n.cls, n.lines, x, y + 2));
    }
    for (const l of this.spec.links || []) {
      const link = view.links.find((k) => k.layer === l.layer && k.i === l.i && k.j === l.j);
      if (!link?.el.getTotalLength) continue;
      const length = link.el.getTotalLength();
      if (!length) continue;
      const p = link.el.getPointAtLength(length * LINK_AT);
      const svg = view.svg.getBoundingClientRect();
      const [x, y] = at(svg.left + p.x, svg.top + p.y);
      const el = tag("link-num", l.cls, [l.text], x, y - 7);
      el.dataset.link = `${l.layer},${l.i},${l.j}`;
      tags.push(el);
    }
    this.layer.replaceChildren(...tags);
  }

  /** The texts shown now (tests read them). */
  get texts() {
    return [...this.layer.children].map((el) => el.textContent);
  }
}

function tag(kind, cls, lines, x, y) {
  const el = document.createElement("div");
  el.className = `num ${kind}${cls ? ` ${cls}` : ""}`;
  for (const line of lines) {
    const row = document.createElement("div");
    row.textContent = line;
    el.append(row);
  }
  el.style.left = `${x}px`;
  el.style.top = `${y}px`;
  return el;
}
