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

Every update rule stacks (engine.optimizers: SGD, momentum and Nesterov, Adagrad, RMSprop,
Adam) with either penalty (L2's gradient, L1's proximal step): the rule's state arrays are
(S, size) rows, its settings (S, 1) columns holding the floats the rule computes (1 - ρ, …), and
Adam's bias corrections are computed per row in Python floats, as Adam.move does, since
NumPy's vectorised power may round otherwise. `stackable` is the one place that decides which
trainers may stack at all.

The trainers stay the owners of their state: `step` copies parameters and the epoch's data in,
writes parameters and the gradient back whenever the trainer's own code reads them (epoch-end
evaluation, a tail batch, the end of the call), and keeps each trainer's counters, optimizer state, random
stream and history through the trainer's own bookkeeping (`next_batch`, `finish_batch`). So
between calls a trainer is an ordinary Trainer (snapshot, update, set_weight, point edits), and
the next call reads it afresh: joining and leaving a stack is being passed to `step` or not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

import numpy as np

from .network import Call, Network, run
from .optimizers import EPS
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
    nesterov: bool

    @classmethod
    def of(cls, trainer: Trainer) -> Optional["StackKey"]:
        """The trainer's key, or None when it trains only alone (`stackable` says no)."""
        if not stackable(trainer):
            return None
        cfg, net = trainer.config, trainer.network
        penalty = trainer.penalty
        leaky = cfg["leaky_slope"] if "leaky_relu" in net.activations else None  # baked into the calls
        nesterov = bool(cfg["nesterov"]) and cfg["optimizer"] == "momentum"
        return cls(tuple(net.sizes), tuple(net.activations), net.loss_name, net.output_activation,
                   trainer.batch_length(), trainer.training_data.n_train, cfg["optimizer"],
                   penalty.kind if penalty is not None else "none", leaky, cfg["dropout"] > 0, cfg["input_noise"] > 0,
                   nesterov)


# the optimizer state arrays each rule keeps (engine.optimizers), held as (S, size) rows
OPTIMIZER_STATE = {"sgd": (), "momentum": ("v",), "adagrad": ("cache",), "rmsprop": ("cache",), "adam": ("m", "v")}


def stackable(trainer: Trainer) -> bool:
    """Whether the trainer may train in a stack at all: the one place that decides it (a config
    key the stacked step does not reproduce bit for bit belongs here). Not when there is
    nothing to train."""
    cfg = trainer.config
    if not trainer.can_train() or cfg["optimizer"] not in OPTIMIZER_STATE:
        return False
    # residual connections or normalization (engine.deep's passes), a learning-rate schedule
    # or gradient clipping: their steps are not the stack's call list, so such sessions train alone
    return not (trainer.network.deep or cfg["lr_schedule"] != "constant" or cfg["clip_norm"] > 0)


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
        # each step's loss terms (engine.network.backward_calls), then put in every row's epoch
        # columns, from which its trainer keeps the mini-batch losses. A finished row's batch runs
        # past its epoch: its terms go to the spare last column, never into another row's.
        loss_rows = net.loss_terms_buffer(0).shape[0]
        self.terms_batch = np.zeros((size, loss_rows, b))
        self.terms_epoch = np.zeros((loss_rows, size, key.n_train + 1))
        self.row_start = np.arange(size)[:, None] * key.n_train
        self.row_of = np.arange(size)[:, None]
        self.column = np.zeros((size, b), np.intp)
        self.base = np.zeros((size, 1), np.intp)
        self.offsets = np.arange(b, dtype=np.intp)
        self.coef, self.scale = np.zeros((size, 1)), np.zeros((size, 1))
        self.neg_lr, self.rate = np.zeros((size, 1)), np.zeros((size, 1))
        self.dropout, self.noise = np.zeros((size, 1, 1)), np.zeros((size, 1, 1))
        self.lr, self.hyper = np.zeros((size, 1)), np.zeros((size, 3, 1))  # rule settings, see _move_calls
        self.beta2, self.c1, self.c2 = np.zeros((size, 1)), np.zeros((size, 1)), np.zeros((size, 1))
        self.state = {name: np.zeros((size, layout.size)) for name in OPTIMIZER_STATE[key.optimizer]}
        self.t = np.zeros((size, 1))  # each row's step count (the rule's `t`), advanced by the calls
        if key.penalty == "l1":  # the proximal step's per-entry rates and scratch (Penalty.shrink)
            self.l1_rates, self.thr, self.mag = (np.zeros((size, layout.size)) for _ in range(3))
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
        p, grad = self.params[:k], self.grad[:k]
        calls = [(np.add, (self.base[:k], self.offsets, self.index[:k])),
                 (np.take, (flat_x, self.index[:k], 0, x, "clip")), (np.take, (flat_t, self.index[:k], 0, t, "clip")),
                 (np.add, (self.base[:k], key.batch, self.base[:k]))]  # each row's next batch (rows of
        # finished trainers left in the prefix compute garbage until the prefix shrinks: "clip")
        blocks = net.layout.blocks(p)
        xt, tt = x.swapaxes(-1, -2), t.swapaxes(-1, -2)
        calls += training_passes(net, ws, xt, tt, blocks, net.layout.blocks(grad),
                                 self.dropout[:k] if key.dropout else 0.0, self.noise[:k] if key.input_noise else 0.0,
                                 StackStreams(self.streams, self.done, k), self.terms_batch[:k])
        calls.append((_put_terms, (self.terms_epoch, self.terms_batch[:k], self.index[:k], self.row_start[:k],
                                    self.row_of[:k], self.column[:k])))
        calls += self._update_calls(k)
        self._calls[k] = calls
        return calls

    def _update_calls(self, k: int) -> list[Call]:
        """The update of rows [0, k), in the order of Optimizer.calls / Optimizer.step (with the
        Penalty's gradient or proximal step), each scalar of the lone call an (S, 1) column."""
        key = self.key
        p, grad, g, tmp, lr = self.params[:k], self.grad[:k], self.g[:k], self.tmp[:k], self.lr[:k]
        if key.optimizer == "sgd" and key.penalty != "l2":  # two ufuncs: g = grad·(-lr·scale); p += g
            calls: list[Call] = [(np.multiply, (grad, self.coef[:k], g)), (np.add, (p, g, p))]
        else:  # Optimizer.step: t += 1, the effective gradient, the rule's move
            calls = [(np.add, (self.t[:k], 1.0, self.t[:k])), (np.multiply, (grad, self.scale[:k], g))]
            if key.penalty == "l2":
                calls += [(np.copyto, (tmp, p)), (np.multiply, (tmp, self.mask, tmp)),
                          (np.multiply, (tmp, self.rate[:k], tmp)), (np.add, (g, tmp, g))]
            calls += self._move_calls(k)
        if key.penalty == "l1":  # Penalty.shrink
            thr, mag = self.thr[:k], self.mag[:k]
            calls += [(np.multiply, (self.l1_rates[:k], lr, thr)), (np.abs, (p, mag)), (np.subtract, (mag, thr, mag)),
                      (_clip_below_zero, (mag,)), (np.sign, (p, thr)), (np.multiply, (thr, mag, p))]
        return calls

    def _move_calls(self, k: int) -> list[Call]:
        """The rule's move from g (engine.optimizers `move`), hyper-parameters as columns."""
        name, p, g, tmp = self.key.optimizer, self.params[:k], self.g[:k], self.tmp[:k]
        neg_lr, h = self.neg_lr[:k], self.hyper[:k]
        if name == "sgd":
            return [(np.multiply, (g, neg_lr, g)), (np.add, (p, g, p))]
        if name == "momentum":
            v, mu = self.state["v"][:k], h[:, 0]
            calls: list[Call] = [(np.multiply, (g, neg_lr, g)), (np.multiply, (v, mu, v)), (np.add, (v, g, v))]
            if self.key.nesterov:
                return calls + [(np.multiply, (v, mu, tmp)), (np.add, (tmp, g, tmp)), (np.add, (p, tmp, p))]
            return calls + [(np.add, (p, v, p))]
        if name in ("adagrad", "rmsprop"):
            cache = self.state["cache"][:k]
            calls = [(np.multiply, (g, g, tmp))]
            if name == "rmsprop":  # h: rho, 1 - rho
                calls += [(np.multiply, (tmp, h[:, 1], tmp)), (np.multiply, (cache, h[:, 0], cache))]
            calls += [(np.add, (cache, tmp, cache)), (np.sqrt, (cache, tmp)), (np.add, (tmp, EPS, tmp)),
                      (np.divide, (g, tmp, g)), (np.multiply, (g, neg_lr, g)), (np.add, (p, g, p))]
            return calls
        # adam: h = beta1, 1 - beta1, 1 - beta2 ... and the bias corrections of each row's t
        m, v = self.state["m"][:k], self.state["v"][:k]
        return [(self._adam_corrections, (k,)),
                (np.multiply, (m, h[:, 0], m)), (np.multiply, (g, h[:, 1], tmp)), (np.add, (m, tmp, m)),
                (np.multiply, (g, g, tmp)), (np.multiply, (tmp, h[:, 2], tmp)), (np.multiply, (v, self.beta2[:k], v)),
                (np.add, (v, tmp, v)), (np.multiply, (v, self.c2[:k], tmp)), (np.sqrt, (tmp, tmp)),
                (np.add, (tmp, EPS, tmp)), (np.divide, (m, tmp, tmp)), (np.multiply, (tmp, self.c1[:k], tmp)),
                (np.add, (p, tmp, p))]

    def _adam_corrections(self, k: int) -> None:
        """Adam's bias corrections for each row's step count, in Python floats as Adam.move
        computes them (NumPy's vectorised power need not round as the C library's does)."""
        for i, (t, b1, b2, lr) in enumerate(zip(self.t[:k, 0].tolist(), self.hyper[:k, 0, 0].tolist(),
                                                 self.beta2[:k, 0].tolist(), self.lr[:k, 0].tolist())):
            if self.done[i]:
                continue  # a finished row computes garbage nobody reads
            t = int(t)
            self.c2[i, 0] = 1.0 / (1.0 - b2 ** t)
            self.c1[i, 0] = -lr / (1.0 - b1 ** t)

    # ---- training ----------------------------------------------------------------------------------

    def _load(self, i: int, trainer: Trainer) -> None:
        """Row i takes the trainer's parameters, optimizer state, epoch order and rates."""
        np.copyto(self.params[i], trainer.network.params)
        self._load_epoch(i, trainer)
        lr, scale = trainer.config["learning_rate"], 1.0 / self.key.batch
        self.coef[i, 0], self.scale[i, 0], self.neg_lr[i, 0], self.lr[i, 0] = -lr * scale, scale, -lr, lr
        opt, penalty = trainer.optimizer, trainer.penalty
        rho_or_b1 = opt.rho if self.key.optimizer == "rmsprop" else opt.momentum
        self.hyper[i, :, 0] = rho_or_b1, 1.0 - rho_or_b1, 1.0 - opt.beta2  # as the rule computes them
        self.beta2[i, 0] = opt.beta2
        self.rate[i, 0] = penalty.rate if penalty is not None else 0.0
        if self.key.penalty == "l1":
            np.multiply(penalty.mask, penalty.rate, out=self.l1_rates[i])  # Penalty's per-entry rates
        self.dropout[i], self.noise[i] = trainer.config["dropout"], trainer.config["input_noise"]
        self.streams[i] = trainer.random_stream
        self.done[i] = False
        self._optimizer_in(i, trainer)

    def _optimizer_in(self, i: int, trainer: Trainer) -> None:
        opt = trainer.optimizer
        for name, rows in self.state.items():
            np.copyto(rows[i], getattr(opt, name))
        self.t[i, 0] = opt.t

    def _optimizer_out(self, i: int, trainer: Trainer) -> None:
        """Row i's optimizer state and step count back into the trainer's optimizer."""
        opt = trainer.optimizer
        for name, rows in self.state.items():
            np.copyto(getattr(opt, name), rows[i])
        opt.t = int(self.t[i, 0])

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
            self._optimizer_out(i, trainer)
            rows.histories[trainer] += trainer.step(1)
            np.copyto(self.params[i], trainer.network.params)
            self._optimizer_in(i, trainer)
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
        n_train = self.key.n_train
        trainer.keep_batch_losses(self.terms_epoch[:, i, :n_train], rows.start[i], end)
        if end == n_train:  # the epoch-end evaluation reads the trainer's parameters
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
        self._optimizer_out(i, trainer)  # (the calls counted the steps as Optimizer.step does)
        if finish:
            trainer.finish_training()


def _put_terms(epoch: np.ndarray, batch: np.ndarray, index: np.ndarray, row_start: np.ndarray,
               row: np.ndarray, column: np.ndarray) -> None:
    """Each stack row's batch of loss terms (k, loss rows, b) into its epoch columns (a finished
    row's, past the epoch's end, into the spare last one). One call: the step's list stays short."""
    np.subtract(index, row_start, out=column)
    np.minimum(column, epoch.shape[-1] - 1, out=column)
    epoch[:, row, column] = batch.swapaxes(0, 1)


def _clip_below_zero(values: np.ndarray) -> None:
    """max(values, 0) in place, as Penalty.shrink computes it."""
    np.maximum(values, 0.0, out=values)


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
