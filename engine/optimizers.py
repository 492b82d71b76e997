"""Update rules over one flat parameter vector: name -> Optimizer class.

`step(params, grad, lr, scale, reg)` moves `params` in place along the effective gradient
g = scale·grad (+ the gradient of a smooth penalty `reg`, L2), then applies a proximal
penalty (L1) as its own step: a soft threshold that leaves exact zeros (engine.regularization).
`grad` is left untouched (the trainer reports its size), and every rule works in
preallocated buffers of the parameters' size. Each rule writes only `move`, the update from g.

Hyper-parameters (`momentum`, `nesterov`, `rho`, `beta2`) are plain attributes, read on
every step, so changing them live keeps the state (velocity, caches); a new optimizer is a
fresh state.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from .errors import ConfigError
from .regularization import Penalty

EPS = 1e-8


class Optimizer:
    """Plain SGD: p -= lr·g. Subclasses keep state arrays shaped like the parameters."""

    def __init__(self, size: int, momentum: float = 0.9, nesterov: bool = False, rho: float = 0.9,
                 beta2: float = 0.999):
        self.momentum, self.nesterov, self.rho, self.beta2 = momentum, nesterov, rho, beta2
        self.g = np.zeros(size)
        self.tmp = np.zeros(size)
        self.t = 0  # steps taken (Adam's bias correction)

    def gradient(self, params: np.ndarray, grad: np.ndarray, scale: float, reg: Optional[Penalty]) -> np.ndarray:
        """The effective gradient scale·grad + a smooth penalty's gradient, in `self.g`."""
        np.multiply(grad, scale, out=self.g)
        if reg is not None and not reg.proximal:
            reg.add_gradient(params, self.g, self.tmp)
        return self.g

    def calls(self, params: np.ndarray, grad: np.ndarray, lr: float, scale: float = 1.0,
              reg: Optional[Penalty] = None) -> list[tuple]:
        """`step` as a list of calls for a prebuilt training step (engine.network.run).

        Plain SGD without a penalty (or with L1 only) is two ufuncs, listed as such; other
        rules call `step`. An L1 penalty adds its shrink call after the move.
        """
        proximal = reg is not None and reg.proximal
        if type(self) is Optimizer and (reg is None or proximal):
            calls: list[tuple] = [(np.multiply, (grad, -lr * scale, self.g)), (np.add, (params, self.g, params))]
            return calls + ([(reg.shrink, (params, lr))] if proximal else [])
        return [(self.step, (params, grad, lr, scale, reg))]

    def step(self, params: np.ndarray, grad: np.ndarray, lr: float, scale: float = 1.0,
             reg: Optional[Penalty] = None) -> None:
        """One update of `params` in place: the data step (with a smooth penalty's gradient),
        then a proximal penalty's shrink."""
        self.t += 1
        self.move(params, self.gradient(params, grad, scale, reg), lr)
        if reg is not None and reg.proximal:
            reg.shrink(params, lr)

    def move(self, params: np.ndarray, g: np.ndarray, lr: float) -> None:
        """The rule's update of `params` from the effective gradient `g` (its buffer may be reused)."""
        np.multiply(g, -lr, out=g)
        np.add(params, g, out=params)


class Momentum(Optimizer):
    """v = μv - lr·g; p += v. Nesterov: p += μv - lr·g (the look-ahead form of Sutskever et al.)."""

    def __init__(self, size: int, **kw):
        super().__init__(size, **kw)
        self.v = np.zeros(size)

    def move(self, params, g, lr):
        np.multiply(g, -lr, out=g)
        np.multiply(self.v, self.momentum, out=self.v)
        np.add(self.v, g, out=self.v)
        if self.nesterov:
            np.multiply(self.v, self.momentum, out=self.tmp)
            np.add(self.tmp, g, out=self.tmp)
            np.add(params, self.tmp, out=params)
        else:
            np.add(params, self.v, out=params)


class Adagrad(Optimizer):
    """cache += g²; p -= lr·g / (√cache + ε): each weight's step shrinks with its history."""

    def __init__(self, size: int, **kw):
        super().__init__(size, **kw)
        self.cache = np.zeros(size)

    def _accumulate(self, g):
        np.multiply(g, g, out=self.tmp)
        np.add(self.cache, self.tmp, out=self.cache)

    def move(self, params, g, lr):
        self._accumulate(g)
        np.sqrt(self.cache, out=self.tmp)
        np.add(self.tmp, EPS, out=self.tmp)
        np.divide(g, self.tmp, out=g)
        np.multiply(g, -lr, out=g)
        np.add(params, g, out=params)


class RMSprop(Adagrad):
    """Adagrad with a leaky cache: cache = ρ·cache + (1-ρ)·g², so steps do not die out."""

    def _accumulate(self, g):
        np.multiply(g, g, out=self.tmp)
        np.multiply(self.tmp, 1.0 - self.rho, out=self.tmp)
        np.multiply(self.cache, self.rho, out=self.cache)
        np.add(self.cache, self.tmp, out=self.cache)


class Adam(Optimizer):
    """m = β1·m + (1-β1)·g, v = β2·v + (1-β2)·g², bias-corrected; β1 is the momentum setting."""

    def __init__(self, size: int, **kw):
        super().__init__(size, **kw)
        self.m = np.zeros(size)
        self.v = np.zeros(size)

    def move(self, params, g, lr):
        b1, b2 = self.momentum, self.beta2
        np.multiply(self.m, b1, out=self.m)
        np.multiply(g, 1.0 - b1, out=self.tmp)
        np.add(self.m, self.tmp, out=self.m)
        np.multiply(g, g, out=self.tmp)
        np.multiply(self.tmp, 1.0 - b2, out=self.tmp)
        np.multiply(self.v, b2, out=self.v)
        np.add(self.v, self.tmp, out=self.v)
        # lr·m̂/(√v̂ + ε) with m̂ = m/(1-β1^t), v̂ = v/(1-β2^t)
        np.multiply(self.v, 1.0 / (1.0 - b2 ** self.t), out=self.tmp)
        np.sqrt(self.tmp, out=self.tmp)
        np.add(self.tmp, EPS, out=self.tmp)
        np.divide(self.m, self.tmp, out=self.tmp)
        np.multiply(self.tmp, -lr / (1.0 - b1 ** self.t), out=self.tmp)
        np.add(params, self.tmp, out=params)


OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": Optimizer, "momentum": Momentum, "adagrad": Adagrad, "rmsprop": RMSprop, "adam": Adam,
}


def make_optimizer(name: str, size: int, **settings) -> Optimizer:
    """A fresh optimizer `name` for `size` parameters; settings: momentum, nesterov, rho, beta2."""
    try:
        cls = OPTIMIZERS[name]
    except KeyError:
        raise ConfigError("optimizer", f"{name!r} is not allowed; allowed: {', '.join(OPTIMIZERS)}",
                          allowed=", ".join(OPTIMIZERS)) from None
    return cls(size, **settings)
