"""The protocol fuzzer (bench/fuzz.py) in a bounded run: random sequences of valid and invalid
messages; after each message the session still answers a `step` with a frame, and the
server log holds no traceback. `python bench/fuzz.py` runs the long version."""

from __future__ import annotations

import time

import pytest

from bench.fuzz import fuzz_settings, machine

SECONDS = 60


@pytest.mark.slow
def test_random_message_sequences_never_break_a_session(make_server):
    server = make_server("--messages-per-second", "100000", "--message-burst", "1000000")
    test = machine(server.ws_url, server.log).TestCase
    test.settings = fuzz_settings(examples=10, steps=15, seconds=SECONDS)
    started = time.monotonic()
    test("runTest").runTest()
    assert time.monotonic() - started < SECONDS
