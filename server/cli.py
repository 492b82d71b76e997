"""`nn-playground` / `python -m server`: run the playground under uvicorn.

Every limit has a flag and an NNP_* environment variable (the flag wins). The validated
settings are exported to the environment so that each `--workers` process rebuilds the
same ones in `server.app.create_app`.
"""

from __future__ import annotations

import os

# One BLAS thread per process: the event loop, the other workers and the other engines on
# the machine share the cores, and the engine's matrices are small. Must precede numpy.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import secrets  # noqa: E402
import socket as socket_module  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import webbrowser  # noqa: E402

from engine.config import ConfigError  # noqa: E402
from engine.lessons import LessonError, load_lessons  # noqa: E402

from . import __version__  # noqa: E402
from .process import balancer, uvicorn_glue  # noqa: E402
from .settings import SETTINGS_SCHEMA, Settings, env_name  # noqa: E402

DEFAULT_HOST = "127.0.0.1"  # only this machine unless the teacher opts in with --host 0.0.0.0
DEFAULT_PORT = 8000


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="nn-playground", description="NN Playground: a neural-network playground "
                                "served to every browser on this machine or, with --host 0.0.0.0, the LAN.")
    p.add_argument("--host", default=os.environ.get("NNP_HOST", DEFAULT_HOST),
                   help=f"address to bind (default {DEFAULT_HOST}; 0.0.0.0 for a classroom LAN) [NNP_HOST]")
    p.add_argument("--port", type=int, default=int(os.environ.get("NNP_PORT", DEFAULT_PORT)),
                   help=f"TCP port (default {DEFAULT_PORT}) [NNP_PORT]")
    p.add_argument("--open", action="store_true", help="open the page in a browser once the server runs")
    p.add_argument("--log-level", default="warning", choices=("critical", "error", "warning", "info", "debug"))
    p.add_argument("--version", action="version", version=f"nn-playground {__version__}")
    for key, f in SETTINGS_SCHEMA.items():
        p.add_argument("--" + key.replace("_", "-"), dest=key, type=int if f.kind == "int" else float,
                       default=None, metavar="N",
                       help=f"{f.doc} (default {f.default() if callable(f.default) else f.default}; {_bound(f.lo)}..{_bound(f.hi)}) [{env_name(key)}]")
    p.add_argument("--allowed-origins", default=None, metavar="URLS",
                   help="comma-separated extra origins allowed to open sessions, e.g. behind a proxy "
                        "[NNP_ALLOWED_ORIGINS]")
    p.add_argument("--allowed-hosts", default=None, metavar="NAMES",
                   help="comma-separated host names (or addresses) the server answers to besides this "
                        "machine's own, e.g. its name behind a proxy; * for any. Other names are refused "
                        "(DNS rebinding) [NNP_ALLOWED_HOSTS]")
    p.add_argument("--forwarded-allow-ips", default=None, metavar="IPS",
                   help="comma-separated proxies (addresses or networks) whose X-Forwarded-For names the "
                        "client; default none: the connection's own address counts [NNP_FORWARDED_ALLOW_IPS]")
    p.add_argument("--api-docs", action="store_const", const="1", default=None,
                   help="serve /api/openapi.json and a plain /api/docs page (default off) [NNP_API_DOCS]")
    p.add_argument("--lessons-dir", default=None, metavar="DIR",
                   help="folder of lesson files (default: the project's lessons/); an invalid lesson "
                        "stops the server with a message naming the file and key [NNP_LESSONS_DIR]")
    p.add_argument("--teacher-key", default=None, metavar="KEY",
                   help="the key that starts classes (POST /api/classes); default: a random one, printed "
                        "at startup as part of the teacher link [NNP_TEACHER_KEY]")
    p.add_argument("--redis", default=None, metavar="URL",
                   help="share classes with other servers through Redis, e.g. redis://127.0.0.1:6379/0; "
                        "default: one machine, an embedded broker serves its workers [NNP_REDIS]")
    return p


def _bound(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def resolve_settings(args: argparse.Namespace, environ: dict[str, str]) -> Settings:
    """Flags over environment over defaults, validated; exits with the message if invalid."""
    env = dict(environ)
    for key in SETTINGS_SCHEMA:
        if getattr(args, key) is not None:
            env[env_name(key)] = str(getattr(args, key))
    if args.allowed_origins is not None:
        env[env_name("allowed_origins")] = args.allowed_origins
    if args.lessons_dir is not None:
        env[env_name("lessons_dir")] = args.lessons_dir
    for key in ("allowed_hosts", "forwarded_allow_ips", "api_docs", "teacher_key", "redis"):
        if getattr(args, key) is not None:
            env[env_name(key)] = getattr(args, key)
    env[env_name("host")] = args.host
    if not env.get(env_name("teacher_key"), "").strip():
        env[env_name("teacher_key")] = secrets.token_urlsafe(12)  # every worker gets the same one
    return Settings.from_env(env)


def lan_addresses() -> list[str]:
    """IPv4 addresses other machines can likely reach this one at (no packet is sent)."""
    from .routes.guard import machine_addresses  # the Host check's list: the banner names what it admits

    return [a for a in machine_addresses() if "." in a and not a.startswith("127.")]


def banner(host: str, port: int, settings: Settings) -> str:
    lines = [f"NN Playground {__version__}: {settings.workers} worker(s), up to {settings.max_sessions} sessions"]
    if host in ("0.0.0.0", "::", ""):
        addresses = lan_addresses()
        if addresses:
            lines.append("Students open:")
            lines += [f"    http://{a}:{port}/" for a in addresses]
        else:
            lines.append("No LAN address found; students need this machine's IP address and port "
                         f"{port}.")
        lines.append(f"On this machine: http://127.0.0.1:{port}/")
    else:
        lines.append(f"Open http://{'[' + host + ']' if ':' in host else host}:{port}/")
    if settings.teacher_key:
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else ('[' + host + ']' if ':' in host else host)
        lines.append(f"Teacher (start a class; keep this link to yourself): "
                     f"http://{shown}:{port}/teach#key={settings.teacher_key}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        settings = resolve_settings(args, dict(os.environ))
    except ConfigError as exc:
        sys.exit(f"nn-playground: {exc}")
    try:  # every worker loads them again; checking here gives one clear message, not N tracebacks
        load_lessons(settings.lessons_dir)
    except LessonError as exc:
        sys.exit(f"nn-playground: lesson file {exc}")
    if not 0 <= args.port <= 65535:
        sys.exit(f"nn-playground: --port: {args.port} is out of range; allowed: 0..65535")
    if settings.workers > 1 and not settings.redis:
        settings = _with_embedded_broker(settings)
    os.environ.update(settings.to_env())

    import uvicorn

    print(banner(args.host, args.port, settings), flush=True)
    if args.open:
        url = f"http://{'127.0.0.1' if args.host in ('0.0.0.0', '::') else args.host}:{args.port}/"
        threading.Timer(1.5, webbrowser.open, args=(url,)).start()
    options = dict(app="server.app:create_app", factory=True, host=args.host, port=args.port,
                   ws=uvicorn_glue.BoundedWebSocketProtocol, ws_max_size=settings.max_frame_bytes,
                   ws_per_message_deflate=False, log_level=args.log_level,
                   access_log=args.log_level in ("info", "debug"),
                   # X-Forwarded-For only from the proxies named; uvicorn would trust 127.0.0.1 by default
                   proxy_headers=bool(settings.forwarded_allow_ips),
                   forwarded_allow_ips=",".join(settings.forwarded_allow_ips) or None)
    if settings.workers > 1 and balancer.supported():
        balancer.serve(options, settings.workers)  # sessions spread evenly over the workers
    else:
        uvicorn.run(**options, workers=settings.workers if settings.workers > 1 else None)


def _with_embedded_broker(settings: Settings) -> Settings:
    """Start the broker the workers share (a thread of this parent process, which outlives
    them) and tell them where it is. Without Unix sockets (Windows) each worker keeps its
    own classes."""
    import dataclasses

    from .classroom.embedded import EmbeddedBroker

    if not hasattr(socket_module, "AF_UNIX"):
        return settings
    broker = EmbeddedBroker()
    broker.start_thread()
    return dataclasses.replace(settings, broker=broker.address)


if __name__ == "__main__":
    main()
