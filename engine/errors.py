"""Refused input as data: one exception type whose fields say what went wrong.

engine.config re-exports it; every engine module raises it for input a person or a file got
wrong, so the server turns it into an error reply without reading the message.
"""

from __future__ import annotations


class ConfigError(ValueError):
    """Refused input, as data: callers read the fields, never the message text.

    `key` names the offending key (or argument, or "csv" / "model" / "points"); `message`
    says what is wrong and what is allowed, for people; `code` is what kind of refusal it is
    ("invalid_value", "too_many_points", "bad_csv", ...); `line` the file's line, if a file's;
    `allowed` the allowed values or range as text (e.g. "0..10"), when there is one.
    str(error) is "key: message".
    """

    def __init__(self, key: str, message: str, *, code: str = "invalid_value", line: int | None = None,
                 allowed: str | None = None):
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message
        self.code = code
        self.line = line
        self.allowed = allowed

    def inside(self, key: str, where: str) -> "ConfigError":
        """This refusal as part of a larger input `key` (a model file, say), found at `where`
        in it: message "<where>: <message>", with the same code, line and allowed."""
        return ConfigError(key, f"{where}: {self.message}", code=self.code, line=self.line, allowed=self.allowed)
