"""A stateful protocol fuzzer: random sequences of valid and invalid messages to one session.

Hypothesis drives a RuleBasedStateMachine over one live WebSocket session: each rule sends a
valid message (small configs, play/pause, steps, points, weights, exports, lessons...) or an
invalid one (random text, bytes, JSON of any shape, known types with random fields). After
every rule the session must still answer a `step` with a frame, and the server log must hold
no traceback. Shrinking gives the shortest sequence that breaks a session.

    python bench/fuzz.py                      # 2,000 sequences against its own server
    python bench/fuzz.py --examples 200 --steps 30

tests/test_fuzz_protocol.py runs a bounded version (under 60 s) of the same machine.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parent.parent
TYPES = ["config", "play", "pause", "step", "reset", "regenerate", "snapshot", "points", "set_weight", "set_bias",
         "export", "load_model", "lesson", "hidden_space", "gradient_check"]
ANSWER_SECONDS = 30.0

json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner,
                                                                                          max_size=5),
                           max_leaves=20)
coordinate = st.floats(-6, 6)
small_configs = st.fixed_dictionaries({}, optional={
    "hidden": st.lists(st.integers(1, 8), max_size=3), "activation": st.sampled_from(["tanh", "relu", "maxout", "sigmoid"]),
    "learning_rate": st.sampled_from([0.001, 0.03, 1, 10]), "batch_size": st.integers(1, 50),
    "dataset": st.sampled_from(["circle", "xor", "spiral", "custom"]), "noise": st.integers(0, 50),
    "optimizer": st.sampled_from(["sgd", "momentum", "adam", "rmsprop"]), "dropout": st.sampled_from([0, 0.5]),
    "n_samples": st.integers(20, 300), "epochs_per_second": st.sampled_from([0, 1, 60]), "fps": st.integers(1, 60),
    "early_stopping": st.integers(0, 5)})
valid_messages = st.one_of(
    st.builds(lambda p: {"type": "config", "patch": p}, small_configs),
    st.sampled_from([{"type": t} for t in ("play", "pause", "reset", "regenerate", "snapshot", "gradient_check")]),
    st.builds(lambda n: {"type": "step", "epochs": n}, st.integers(1, 20)),
    st.builds(lambda pts: {"type": "points", "add": pts}, st.lists(st.tuples(coordinate, coordinate, st.integers(0, 1))
                                                                   .map(list), max_size=20)),
    st.builds(lambda x, y: {"type": "points", "remove": [[x, y]]}, coordinate, coordinate),
    st.builds(lambda i, v: {"type": "set_weight", "layer": 0, "i": i, "j": 0, "value": v}, st.integers(0, 2),
              st.floats(-1e6, 1e6)),
    st.builds(lambda f: {"type": "export", "format": f}, st.sampled_from(["model", "numpy", "pytorch", "data_csv",
                                                                          "history_csv"])),
    st.builds(lambda side: {"type": "lesson", "id": "xor_needs_hidden_layer", "side": side},
              st.sampled_from(["left", "right"])),
    st.builds(lambda layer: {"type": "hidden_space", "layer": layer, "units": [0, 1]}, st.sampled_from([None, 0, 5])),
)
invalid_messages = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=200), st.binary(max_size=100),
    json_values.map(json.dumps),
    st.builds(lambda t, extra: json.dumps({"type": t, **extra}), st.sampled_from(TYPES),
              st.dictionaries(st.sampled_from(["patch", "epochs", "add", "remove", "layer", "i", "j", "value", "format",
                                               "model", "id", "units", "clear", "train", "zzz"]), json_values,
                              max_size=3)),
    st.builds(lambda p: json.dumps({"type": "config", "patch": p}),
              st.dictionaries(st.sampled_from(["hidden", "learning_rate", "batch_size", "dataset", "features",
                                               "activation", "seed", "problem", "n_classes"]), json_values, max_size=3)),
)


def machine(ws_url: str, log_path: Path) -> type[RuleBasedStateMachine]:
    """The state machine class for a server at `ws_url` writing its log to `log_path`."""

    class ProtocolFuzz(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.connection = connect(ws_url, max_size=None, compression=None, open_timeout=30)
            self.ws = self.connection.__enter__()
            self.log_start = log_path.stat().st_size if log_path.exists() else 0

        def _send(self, message: str | bytes) -> None:
            self.ws.send(message)

        @rule(message=valid_messages)
        def send_valid(self, message: dict[str, Any]) -> None:
            self._send(json.dumps(message))

        @rule(message=invalid_messages)
        def send_invalid(self, message: str | bytes) -> None:
            self._send(message)

        @invariant()
        def still_answers_a_step(self) -> None:
            self._send(json.dumps({"type": "step", "epochs": 1}))
            deadline = time.monotonic() + ANSWER_SECONDS
            while True:
                data = self.ws.recv(timeout=max(0.01, deadline - time.monotonic()))
                if isinstance(data, bytes):
                    break  # a frame
                message = json.loads(data)
                if message["type"] == "state" and message["state"] == "diverged":
                    self._send(json.dumps({"type": "snapshot"}))  # a diverged session answers step with state
            log = log_path.read_bytes()[self.log_start:] if log_path.exists() else b""
            assert b"Traceback" not in log, log.decode(errors="replace")[-3000:]

        def teardown(self) -> None:
            self.connection.__exit__(None, None, None)

    return ProtocolFuzz


def fuzz_settings(examples: int, steps: int, seconds: float | None = None) -> settings:
    """Hypothesis settings for a run of `examples` sequences of up to `steps` messages."""
    return settings(max_examples=examples, stateful_step_count=steps, deadline=None, derandomize=seconds is not None,
                    suppress_health_check=list(HealthCheck), database=None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=2000)
    parser.add_argument("--steps", type=int, default=50)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from bench.soak import start_server
    from tests.conftest import free_port
    port = free_port()
    log_path = ROOT / "test-artifacts" / f"fuzz-server-{port}.log"
    log_path.parent.mkdir(exist_ok=True)
    proc = start_server(port, "--messages-per-second", "100000", "--message-burst", "1000000",
                        log=open(log_path, "wb"))
    try:
        started = time.monotonic()
        test = machine(f"ws://127.0.0.1:{port}/ws", log_path).TestCase
        test.settings = fuzz_settings(args.examples, args.steps)
        import unittest
        result = unittest.TextTestRunner(verbosity=1).run(unittest.defaultTestLoader.loadTestsFromTestCase(test))
        print(f"{args.examples} sequences in {time.monotonic() - started:.0f} s; "
              f"{'ok' if result.wasSuccessful() else 'FAILED'}; server log: {log_path}")
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
