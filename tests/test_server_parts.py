"""The server's pure parts, without sockets: rate limiting, origins, settings, messages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from starlette.datastructures import Headers
from support.frames import decode_frame

from engine.config import ConfigError
from server.cli import banner, build_parser, resolve_settings
from server.handlers import HANDLERS, MODELS
from server.live.ratelimit import TokenBucket
from server.live.scheduler import Scheduler
from server.live.session_config import split_patch
from server.routes.receiving import message_size
from server.routes.socket import origin_allowed
from server.settings import Settings
from server.wire import frames
from server.wire.messages import ProtocolError, parse_message


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_allows_a_burst_then_the_rate_and_flags_only_sustained_abuse():
    clock = FakeClock()
    bucket = TokenBucket(rate=10, burst=5, clock=clock)
    assert [bucket.allow() for _ in range(6)] == [True] * 5 + [False]
    assert not bucket.abusive
    clock.now += 0.1  # one token back, and one strike forgiven
    assert bucket.allow() and not bucket.allow()
    for _ in range(5):
        bucket.allow()
    assert bucket.abusive  # more refusals than the burst, faster than the rate forgives
    clock.now += 10
    assert bucket.allow() and not bucket.abusive


@pytest.mark.parametrize("origin, host, ok", [
    (None, "127.0.0.1:8000", True),
    ("http://127.0.0.1:8000", "127.0.0.1:8000", True),
    ("http://LOCALHOST:8000/", "localhost:8000", True),
    ("http://127.0.0.1:9000", "127.0.0.1:8000", False),
    ("http://evil.example", "127.0.0.1:8000", False),
    ("null", "127.0.0.1:8000", False),
    ("file://", "127.0.0.1:8000", False),
    ("https://class.example.org", "10.0.0.5:8000", True),  # listed
])
def test_origin_check(origin, host, ok):
    headers = Headers({"host": host, **({"origin": origin} if origin else {})})
    settings = Settings(allowed_origins=("https://class.example.org",))
    assert origin_allowed(headers, settings) is ok


def test_settings_from_env_validate_and_round_trip():
    s = Settings.from_env({"NNP_MAX_SESSIONS": "30", "NNP_WORKERS": "4", "NNP_ALLOWED_ORIGINS": "http://a:1/, http://b"})
    assert s.max_sessions == 30 and s.sessions_per_worker == 8 and s.allowed_origins == ("http://a:1", "http://b")
    assert Settings.from_env(s.to_env()) == s
    with pytest.raises(ConfigError) as err:
        Settings.from_env({"NNP_MAX_POINTS": "0"})
    assert err.value.key == "max_points" and "1..100000" in err.value.message
    with pytest.raises(ConfigError) as err:
        Settings.from_env({"NNP_MAX_MESSAGE_BYTES": "9000000"})  # above the frame limit
    assert err.value.key == "max_message_bytes"
    with pytest.raises(ConfigError) as err:
        Settings.from_env({"NNP_MAX_RESUME_BYTES": "9000000"})  # so is the resume limit
    assert err.value.key == "max_resume_bytes" and "--max-frame-bytes" in err.value.message
    s = Settings.from_env({"NNP_MAX_MESSAGE_BYTES": "2000000", "NNP_MAX_RESUME_BYTES": "1000000"})
    assert s.resume_limit == 2_000_000 and s.limits()["max_resume_bytes"] == 2_000_000  # never below the other


def test_cli_flags_override_environment():
    args = build_parser().parse_args(["--max-sessions", "7", "--workers", "2"])
    s = resolve_settings(args, {"NNP_MAX_SESSIONS": "99", "NNP_MAX_POINTS": "10"})
    assert (s.max_sessions, s.workers, s.max_points) == (7, 2, 10)


def test_banner_names_lan_addresses_for_a_classroom():
    text = banner("0.0.0.0", 8123, Settings())
    assert "http://127.0.0.1:8123/" in text
    assert "Students open" in text or "IP address" in text
    assert banner("127.0.0.1", 8123, Settings()).endswith("Open http://127.0.0.1:8123/")
    # with a teacher key (the CLI always has one) the teacher link comes last
    teacher = banner("0.0.0.0", 8123, Settings(teacher_key="k" * 12)).splitlines()[-1]
    assert teacher.endswith("http://127.0.0.1:8123/teach#key=kkkkkkkkkkkk")


def test_split_patch_routes_keys_and_names_unknown_ones():
    assert split_patch({"learning_rate": 0.1, "fps": 10}) == ({"learning_rate": 0.1}, {"fps": 10})
    with pytest.raises(ConfigError) as err:
        split_patch({"speed": 1})
    assert err.value.key == "speed" and "epochs_per_second" in err.value.message


def test_every_handler_has_a_model_with_its_type():
    for kind, route in HANDLERS.items():
        assert MODELS[kind] is route.model
        assert route.model.model_fields["type"].annotation.__args__ == (kind,)


def test_message_size_counts_utf8_bytes():
    assert message_size("abc") == 3 and message_size("模型") == 6


def test_parse_message_refuses_deep_nesting_cleanly():
    with pytest.raises(ProtocolError) as err:
        parse_message("[" * 100_000 + "]" * 100_000, MODELS)
    assert err.value.code == "bad_json"


def test_grids_survive_the_wire_encoding_within_one_step():
    """quantise, row-difference, deflate (server.wire.frames) and back (the tests' decoder, which
    follows docs/protocol.md): every value within half a step, NaN as lo, ±inf clipped."""
    rng = np.random.default_rng(3)
    values = rng.uniform(-1, 1, (3, 17, 23)).astype(np.float32)
    values[1] = np.linspace(-1, 1, 23)  # smooth rows, what the differences are for
    values[0, 0, :3] = [np.nan, np.inf, -np.inf]
    arr = frames.grid("units", values, -1.0, 1.0)
    assert arr.encoding == "deflate-rows"
    _, arrays = decode_frame(frames.encode_frame({"type": "frame"}, [arr]))
    got = arrays["units"]
    assert got.shape == values.shape
    assert got[0, 0, :3].tolist() == [-1.0, 1.0, -1.0]
    ok = np.isfinite(values)
    assert np.abs(got[ok] - values[ok]).max() <= 1 / 255 + 1e-6


class PlayingSession:
    """What the scheduler reads of a session that plays as fast as it may."""

    def __init__(self) -> None:
        self.pace = {"fps": 30}
        self.progressed = False
        self.wants_training = True

    def seconds_until_owed(self, now: float) -> float:
        return 0.0


def test_scheduler_shrinks_every_slice_while_progress_for_frames_comes_late():
    clock = FakeClock()
    scheduler = Scheduler(clock=clock)
    session = PlayingSession()
    scheduler.update(session)
    fair = scheduler.slice_seconds
    for _ in range(3):  # each frame's progress slice starts 0.1 s after that frame was due
        scheduler.needs_progress(session)
        clock.now += 1 / 30 + 0.1
        picked, _, extra = scheduler._pick(clock.now)
        assert picked is session and not extra
        scheduler._adjust(clock.now)
    assert scheduler.backoff >= 1 and scheduler.slice_seconds <= fair / 2
    for _ in range(8):  # progress on time again: back to the fair slice
        scheduler.needs_progress(session)
        clock.now += 0.02
        scheduler._pick(clock.now)
        clock.now += 0.1
        scheduler._adjust(clock.now)
    assert scheduler.backoff == 0 and scheduler.slice_seconds == fair


def test_no_session_waits_for_ever_behind_sessions_that_keep_waiting_for_progress():
    """Under overload the sessions waiting for progress never run out (each slice's frame puts
    its session back in line). A session that left that line while it was not owed (in CPU debt,
    say) used to get no slice at all (2-16 of 100 clients in a benchmark round); the rotation
    now gets a turn every ROTATION_EVERY slices. And one that starts playing joins the line."""
    from server.live.scheduler import ROTATION_EVERY
    clock = FakeClock()
    scheduler = Scheduler(clock=clock)
    busy = [PlayingSession() for _ in range(5)]
    for session in busy:
        scheduler.update(session)
    late = PlayingSession()
    late.seconds_until_owed = lambda now: 0.5 if now < 1.0 else 0.0  # in debt until t = 1
    scheduler.update(late)
    picked = []
    for _ in range(6 * (ROTATION_EVERY + 1)):
        clock.now += 0.1
        session, _, _ = scheduler._pick(clock.now)
        picked.append(session)
        scheduler.needs_progress(session)  # its frame goes out: it waits for progress again
    assert late in picked[10:]  # owed from t = 1 (the 10th pick) and served soon after
    assert picked[:6].count(late) == 0 and set(busy) <= set(picked[:6])
    newcomer = PlayingSession()
    scheduler.update(newcomer)
    served = []
    for _ in range(len(busy) + 4):  # through the line (not only on the rotation's turns)
        served.append(scheduler._pick(clock.now)[0])
        scheduler.needs_progress(served[-1])
    assert newcomer in served


def test_static_imports_reads_every_static_form_and_skips_dynamic_ones():
    from server.routes.module_graph import static_imports
    source = """import { a } from "./a.js";
import {
  b,
  c,
} from './b.js';
import d, * as e from "../vendor/d.js";
export { f } from "./f.js";
import "./side-effect.js";
const g = await import("./lazy.js");  // loaded when wanted: not preloaded
// the word import in a comment from "./not.js" is no import
"""
    assert static_imports(source) == ["./a.js", "./b.js", "../vendor/d.js", "./f.js", "./side-effect.js"]


def test_module_urls_walk_the_graph_once_each_and_stay_inside_static(tmp_path):
    from server.routes.module_graph import module_urls
    (tmp_path / "js").mkdir()
    (tmp_path / "vendor").mkdir()
    (tmp_path / "js" / "main.js").write_text('import "./a.js";\nimport { v } from "../vendor/v.js";\n')
    (tmp_path / "js" / "a.js").write_text('import "./main.js";\nimport "../../outside.js";\nimport "./gone.js";\n')
    (tmp_path / "vendor" / "v.js").write_text("export const v = 1;\n")
    assert module_urls(tmp_path) == ("/static/js/main.js", "/static/js/a.js", "/static/vendor/v.js")


def test_loop_lag_reports_median_p95_and_max_of_recent_overshoots():
    from server.live.loop_lag import WINDOW, LoopLag
    lag = LoopLag()
    assert lag.figures() == {"p50_ms": 0.0, "p95_ms": 0.0, "max_ms": 0.0}
    for ms in [500.0] + [1.0] * (WINDOW - 20) + [float(i) for i in range(20, 40)]:
        lag.record(ms / 1000)
    lag.record(-0.001)  # a timer that fired early counts as on time (and pushes the 500 ms one out)
    assert lag.figures() == {"p50_ms": 1.0, "p95_ms": 34.0, "max_ms": 39.0}


def test_a_frame_deflate_reuses_heap_memory_under_the_tuned_allocator():
    """server.live.allocator fixes glibc's mmap threshold; below the deflater's per-call buffer
    every frame's deflate mapped fresh memory and page-faulted through it (1,200 faults for 200
    calls at 256 kB, twice the deflate time). In a fresh interpreter: tuned, 200 deflates of a
    frame-sized grid fault less than once a call."""
    import subprocess
    import sys
    script = """
import resource
from server.live import allocator
from server.wire.frames import deflate
if not allocator.tune():
    print("untuned")
    raise SystemExit
data = bytes(range(256)) * 40
for _ in range(10):
    deflate(data, 1)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(200):
    deflate(data, 1)
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent).stdout.strip()
    if out == "untuned":
        pytest.skip("not glibc: the allocator is not tuned here")
    assert int(out) < 200
