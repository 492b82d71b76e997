// Wiring for the "seeing inside" panels (issue 6): the activation explorer, gradient flow,
// hidden space, gradient check and early stopping. main.js hands this one object the page's
// events (config, frame, state, errors, replies) and it routes them to the panels, so main.js
// needs only a few lines for all of them.

import { ActivationPlot } from "./activation-plot.js";
import { EarlyStopping } from "./early-stopping.js";
import { GradientCheck } from "./gradient-check.js";
import { GradientFlow } from "./gradient-flow.js";
import { HiddenSpace } from "./hidden-space.js";
import { NormGradients } from "./norm-gradients.js";

const $ = (id) => document.getElementById(id);

export class InsightPanels {
  /** controls: the page's Controls; chart: the LossChart; send(message) → false when offline. */
  constructor({ controls, chart, send }) {
    this.activation = new ActivationPlot();
    // Beside the top bar's activation selector (built by Controls, found by its key).
    const selector = document.querySelector("#topbar-controls .control[data-key=activation]");
    if (selector) selector.after(this.activation.el);
    else $("insight").prepend(this.activation.el);
    this.gradients = new GradientFlow($("gradient-flow-panel"));
    this.normGradients = new NormGradients($("gradient-flow-panel")); // scale and shift, with normalization
    // Compare mode's side B gets its own gradient flow: "sigmoid vs ReLU" is about the two.
    this.gradientsPanelB = $("gradient-flow-panel-b");
    this.gradientsB = new GradientFlow(this.gradientsPanelB, "grad.heading_b");
    this.gradients.linkAxis(this.gradientsB); // one log axis for both sides
    this.hidden = new HiddenSpace($("hidden-space-panel"), send);
    this.check = new GradientCheck($("gradient-check-panel"), send);
    this.early = new EarlyStopping($("early-stopping"), controls, chart);
    /** Handlers for the reply types these panels own (merged into main.js's table). */
    this.handlers = {
      hidden_space: (msg) => this.hidden.serverEnded(msg),
      gradient_check: (msg) => this.check.reply(msg),
    };
  }

  /** A config from the server; `reset` lists what was rebuilt (a restart clears the curves). */
  config(config, reset = []) {
    this.activation.setActivation(config.activation);
    this.hidden.setConfig(config);
    if (reset.includes("network") || reset.includes("data")) {
      this.gradients.clear();
      this.early.clear();
    }
  }

  /** Every frame, also those not drawn: gradient norms are kept per epoch. */
  frame(msg) {
    const h = msg.header;
    this.gradients.add(h.epoch, h.metrics?.grad_norms);
    this.normGradients.show(h.metrics?.norm_grad_norms);
    this.hidden.frame(msg);
    this.early.frame(h);
  }

  state(msg) {
    this.early.onState(msg);
  }

  /** True when a panel showed the error itself (main.js then shows nothing more). */
  error(msg) {
    this.check.sawError();
    return this.hidden.claimError(msg);
  }

  /** A new session after a reconnect: subscriptions must be sent again. */
  reconnected() {
    this.hidden.reconnected();
  }

  /** What compare mode (compare.js) tells about side B: opened or closed, its configs and
   * frames (its gradient flow and its early-stopping marker are shown beside A's). */
  get sideB() {
    const panel = this.gradientsPanelB, flow = this.gradientsB;
    return {
      open: (on) => { panel.hidden = !on; flow.clear(); this.early.clearB(); },
      config: (config, reset = []) => {
        if (reset.includes("network") || reset.includes("data")) { flow.clear(); this.early.clearB(); }
      },
      frame: (msg) => { flow.add(msg.header.epoch, msg.header.metrics?.grad_norms); this.early.frameB(msg.header); },
    };
  }

  /** Once per animation frame. */
  draw() {
    this.gradients.draw();
    if (!this.gradientsPanelB.hidden) this.gradientsB.draw();
    this.hidden.draw();
  }

  /** What the browser tests read through window.__nnp.insight. */
  get hook() {
    const self = this;
    return {
      get activationShown() { return self.activation.shown; },
      get activationPeak() { return self.activation.peak; },
      get gradientLayers() { return self.gradients.layers.length; },
      get gradientLatestB() { return self.gradientsB.latest(); },
      /** Both gradient-flow panels' y ranges as drawn ([min, max] each): equal in compare mode. */
      get gradientRanges() { return [self.gradients, self.gradientsB].map((g) => [g.plot.scales.y.min, g.plot.scales.y.max]); },
      get gradientPoints() { return self.gradients.epochs.length; },
      get gradientLatest() { return self.gradients.latest(); },
      get gradientLabels() { return self.gradients.plot.series.slice(1).map((s) => s.label); },
      get hiddenSubscribed() { return self.hidden.subscribed; },
      get hiddenPoints() { return self.hidden.drawnPoints; },
      get hiddenOn() { return self.hidden.on; },
      get gradientCheck() { return self.check.result; },
      get earlyStopping() { return self.early.state; },
      get bestMarker() { return self.early.marker; },
      get bestMarkerB() { return self.early.markerB; },
      get stoppedAt() { return self.early.stoppedAt; },
    };
  }
}
