"""Server limits, read from the command line or the environment, validated like a config.

The limits are described by `engine.config.Field` entries and checked by the same
`validate_config` as the training config, so a bad value (`NNP_MAX_SESSIONS=0`) gets the
same kind of message naming the key and the allowed range. The CLI exports its flags as
`NNP_*` variables, because with `--workers N` each uvicorn worker is a fresh process that
builds its app from the environment (server.app.create_app).
"""

from __future__ import annotations

import ipaddress
import math
import os
from dataclasses import dataclass, field, fields
from typing import Any, Mapping

from starlette.requests import HTTPConnection

from engine.config import ConfigError, Field, describe_schema, validate_config

from .live.memory_budget import default_budget_mb

ENV_PREFIX = "NNP_"
CLASSROOM_KEYS = ("teacher_key", "redis", "broker")

# The largest allowed network's checkpoint (16 x 64 maxout, 9 features, adam, mid-epoch, 5,000
# custom points) is 6.8 MB of JSON (bench/checkpoint_size.py); 8 MiB leaves 1.5 MB for the loss
# history (about 30,000 epochs; the page sends the latest part that fits). Every connection may
# hold one message of max_frame_bytes while it is read, so this is not made larger than needed.
MAX_RESUME_BYTES = 8 * 1024 * 1024

SETTINGS_SCHEMA: dict[str, Field] = {
    "max_sessions": Field("int", 200, lo=1, hi=100_000,
                          doc="Live sessions (open pages) the server accepts; split evenly over the workers."),
    "max_message_bytes": Field("int", 512 * 1024, lo=1024, hi=64 * 1024 * 1024,
                               doc="Largest client message handled; a larger one gets a too_large error."),
    "max_resume_bytes": Field("int", MAX_RESUME_BYTES, lo=1024, hi=256 * 1024 * 1024,
                              doc="Largest `resume` message (a kept run handed back after a restart); other "
                                  "messages keep max_message_bytes. The default holds the largest network's "
                                  "checkpoint (bench/checkpoint_size.py) with room for its loss history."),
    "max_frame_bytes": Field("int", MAX_RESUME_BYTES, lo=1024, hi=256 * 1024 * 1024,
                             doc="Largest WebSocket message read at all; a larger one closes the connection (1009). "
                                 "At least max_message_bytes and max_resume_bytes."),
    "max_points": Field("int", 5000, lo=1, hi=100_000, doc="Custom data points per session."),
    "messages_per_second": Field("float", 50, lo=0, hi=100_000, lo_open=True,
                                 doc="Sustained client messages per second per connection."),
    "message_burst": Field("int", 200, lo=1, hi=1_000_000,
                           doc="Messages a client may send at once before the rate applies."),
    "workers": Field("int", 1, lo=1, hi=64, doc="Server processes (one event loop each)."),
    "max_upload_bytes": Field("int", 1_000_000, lo=1024, hi=100_000_000,
                              doc="Largest CSV upload (POST /api/csv); a larger one gets HTTP 413."),
    "max_sessions_per_client": Field("int", 4, lo=1, hi=100_000,
                                     doc="Open pages one client address may hold per worker (a compare "
                                         "page's two sessions count once); loopback is exempt when bound "
                                         "to loopback."),
    "max_memory_mb": Field("int", default_budget_mb, lo=64, hi=100_000_000,
                           doc="Memory budget of each server process in MB (default: a quarter of the "
                               "machine's RAM); a config change that would exceed it is refused."),
}


@dataclass(frozen=True)
class Settings:
    """The limits one server process enforces (see SETTINGS_SCHEMA for meaning and ranges)."""

    max_sessions: int = 200
    max_message_bytes: int = 512 * 1024
    max_resume_bytes: int = MAX_RESUME_BYTES
    max_frame_bytes: int = MAX_RESUME_BYTES
    max_points: int = 5000
    messages_per_second: float = 50.0
    message_burst: int = 200
    workers: int = 1
    max_upload_bytes: int = 1_000_000
    max_sessions_per_client: int = 4
    max_memory_mb: int = field(default_factory=default_budget_mb)
    # Folder of lesson files (None: the project's lessons/); checked at startup.
    lessons_dir: str | None = None
    # Origins allowed besides the page's own (e.g. "https://class.example.org" behind a proxy).
    allowed_origins: tuple[str, ...] = ()
    # The address the server binds (0.0.0.0: every interface); the Host check and the per-client
    # limit's loopback exemption depend on it.
    host: str = "127.0.0.1"
    # Host names requests may use besides this machine's own (server.routes.guard); "*": any.
    allowed_hosts: tuple[str, ...] = ()
    # Serve /api/openapi.json and a plain /api/docs page.
    api_docs: bool = False
    # Proxies whose X-Forwarded-For/-Proto uvicorn believes (addresses or networks; "*": any).
    forwarded_allow_ips: tuple[str, ...] = ()
    # Classroom mode: the key that creates classes (the CLI makes a random one if none is set),
    # a Redis URL shared by several servers (--redis), and the embedded broker's address that
    # the CLI's parent process serves for --workers N (internal, set by server.cli).
    teacher_key: str = ""
    redis: str = ""
    broker: str = ""

    @classmethod
    def from_values(cls, values: Mapping[str, Any], allowed_origins: tuple[str, ...] = (),
                    lessons_dir: str | None = None, **network: Any) -> "Settings":
        """Validated settings from a partial mapping; missing keys take their defaults.

        `network` takes host, allowed_hosts, api_docs, forwarded_allow_ips, teacher_key, redis
        and broker."""
        checked = validate_config(values, schema=SETTINGS_SCHEMA)
        for key in ("max_message_bytes", "max_resume_bytes"):
            if checked[key] > checked["max_frame_bytes"]:
                raise ConfigError(key, f"must not exceed max_frame_bytes ({checked['max_frame_bytes']}); "
                                       f"raise --max-frame-bytes too")
        for proxy in network.get("forwarded_allow_ips", ()):
            _check_proxy(proxy)
        redis = network.get("redis") or ""
        if redis and not redis.startswith(("redis://", "unix://")):
            raise ConfigError("redis", f"{redis!r} is not a Redis URL; allowed: redis://host:port/db")
        if 0 < len(network.get("teacher_key") or "") < 8:
            raise ConfigError("teacher_key", "at least 8 characters (it is all that guards class creation)")
        for name in network.get("allowed_hosts", ()):
            if not name or any(c in name for c in "/ @"):
                raise ConfigError("allowed_hosts", f"{name!r} is not a host name; allowed: names or addresses "
                                                   "without scheme or path, e.g. class.example.org, or *")
        return cls(**checked, allowed_origins=tuple(allowed_origins), lessons_dir=lessons_dir or None,
                   **{key: tuple(value) if isinstance(value, (list, tuple)) else value
                      for key, value in network.items()})

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """Settings from `NNP_*` variables (NNP_MAX_SESSIONS, NNP_ALLOWED_ORIGINS, NNP_LESSONS_DIR, ...)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for key, f in SETTINGS_SCHEMA.items():
            raw = environ.get(env_name(key))
            if raw is None or raw.strip() == "":
                continue
            try:
                values[key] = int(raw) if f.kind == "int" else float(raw)
            except ValueError:
                raise ConfigError(env_name(key), f"expected a number, got {raw!r}") from None
        origins = tuple(o.rstrip("/") for o in _list(environ, "allowed_origins"))
        lessons_dir = environ.get(env_name("lessons_dir"), "").strip() or None
        return cls.from_values(values, origins, lessons_dir, host=environ.get(env_name("host"), "").strip() or cls.host,
                               allowed_hosts=_list(environ, "allowed_hosts"), api_docs=_flag(environ, "api_docs"),
                               forwarded_allow_ips=_list(environ, "forwarded_allow_ips"),
                               **{key: environ.get(env_name(key), "").strip() for key in CLASSROOM_KEYS})

    def to_env(self) -> dict[str, str]:
        """The `NNP_*` variables that make `from_env` rebuild these settings in a worker."""
        env = {env_name(f.name): str(getattr(self, f.name)) for f in fields(self) if f.name in SETTINGS_SCHEMA}
        env[env_name("allowed_origins")] = ",".join(self.allowed_origins)
        env[env_name("lessons_dir")] = self.lessons_dir or ""
        env[env_name("host")] = self.host
        env[env_name("allowed_hosts")] = ",".join(self.allowed_hosts)
        env[env_name("api_docs")] = "1" if self.api_docs else "0"
        env[env_name("forwarded_allow_ips")] = ",".join(self.forwarded_allow_ips)
        env.update({env_name(key): getattr(self, key) for key in CLASSROOM_KEYS})
        return env

    @property
    def bound_to_loopback(self) -> bool:
        """Only this machine can connect (then its own clients need no per-client limit)."""
        if self.host.lower() == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    @property
    def resume_limit(self) -> int:
        """The largest `resume` message handled: max_resume_bytes, or max_message_bytes if larger."""
        return max(self.max_resume_bytes, self.max_message_bytes)

    @property
    def sessions_per_worker(self) -> int:
        """Each worker admits its share, so N workers together admit about max_sessions."""
        return math.ceil(self.max_sessions / self.workers)

    def limits(self) -> dict[str, Any]:
        """The limits a client needs to know (sent in `hello` and /api/schema)."""
        return {"max_points": self.max_points, "max_message_bytes": self.max_message_bytes,
                "max_resume_bytes": self.resume_limit,
                "max_frame_bytes": self.max_frame_bytes, "max_messages_per_second": self.messages_per_second,
                "message_burst": self.message_burst, "max_upload_bytes": self.max_upload_bytes}


def env_name(key: str) -> str:
    """The environment variable for a settings key: max_sessions -> NNP_MAX_SESSIONS."""
    return ENV_PREFIX + key.upper()


def _list(environ: Mapping[str, str], key: str) -> tuple[str, ...]:
    """A comma-separated variable's entries, trimmed, empty ones dropped."""
    return tuple(item.strip() for item in environ.get(env_name(key), "").split(",") if item.strip())


def _flag(environ: Mapping[str, str], key: str) -> bool:
    raw = environ.get(env_name(key), "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(env_name(key), f"expected 1 or 0, got {raw!r}")


def _check_proxy(entry: str) -> None:
    """An address or network uvicorn's proxy headers may trust, or "*"."""
    if entry == "*":
        return
    try:
        ipaddress.ip_network(entry, strict=False)
    except ValueError:
        raise ConfigError("forwarded_allow_ips", f"{entry!r} is not an address or network; allowed: e.g. "
                                                 "127.0.0.1, 10.0.0.0/8, or *") from None


def describe_settings() -> dict[str, Any]:
    """The settings schema as JSON-ready data (for --help texts and docs)."""
    return describe_schema(SETTINGS_SCHEMA)


def get_settings(connection: HTTPConnection) -> Settings:
    """FastAPI dependency: the settings the app was built with (HTTP and WebSocket routes)."""
    return connection.app.state.settings


__all__ = ["SETTINGS_SCHEMA", "Settings", "env_name", "describe_settings", "get_settings"]
