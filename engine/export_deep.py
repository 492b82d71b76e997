"""The exports' source for residual connections, normalization, schedules and clipping.

engine.export and engine.export_training write a network and its training loop; when a run uses
any of the deeper-network keys (issue 18), they take the pieces here instead of their plain
ones, so an export of a run without them is the text it always was. The formulas are the
engine's (engine.deep, engine.normalization, engine.schedules, engine.clipping), written
example-major: batch statistics over axis 0, layer statistics over axis 1.
"""

from __future__ import annotations

from typing import Any, Mapping

from .export_heads import TORCH_LOAD_WEIGHTS
from .normalization import EPS, MOMENTUM


def is_deep(desc: Mapping[str, Any]) -> bool:
    """Whether the described network has a skip or a normalization."""
    return any(desc["skips"]) or desc["normalization"] != "none"


def steps_differ(cfg: Mapping[str, Any]) -> bool:
    """Whether the run's steps use a schedule or clipping."""
    return cfg["lr_schedule"] != "constant" or cfg["clip_norm"] > 0


def _blocks(desc: Mapping[str, Any]) -> str:
    rows = ",\n    ".join("[" + ", ".join("[" + ", ".join(repr(float(v)) for v in row) + "]" for row in block) + "]"
                          for block in desc["norm"])
    return f"[\n    {rows},\n]" if rows else "[]"


def network_constants(desc: Mapping[str, Any]) -> str:
    """SKIPS, NORMALIZATION and NORM (per hidden layer: scale, shift, batch: running mean, variance)."""
    return f'''SKIPS = {list(desc["skips"])!r}  # hidden layers that add their input to their output (residual)
NORMALIZATION = {desc["normalization"]!r}  # of each hidden layer's pre-activation, with scale and shift
NORM = {_blocks(desc)}  # per hidden layer: rows scale, shift (batch: running mean, running variance)
'''


def numpy_predict() -> str:
    """NumPy: normalize(l, z, training) and predict(xy) with skips and normalization."""
    return f'''NORM = [np.array(block) for block in NORM]


def normalize(l, z, training=False):
    """Hidden layer l's normalization of z (n, width): (h, xhat, 1/std, whether the batch's own
    statistics were used). Batch statistics only while training on more than one point (and
    then the running averages move); otherwise the running averages."""
    block = NORM[l]
    if NORMALIZATION == "layer":
        mean, own = z.mean(axis=1, keepdims=True), True
        var = np.square(z - mean).mean(axis=1, keepdims=True)
    elif training and len(z) > 1:
        mean, own, n = z.mean(axis=0), True, len(z)
        var = np.square(z - mean).mean(axis=0)
        block[2] *= {MOMENTUM!r}
        block[2] += (1.0 - {MOMENTUM!r}) * mean
        block[3] *= {MOMENTUM!r}
        block[3] += (1.0 - {MOMENTUM!r}) * var * (n / (n - 1))
    else:
        mean, var, own = block[2], block[3], False
    inv_std = 1.0 / np.sqrt(var + {EPS!r})
    xhat = (z - mean) * inv_std
    return xhat * block[0] + block[1], xhat, inv_std, own


def predict(xy):
    """The network's output (n, outputs) for points xy (n, 2)."""
    a = features(xy)
    for l, (w, b) in enumerate(zip(WEIGHTS[:-1], BIASES[:-1])):
        z = a @ w + b
        h = normalize(l, z)[0] if NORMALIZATION != "none" else z
        a = activate(ACTIVATIONS[l], h) + a if SKIPS[l] else activate(ACTIVATIONS[l], h)
    return activate(ACTIVATIONS[-1], a @ WEIGHTS[-1] + BIASES[-1])
'''


def numpy_passes() -> str:
    """NumPy training: forward (with caches) and backward through skips and normalization."""
    return '''

def forward(x, masks=(), training=False):
    """Feature rows x (n, features) through the network: (each layer's input, hidden f'(h),
    normalization caches, the output layer's z, the output); `masks`: dropout."""
    inputs, slopes, caches, a = [], [], [], x
    for l, (w, b) in enumerate(zip(WEIGHTS[:-1], BIASES[:-1])):
        inputs.append(a)
        z = a @ w + b
        h, cache = z, None
        if NORMALIZATION != "none":
            h, *cache = normalize(l, z, training)
        f = activate(ACTIVATIONS[l], h)
        slopes.append(derivative(ACTIVATIONS[l], f, h))
        caches.append(cache)
        if masks:
            f = f * masks[l]
        a = f + a if SKIPS[l] else f
    inputs.append(a)
    z = a @ WEIGHTS[-1] + BIASES[-1]
    return inputs, slopes, caches, z, activate(ACTIVATIONS[-1], z)


def backward(inputs, slopes, caches, masks, d):
    """The gradients [dW0, db0, dW1, ..., then d scale, d shift per hidden layer] summed over the
    batch, from the output delta d. A skip hands dE/da of its layer down unchanged; the
    normalization's gradient goes through the batch statistics when they were used."""
    grads, norm_grads, above = [], [], None
    for l in range(len(WEIGHTS) - 1, -1, -1):
        grads[:0] = [inputs[l].T @ d, d.sum(axis=0)]
        if l == 0:
            break
        da = d @ WEIGHTS[l].T
        if l < len(WEIGHTS) - 1 and SKIPS[l]:
            da = da + above
        above = da
        g = da * masks[l - 1] if masks else da
        if ACTIVATIONS[l - 1] == "maxout":  # the winning piece takes the whole gradient
            first = g * slopes[l - 1]
            d = np.concatenate([first, g - first], axis=1)
        else:
            d = g * slopes[l - 1]
        if NORMALIZATION != "none":
            xhat, inv_std, own = caches[l - 1]
            norm_grads[:0] = [(d * xhat).sum(axis=0), d.sum(axis=0)]
            dxhat = d * NORM[l - 1][0]
            if own:
                axis = 0 if NORMALIZATION == "batch" else 1
                dxhat = dxhat - dxhat.mean(axis=axis, keepdims=True)
                dxhat = dxhat - xhat * (dxhat * xhat).mean(axis=axis, keepdims=True)
            d = dxhat * inv_std
    return grads + norm_grads
'''


def step_constants(cfg: Mapping[str, Any], start_epoch: int) -> str:
    """The schedule's and clipping's settings."""
    return f'''LR_SCHEDULE, LR_DECAY, LR_STEP, LR_PERIOD = {cfg["lr_schedule"]!r}, {float(cfg["lr_decay"])!r}, {int(cfg["lr_step"])}, {int(cfg["lr_period"])}
CLIP_NORM = {float(cfg["clip_norm"])!r}  # largest norm of a step's mean gradient (0: no clipping)
START_EPOCH = {int(start_epoch)}  # the schedule's epoch count at the start
'''


def step_helpers() -> str:
    """rate(epoch) and clipped(grads), valid NumPy and PyTorch alike (math and floats only)."""
    return '''

def rate(epoch):
    """The learning rate of epoch `epoch` (0 = the first) under the schedule."""
    if LR_SCHEDULE == "step":
        return LEARNING_RATE * LR_DECAY ** (epoch // LR_STEP)
    if LR_SCHEDULE == "exponential":
        return LEARNING_RATE * LR_DECAY ** epoch
    if LR_SCHEDULE == "cosine":
        return LEARNING_RATE * (0.5 * (1.0 + math.cos(math.pi * min(epoch, LR_PERIOD) / LR_PERIOD)))
    return LEARNING_RATE


def clipped(grads):
    """The mean gradients scaled down to CLIP_NORM when their global norm is larger."""
    norm = math.sqrt(sum(float((g * g).sum()) for g in grads))
    if CLIP_NORM and math.isfinite(norm) and norm > CLIP_NORM:
        return [g * (CLIP_NORM / norm) for g in grads]
    return grads
'''


def torch_normalize() -> str:
    """PyTorch: the module's normalize method (the engine's formulas, running averages as buffers)."""
    return f'''
    def normalize(self, l, z, training=False):
        """Hidden layer l's normalization of z (n, width), as the NumPy script's."""
        if NORMALIZATION == "layer":
            mean = z.mean(dim=1, keepdim=True)
            var = torch.square(z - mean).mean(dim=1, keepdim=True)
        elif training and len(z) > 1:
            mean, n = z.mean(dim=0), len(z)
            var = torch.square(z - mean).mean(dim=0)
            with torch.no_grad():
                self.running[l][0].mul_({MOMENTUM!r}).add_((1.0 - {MOMENTUM!r}) * mean)
                self.running[l][1].mul_({MOMENTUM!r}).add_((1.0 - {MOMENTUM!r}) * var * (n / (n - 1)))
        else:
            mean, var = self.running[l][0], self.running[l][1]
        xhat = (z - mean) * (1.0 / torch.sqrt(var + {EPS!r}))
        return xhat * self.scale[l] + self.shift[l]
'''


def torch_network(desc: Mapping[str, Any], layers: str, parameters: str, branches: str, feature_lines: str) -> str:
    """PyTorch: PlaygroundNet with skips and normalization (scale and shift as parameters, the
    running averages as plain tensors), in engine.export's shape (features, scores, forward)."""
    return f'''ACTIVATIONS = {desc["activations"]!r}  # one per layer; the last is the output's
{parameters}{network_constants(desc)}

def activate(name, z):
{branches}


class PlaygroundNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([{layers}])
        blocks = [torch.tensor(block, dtype=torch.float64) for block in NORM]
        self.scale = nn.ParameterList([nn.Parameter(block[0].clone()) for block in blocks])
        self.shift = nn.ParameterList([nn.Parameter(block[1].clone()) for block in blocks])
        self.running = [block[2:].clone() for block in blocks]  # batch: running mean and variance
{TORCH_LOAD_WEIGHTS}
    @staticmethod
    def features(xy):
        x1, x2 = xy[:, 0], xy[:, 1]
        return torch.stack([{feature_lines}], dim=1)
{torch_normalize()}
    def scores(self, a, masks=(), training=False):
        """The output layer's z for feature rows `a`; `masks` (dropout) multiply the hidden
        activations; `training`: batch statistics (and the running averages move)."""
        for i, layer in enumerate(self.layers[:-1]):
            z = layer(a)
            h = self.normalize(i, z, training) if NORMALIZATION != "none" else z
            f = activate(ACTIVATIONS[i], h)
            if masks:
                f = f * masks[i]
            a = f + a if SKIPS[i] else f
        return self.layers[-1](a)

    def forward(self, xy):
        return activate(ACTIVATIONS[-1], self.scores(self.features(xy)))
'''


# --- patches of engine.export_training's loops (its plain text, replaced piece by piece) ---

def patched(text: str, replacements: tuple[tuple[str, str], ...]) -> str:
    """`text` with each (old, new) replaced; an old text that is missing is a bug here."""
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return text


NUMPY_DEEP_LOOP = (
    ("        _, _, z, o = forward(features(xy))", "        *_, z, o = forward(features(xy))"),
    ("            inputs, slopes, z, o = forward(x, masks)\n"
     "            grads = backward(inputs, slopes, masks, output_delta(z, o, t))",
     "            inputs, slopes, caches, z, o = forward(x, masks, training=True)\n"
     "            grads = backward(inputs, slopes, caches, masks, output_delta(z, o, t))"),
    ("    params = [p for pair in zip(WEIGHTS, BIASES) for p in pair]\n    flags = [True, False] * len(WEIGHTS)",
     "    params = [p for pair in zip(WEIGHTS, BIASES) for p in pair] + [row for block in NORM for row in block[:2]]\n"
     "    flags = [True, False] * len(WEIGHTS) + [False] * (2 * len(NORM))  # no penalty on scale and shift"),
)
STEP_LOOP = (  # NumPy and PyTorch loops alike: the epoch's rate, then each step's gradients clipped
    ("            break\n        for batch in batches(rng, len(x_all)):",
     "            break\n        optimizer.rate = rate(START_EPOCH + epoch - 1)\n"
     "        for batch in batches(rng, len(x_all)):"),
    ("optimizer.step(params, [g * (1.0 / len(batch)) for g in grads], flags)",
     "optimizer.step(params, clipped([g * (1.0 / len(batch)) for g in grads]), flags)"),
)
TORCH_STEP = ("optimizer.step(params, [p.grad for p in params], flags)",
              "optimizer.step(params, clipped([p.grad for p in params]), flags)")


TORCH_DEEP_LOOP = (
    ("    params = [p for layer in net.layers for p in (layer.weight, layer.bias)]\n"
     "    flags = [True, False] * len(net.layers)",
     "    params = [p for layer in net.layers for p in (layer.weight, layer.bias)]\n"
     "    params += [p for pair in zip(net.scale, net.shift) for p in pair]\n"
     "    flags = [True, False] * len(net.layers) + [False] * (2 * len(net.scale))  # no penalty on scale, shift"),
    ("z = net.scores(x, [tensor(m) for m in masks])", "z = net.scores(x, [tensor(m) for m in masks], training=True)"),
)
