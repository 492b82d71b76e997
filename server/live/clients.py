"""Open pages per client address (`--max-sessions-per-client`), so one script cannot take
every place of `--max-sessions` alone.

A page counts once even in compare mode, where it holds two sessions: the page sends the same
random id with both (`/ws?page=<id>`, docs/protocol.md), and two sessions with one id are one
page. A third session with that id starts a second page, so an id shared by more than two
sessions buys nothing. Under `--workers N` the other processes' counts (heard on the
broker, server.live.shared_clients) are added to this process's own.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Hashable

PAGE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class ClientKey:
    """Who opened a session: the client's address and the page id it sent (None: none or malformed)."""

    address: str
    page: str | None

    @classmethod
    def of(cls, address: str, page: str | None) -> "ClientKey":
        return cls(address, page if page is not None and PAGE_ID.match(page) else None)


class ClientLimit:
    """Counts open pages per address and says whether one more session fits."""

    def __init__(self, limit: int):
        self.limit = limit
        self._keys: dict[Hashable, ClientKey] = {}  # session -> who opened it
        self._open: dict[str, Counter[str | None]] = {}  # address -> page id -> open sessions

    def pages(self, address: str, elsewhere: Counter[str | None] | None = None) -> int:
        """Pages `address` holds (with the sessions `elsewhere`, other processes', per page id):
        each id's sessions in pairs, each session without an id alone."""
        counts = self._open.get(address, Counter()) + (elsewhere or Counter())
        return counts[None] + sum(math.ceil(n / 2) for page, n in counts.items() if page is not None)

    def admits(self, key: ClientKey, elsewhere: Counter[str | None] | None = None) -> bool:
        """True if a session for `key` stays within the limit (a page's second session always does);
        `elsewhere`: the sessions other processes hold for this address, per page id."""
        counts = self._open.get(key.address, Counter()) + (elsewhere or Counter())
        if key.page is not None and counts[key.page] % 2 == 1:
            return True
        return self.pages(key.address, elsewhere) < self.limit

    def open_pages(self) -> dict[str, dict[str, int]]:
        """Open sessions per address and page id ("" for none), as other processes hear them."""
        return {address: {page or "": n for page, n in counts.items()} for address, counts in self._open.items()}

    def add(self, session: Hashable, key: ClientKey) -> None:
        """Count one more session of `key`, known as `session` (any token) until discarded."""
        self._keys[session] = key
        self._open.setdefault(key.address, Counter())[key.page] += 1

    def discard(self, session: Hashable | None) -> None:
        """Stop counting `session` (nothing if it was not counted)."""
        key = self._keys.pop(session, None)
        if key is None:
            return
        counts = self._open[key.address]
        counts[key.page] -= 1
        if counts[key.page] <= 0:
            del counts[key.page]
        if not counts:
            del self._open[key.address]
