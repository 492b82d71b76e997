"""Batched training across sessions: trainers whose steps are the same call list train as one
stack (the idea of continuous batching in model servers).

A default network's step is ~19 NumPy calls on arrays of ten examples, so the fixed cost of
each call is the cost. A stack of S trainers of one `StackKey` runs each of those calls once
for all S: parameters as (S, size), every buffer as (S, rows, n), one `np.matmul` per product.

Bit for bit: each session's matrices in the stacked arrays have exactly the strides of its own
(session-major layout), and np.matmul then makes the same BLAS call per matrix as the lone
trainer's np.dot; every other call is elementwise, and the per-session rates are (S, 1)
columns holding the very floats the lone trainer multiplies by. tests/test_engine_stack.py
checks it across stack sizes and join/leave orders on the machine it runs on. (Interleaving the
sessions' examples in one (rows, S·n) buffer is *not* exact: single-example batches and
single-output layers then take other BLAS kernels.)

The trainers stay the owners of their state: `step` copies parameters and the epoch's data in,
writes parameters and the gradient back whenever the trainer's own code reads them (epoch-end
evaluation, a tail batch, the end of the call), and keeps each trainer's counters, random
stream and history through the trainer's own bookkeeping (`next_batch`, `finish_batch`). So
between calls a trainer is an ordinary Trainer (snapshot, update, set_weight, point edits), and
the next call reads it afresh: joining and leaving a stack is being passed to `step` or not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

import numpy as np

from .network import Call, Network, run
from .passes import StackStreams, training_passes
from .trainer import History, Trainer
from .workspace import Workspace

__all__ = ["StackKey", "StackPool", "TrainerStack"]


@dataclass(frozen=True)
class StackKey:
    """What fixes a training step's call list: trainers with equal keys can share a stack.

    Rates (learning rate, penalty rate) are not in it: they are per-session columns. Which
    features are chosen is not either (only how many): the data is per session.
    """

    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    loss: str
    output: str
    batch: int
    n_train: int
    optimizer: str
    penalty: str
    leaky_slope: Optional[float]
    dropout: bool
    input_noise: bool

    @classmethod
    def of(cls, trainer: Trainer) -> Optional["StackKey"]:
        """The trainer's key, or None when it trains only alone: nothing to train, an optimizer
        other than plain SGD, or L1 (its proximal step after the update; not stacked yet); residual
        connections or normalization (engine.deep's passes), a learning-rate schedule or gradient
        clipping (their steps are not the stack's call list: such sessions train alone)."""
        cfg, net = trainer.config, trainer.network
        if not trainer.can_train() or cfg["optimizer"] != "sgd" or cfg["regularization"] == "l1":
            return None
        if net.deep or cfg["lr_schedule"] != "constant" or cfg["clip_norm"] > 0:
            return None
        penalty = trainer.penalty
        leaky = cfg["leaky_slope"] if "leaky_relu" in net.activations else None  # baked into the calls
        return cls(tuple(net.sizes), tuple(net.activations), net.loss_name, net.output_activation,
                   trainer.batch_length(), trainer.training_data.n_train, cfg["optimizer"],
                   penalty.kind if penalty is not None else "none", leaky, cfg["dropout"] > 0, cfg["input_noise"] > 0)


class TrainerStack:
    """Trains trainers of one `StackKey` together; see the module docstring."""

    def __init__(self, key: StackKey):
        self.key = key
        self._size = 0  # sessions the buffers hold
        # the step of rows [0, k) for k a power of two or all rows (rows of trainers done or absent
        # compute garbage, which nobody reads): few workspaces, at most twice the largest
        self._calls: dict[int, list[Call]] = {}

    def step(self, owed: Mapping[Trainer, int]) -> dict[Trainer, History]:
        """Train each trainer its own number of mini-batches; returns each one's history (as
        `trainer.step` would). Every trainer must have this stack's key."""
        for trainer in owed:
            if StackKey.of(trainer) != self.key:
                raise ValueError("trainer: its StackKey is not this stack's; allowed: trainers of one key")
        histories: dict[Trainer, History] = {t: [] for t in owed}
        members = sorted((t for t, n in owed.items() if n > 0), key=lambda t: -owed[t])
        if len(members) == 1:
            histories[members[0]] = members[0].step(owed[members[0]])
        elif members:
            self._run(members, [owed[t] for t in members], histories)
        return histories

    # ---- buffers and call lists ------------------------------------------------------------------

    def _allocate(self, size: int, net: Network) -> None:
        """Buffers for `size` sessions (grown only; call lists are rebuilt)."""
        key, layout = self.key, net.layout
        rows, outs, b = key.sizes[0] + 1, key.sizes[-1], key.batch
        self._size, self._calls, self._net = size, {}, net
        self.params, self.grad = np.zeros((size, layout.size)), np.zeros((size, layout.size))
        self.g, self.tmp = np.zeros((size, layout.size)), np.zeros((size, layout.size))
        self.mask = layout.weight_mask()
        self.x_epoch = np.zeros((size, key.n_train, rows))
        self.t_epoch = np.zeros((size, key.n_train, outs))
        self.x_batch, self.t_batch = np.zeros((size, b, rows)), np.zeros((size, b, outs))
        self.index = np.zeros((size, b), np.intp)
        self.base = np.zeros((size, 1), np.intp)
        self.offsets = np.arange(b, dtype=np.intp)
        self.coef, self.scale = np.zeros((size, 1)), np.zeros((size, 1))
        self.neg_lr, self.rate = np.zeros((size, 1)), np.zeros((size, 1))
        self.dropout, self.noise = np.zeros((size, 1, 1)), np.zeros((size, 1, 1))
        # each row's own random stream, and which rows are done in this call (StackStreams reads both)
        self.streams: list[Optional[np.random.Generator]] = [None] * size
        self.done = [False] * size

    def _step_calls(self, k: int) -> list[Call]:
        """One stacked step of rows [0, k): gather each row's batch, forward, backward, update."""
        calls = self._calls.get(k)
        if calls is not None:
            return calls
        net, key = self._net, self.key
        ws = Workspace(net, key.batch, train=True, stack=k)
        flat_x = self.x_epoch.reshape(-1, self.x_epoch.shape[-1])
        flat_t = self.t_epoch.reshape(-1, self.t_epoch.shape[-1])
        x, t = self.x_batch[:k], self.t_batch[:k]
        p, grad, g, tmp = self.params[:k], self.grad[:k], self.g[:k], self.tmp[:k]
        calls = [(np.add, (self.base[:k], self.offsets, self.index[:k])),
                 (np.take, (flat_x, self.index[:k], 0, x, "clip")), (np.take, (flat_t, self.index[:k], 0, t, "clip")),
                 (np.add, (self.base[:k], key.batch, self.base[:k]))]  # each row's next batch (rows of
        # finished trainers left in the prefix compute garbage until the prefix shrinks: "clip")
        blocks = net.layout.blocks(p)
        xt, tt = x.swapaxes(-1, -2), t.swapaxes(-1, -2)
        calls += training_passes(net, ws, xt, tt, blocks, net.layout.blocks(grad),
                                 self.dropout[:k] if key.dropout else 0.0, self.noise[:k] if key.input_noise else 0.0,
                                 StackStreams(self.streams, self.done, k))
        if key.penalty == "none":  # Optimizer.calls: g = grad·(-lr·scale); p += g
            calls += [(np.multiply, (grad, self.coef[:k], g)), (np.add, (p, g, p))]
        else:  # Optimizer.step with a Penalty, in its order
            first = (np.sign, (p, tmp)) if key.penalty == "l1" else (np.copyto, (tmp, p))
            calls += [(np.multiply, (grad, self.scale[:k], g)), first, (np.multiply, (tmp, self.mask, tmp)),
                      (np.multiply, (tmp, self.rate[:k], tmp)), (np.add, (g, tmp, g)),
                      (np.multiply, (g, self.neg_lr[:k], g)), (np.add, (p, g, p))]
        self._calls[k] = calls
        return calls

    # ---- training ----------------------------------------------------------------------------------

    def _load(self, i: int, trainer: Trainer) -> None:
        """Row i takes the trainer's parameters, epoch order and rates."""
        np.copyto(self.params[i], trainer.network.params)
        self._load_epoch(i, trainer)
        lr, scale = trainer.config["learning_rate"], 1.0 / self.key.batch
        self.coef[i, 0], self.scale[i, 0], self.neg_lr[i, 0] = -lr * scale, scale, -lr
        penalty = trainer.penalty
        self.rate[i, 0] = penalty.rate if penalty is not None else 0.0
        self.dropout[i], self.noise[i] = trainer.config["dropout"], trainer.config["input_noise"]
        self.streams[i] = trainer.random_stream
        self.done[i] = False

    def _load_epoch(self, i: int, trainer: Trainer) -> None:
        data = trainer.training_data
        np.copyto(self.x_epoch[i], data.x_epoch)
        np.copyto(self.t_epoch[i], data.t_epoch)

    def _run(self, members: list[Trainer], owed: list[int], histories: dict[Trainer, History]) -> None:
        """The stacked rounds. Python looks at a row only at its events (an epoch's end, a short
        last batch, its last owed batch): between them the calls advance its batch themselves."""
        if len(members) > self._size:
            self._allocate(len(members), members[0].network)
        # lists are built from a current member's network: a former member's may since have
        # another leaky slope (and another key)
        self._net = members[0].network
        for i, trainer in enumerate(members):
            self._load(i, trainer)
        for i in range(len(members), self._size):
            self.done[i] = True  # rows without a trainer in this call draw nothing
        rows = _Rows(members, owed, histories, self.done)
        k, now = len(members), 0
        with np.errstate(all="ignore"):
            for i in range(k):
                self._begin(rows, i, now)
            while k:
                while k and rows.done[k - 1]:
                    k -= 1
                if not k:
                    break
                run(self._step_calls(min(self._size, 1 << (k - 1).bit_length())))
                now += 1
                for i in rows.events.pop(now, ()):
                    self._event(rows, i, now)

    def _begin(self, rows: "_Rows", i: int, now: int) -> None:
        """Row i's next stacked batch (after its trainer's own path for a short last batch), and
        the round of its next event; or its retirement."""
        trainer, b, n_train = rows.members[i], self.key.batch, self.key.n_train
        start, end = trainer.next_batch()
        if start == 0:
            self._load_epoch(i, trainer)
        if end - start != b:  # the epoch's short last batch: the trainer's own path
            np.copyto(trainer.network.params, self.params[i])
            rows.histories[trainer] += trainer.step(1)
            np.copyto(self.params[i], trainer.network.params)
            rows.fresh[i], rows.owed[i] = False, rows.owed[i] - 1
            if rows.owed[i] == 0 or trainer.diverged:
                self._retire(rows, i, finish=False)  # step() finished it
                return
            start, end = trainer.next_batch()
            self._load_epoch(i, trainer)
        rows.start[i], rows.since[i] = start, now
        self.base[i, 0] = i * n_train + start
        ahead = min(rows.owed[i], (n_train - start) // b)  # up to the epoch's last full batch
        rows.events.setdefault(now + ahead, []).append(i)

    def _event(self, rows: "_Rows", i: int, now: int) -> None:
        """Row i ran `now - since` stacked batches since its last event: count them."""
        trainer, b = rows.members[i], self.key.batch
        count = now - rows.since[i]
        end = rows.start[i] + count * b
        rows.stacked[i] += count
        rows.fresh[i] = True
        rows.owed[i] -= count
        if end == self.key.n_train:  # the epoch-end evaluation reads the trainer's parameters
            np.copyto(trainer.network.params, self.params[i])
        trainer.finish_batch(end - b, end, rows.histories[trainer], count)
        if rows.owed[i] == 0 or trainer.diverged:
            self._retire(rows, i)
        else:
            self._begin(rows, i, now)

    def _retire(self, rows: "_Rows", i: int, finish: bool = True) -> None:
        """Row i's trainer is done for this call: its parameters and last gradient go back."""
        trainer = rows.members[i]
        rows.done[i] = True
        np.copyto(trainer.network.params, self.params[i])
        if rows.fresh[i]:
            np.copyto(trainer.last_gradient()[0], self.grad[i])
        if self.key.penalty != "none":
            trainer.optimizer.t += rows.stacked[i]  # Optimizer.step counts the steps it takes
        if finish:
            trainer.finish_training()


class _Rows:
    """One `TrainerStack.step` call's rows: trainer, batches still owed, the start of the batch
    at the row's last event and that event's round, stacked steps taken, whether the stacked
    gradient is the trainer's last, done; `events` round -> rows to look at after it."""

    def __init__(self, members: list[Trainer], owed: list[int], histories: dict[Trainer, History],
                 done: list[bool]):
        n = len(members)
        self.members, self.owed, self.histories, self.done = members, owed, histories, done
        self.start, self.since, self.stacked = [0] * n, [0] * n, [0] * n
        self.fresh = [False] * n
        self.events: dict[int, list[int]] = {}


class StackPool:
    """Trains any trainers: those of one key together (one `TrainerStack` per key, kept for
    its buffers), a trainer alone in its key, or without one, on its own ordinary path."""

    def __init__(self) -> None:
        self.stacks: dict[StackKey, TrainerStack] = {}

    def step(self, owed: Mapping[Trainer, int]) -> dict[Trainer, History]:
        """Train each trainer `owed[trainer]` mini-batches; returns each one's history."""
        groups: dict[Optional[StackKey], list[Trainer]] = {}
        for trainer in owed:
            groups.setdefault(StackKey.of(trainer), []).append(trainer)
        histories: dict[Trainer, History] = {}
        for key, trainers in groups.items():
            if key is None or len(trainers) == 1:
                for trainer in trainers:
                    histories[trainer] = trainer.step(owed[trainer]) if owed[trainer] else []
                continue
            stack = self.stacks.get(key) or self.stacks.setdefault(key, TrainerStack(key))
            histories.update(stack.step({t: owed[t] for t in trainers}))
        return histories
