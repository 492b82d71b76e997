// Compare mode's side B, whole (issue 13): the same modules side A uses, instantiated a second
// time over B's elements and B's session — its network view (unit pictures, links, biases,
// hover card and click-to-edit, dead units), its feature pictures, its failure notes, its
// hidden space and its gradient check. compare.js owns B's session and hands this object
// B's configs, data, frames and replies.

import { FeaturesPanel } from "./features-panel.js";
import { FailureWatch } from "./failure-watch.js";
import { GradientCheck } from "./gradient-check.js";
import { HiddenSpace } from "./hidden-space.js";
import { NetworkView } from "./network-view.js";
import { ZeroCount } from "./zero-count.js";

const $ = (id) => document.getElementById(id);

export class SideB {
  /**
   * fields: the schema's fields; send(message) sends to B's session; editor: the page's
   * ValueEditor (its card and popover serve both sides; an edit goes back through the target's
   * own send); output: B's OutputPanel (hovering a unit shows its picture there).
   */
  constructor({ fields, send, editor, output }) {
    this.send = send;
    this.output = output;
    this.outputs = 1;
    this.config = null;
    this.features = new FeaturesPanel(fields.features.choices, (list) => {
      if (list.length) this.send({ type: "config", patch: { features: list } });
    });
    this.network = new NetworkView($("b-network"), $("b-network-header"), this.features, fields.activation.choices, {
      onPatch: (patch) => this.send({ type: "config", patch }),
      onEdit: (target) => editor.open({ ...target, side: "B", send: (m) => this.send(m) }),
      onValueHover: (item, ev) => editor.showCard(item, ev),
      onHover: (target) => {
        let grid = null;
        if (target?.kind === "unit") grid = this.network.units;
        if (target?.kind === "feature") grid = this.features.grid(target.name);
        output.setHover(target, grid);
      },
    });
    this.network.maxUnits = fields.hidden.hi;
    this.failures = new FailureWatch($("b-diagnosis"));
    this.panels = [$("hidden-space-panel-b"), $("gradient-check-panel-b")];
    this.hidden = new HiddenSpace(this.panels[0], send);
    this.check = new GradientCheck(this.panels[1], send, "gc.heading_b");
    this.zeros = new ZeroCount(document.querySelector("[data-zero-count=b]"));
    /** Handlers for B's replies these panels own. */
    this.handlers = {
      hidden_space: (msg) => this.hidden.serverEnded(msg),
      gradient_check: (msg) => this.check.reply(msg),
    };
  }

  /** Compare mode opened or closed: B's panels below the page show or hide with it. */
  open(on) {
    for (const panel of this.panels) panel.hidden = !on;
    if (!on) this.hidden.setOn(false);
  }

  setConfig(config) {
    this.config = config;
    this.network.setConfig(config, this.outputs);
    this.hidden.setConfig(config);
  }

  /** A data message: a classifier of K > 2 classes has K output units. */
  setData(msg) {
    const outputs = msg.problem === "classification" && msg.n_classes > 2 ? msg.n_classes : 1;
    if (outputs === this.outputs) return;
    this.outputs = outputs;
    if (this.config) this.network.setConfig(this.config, outputs);
  }

  /** Every frame of B's session (also those not drawn). */
  frame(msg, data, learningRate) {
    this.failures.frame(msg.header, { output: msg.arrays.output, points: data?.train, learningRate });
    if (msg.arrays.features) this.features.setGrids(msg.arrays.features);
    this.hidden.frame(msg);
  }

  /** Once per animation frame, with B's latest frame. */
  draw(frame) {
    this.network.update(frame);
    this.zeros.show(this.network.zeroWeights());
    this.hidden.draw();
  }

  setPlaying(playing) {
    this.network.setPlaying(playing);
  }

  /** True when a panel showed B's error itself. */
  error(msg) {
    this.check.sawError();
    return this.hidden.claimError(msg);
  }
}
