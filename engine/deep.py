"""The passes of a network with residual connections or normalization, as call lists.

engine.network's fast path takes every hidden derivative in one call from the activations,
which a residual connection (a = f(h) + a_prev) or a normalization (h = γ·ẑ + β) makes
impossible; such networks take these passes instead, one layer at a time, and a network
without them never reaches this module (so the default and large networks pay nothing).

Forward, per hidden layer l: z = Wᵀx + b; h = norm(z) (engine.normalization) or z; a = f(h),
its derivative taken now (before the skip is added); dropout; then a += a_prev when the layer
skips (its input and output widths match). Backward keeps dE/da of every hidden layer, because
a skip hands it down unchanged: dE/da_{l-1} = W_lᵀ·δ_l (+ dE/da_l when layer l skips).

`mode`: "train" (batch statistics, running averages move), "batch" (batch statistics, nothing
moves: a gradient check's passes) or "infer" (running averages: pictures and losses).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Sequence

import numpy as np

from . import normalization as norms
from .activations import maxout_mask
from .regularization import dropout_mask
from .workspace import Workspace

if TYPE_CHECKING:
    from .network import Call, Network


class DeepBuffers:
    """Per hidden layer: h (the activation's input), ẑ and 1/√(σ² + ε) with normalization; for
    training dE/da (a view with one spare row, as engine.workspace's deltas) and dE/dh."""

    def __init__(self, net: "Network", ws: Workspace):
        n, dtype, norm = ws.n, ws.z[0].dtype, net.norm
        widths = [z.shape[-2] for z in ws.z[:-1]]
        self.h = [np.empty((w, n), dtype) for w in widths] if norm else list(ws.z[:-1])
        self.xhat = [np.empty((w, n), dtype) for w in widths] if norm else []
        self.inv_std = [np.empty(norms.statistics_shape(norm, w, n), dtype) for w in widths] if norm else []
        if hasattr(ws, "d"):
            self.ga = [np.empty((u + 1, n), dtype)[:-1] for u in net.sizes[1:-1]]
            self.dh = [np.empty((w, n), dtype) for w in widths] if norm else ws.d[:-1]


def buffers(net: "Network", ws: Workspace) -> DeepBuffers:
    """The workspace's deep buffers, made on first use."""
    return ws.extra("deep", lambda: DeepBuffers(net, ws))


def forward_calls(net: "Network", ws: Workspace, x: np.ndarray, blocks: Sequence[np.ndarray], dropout: Any,
                  rng: Optional[np.random.Generator], derivatives: bool, mode: str,
                  plant_bug: bool = False) -> list["Call"]:
    """The forward pass (see the module docstring); `derivatives` also fills ws.fa (training)."""
    if ws.stack is not None:
        raise ValueError("residual connections and normalization train alone, never in a stack")
    buf, slope, norm = buffers(net, ws), net.leaky_slope, net.norm
    calls: list[Call] = [(ones.fill, (1,)) for ones in ws.ones()] if ws.shared else []
    masks = ws.dropout_buffers() if dropout else None
    inputs = x
    for l, act in enumerate(net.hidden_activations):
        z, h, a = ws.z[l], buf.h[l], ws.a[l]
        calls.append((np.dot, (blocks[l], inputs, z)))
        if norm is not None:
            calls.append((norms.forward, (norm, z, blocks.norm[l], h, buf.xhat[l], buf.inv_std[l], mode)))
        if ws.picture and act.picture is not None:
            rows = h.shape[-2]
            calls.append((act.picture, (h, a, slope, ws.scratch[0][:rows], ws.scratch[1][:rows])))
        else:
            calls.append((act.forward, (h, a, slope)))
        if derivatives:
            if act.pieces == 2:
                calls.append((maxout_mask, (h, ws.fa[l])))
            elif plant_bug:  # engine.gradcheck's deliberate mistake: f' taken as f
                calls.append((np.copyto, (ws.fa[l], a)))
            elif act.derivative is not None:
                calls.append((act.derivative, (a, ws.fa[l], slope)))
        if masks is not None:
            calls.append((dropout_mask, (rng, masks[l], dropout)))
            calls.append((np.multiply, (a, masks[l], a)))
        if net.skips[l]:
            calls.append((np.add, (a, inputs[:-1], a)))
        inputs = ws.inputs[l]
    calls += net.output_calls(ws, inputs, blocks)
    if derivatives:
        calls += net.derivative_calls(ws, len(net.hidden_activations), len(net.hidden_activations) + 1)
    return calls


def backward_calls(net: "Network", ws: Workspace, x: np.ndarray, t: np.ndarray, grads: Sequence[np.ndarray],
                   dropout: bool, blocks: Sequence[np.ndarray], loss_terms: Optional[np.ndarray],
                   mode: str) -> list["Call"]:
    """The backward pass after `forward_calls` with `derivatives` (see the module docstring):
    the summed data-loss gradient into `grads` (and `grads.norm` for γ and β)."""
    buf, d, norm = buffers(net, ws), ws.d, net.norm
    batch_stats = norm is not None and norms.uses_batch_statistics(norm, mode, ws.n)
    calls = net.top_delta_calls(ws, t, loss_terms)
    acts = net.hidden_activations
    for l in range(len(blocks) - 1, 0, -1):
        calls.append((np.dot, (d[l], ws.inputs[l - 1].T, grads[l])))
        ga = buf.ga[l - 1]
        calls.append((np.dot, (blocks[l].T, d[l], ga.base)))
        if l < len(acts) and net.skips[l]:  # a_l = f(h_l) + a_{l-1}: dE/da_l passes down as it is
            calls.append((np.add, (ga, buf.ga[l], ga)))
        act, dh = acts[l - 1], buf.dh[l - 1]
        g = ga
        if dropout:  # dE/df = dE/da · mask; ga itself stays dE/da for the skip below
            g = np.empty_like(ga)
            calls.append((np.multiply, (ga, ws.mask[l - 1], g)))
        if act.pieces == 2:  # maxout: the winning piece takes the whole gradient
            units = ga.shape[-2]
            calls.append((np.multiply, (g, ws.fa[l - 1], dh[:units])))
            calls.append((np.subtract, (g, dh[:units], dh[units:])))
        elif act.derivative is not None:
            calls.append((np.multiply, (g, ws.fa[l - 1], dh)))
        else:
            calls.append((np.copyto, (dh, g)))
        if norm is not None:
            calls.append((norms.backward, (norm, dh, buf.xhat[l - 1], buf.inv_std[l - 1], blocks.norm[l - 1],
                                           grads.norm[l - 1], d[l - 1], batch_stats)))
    calls.append((np.dot, (d[0], x.T, grads[0])))
    return calls
