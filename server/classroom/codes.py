"""Class codes, tokens and display names: how a class and its people are named and checked."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from engine.config import ConfigError

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: a code read off a projector is typed right the first time.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6
MAX_NAME = 40


def new_code() -> str:
    """A random class code (25^6 ≈ 244 million codes: guessing is also rate-limited)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normal_code(text: str) -> str | None:
    """The code as stored (upper case, no spaces or dashes), or None if it cannot be one."""
    code = text.strip().upper().replace("-", "").replace(" ", "")
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return None
    return code


def new_token() -> str:
    """A secret for a teacher or a student (URL-safe, 128 bits)."""
    return secrets.token_urlsafe(16)


def token_hash(token: str) -> str:
    """What is stored of a token: a broker (Redis) never holds a usable teacher token."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str, stored_hash: str) -> bool:
    """Constant-time comparison of a presented token with a stored hash."""
    return hmac.compare_digest(token_hash(token), stored_hash)


def check_name(name: str) -> str:
    """A display name: trimmed, 1–40 characters, no control characters. It is shown as text
    only (never as markup), so `<b>` is a valid, harmless name."""
    cleaned = " ".join(name.split())
    if not 1 <= len(cleaned) <= MAX_NAME:
        raise ConfigError("name", f"a name of 1 to {MAX_NAME} characters; got {len(cleaned)}",
                          allowed=f"1..{MAX_NAME} characters")
    if any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in cleaned):
        raise ConfigError("name", "control characters are not allowed in a name")
    return cleaned
