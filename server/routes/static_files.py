"""The page's static files (modules, styles, vendored libraries), served from memory.

Starlette's StaticFiles looks up, opens and reads every file in worker threads: 165 ms of a
worker's CPU for the 71 files of one page load here, so a class of 30 opening the page at once
took ~5 s from the process that trains their networks (docs/benchmarks.md). These files change
only with the code, so each is read once (and again when its modification time changes) with
its ETag and, for text worth compressing, a gzip copy, so a classroom's Wi-Fi carries a third of
the bytes. A request is then a stat, a dict lookup and one write: 40 ms per page load.
Paths are resolved by Starlette's own lookup (no `..` escapes the directory), and whatever is
not a regular file is left to it (404, 405).

Responses ask the browser to revalidate (`Cache-Control: no-cache`): a reload costs a 304 per
file, and a teacher who updates the playground never gets yesterday's modules mixed with today's.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import os
import stat
from dataclasses import dataclass
from email.utils import formatdate

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
MIN_GZIP_BYTES = 1024  # below this the headers outweigh what compression saves
GZIP_LEVEL = 9  # done once per file: the smallest copy is worth the milliseconds


@dataclass(frozen=True)
class _File:
    """One file as read, with what its responses need."""

    body: bytes
    gzipped: bytes | None  # None: not worth compressing
    media_type: str
    etag: str  # of `body`; the gzip copy's is this with `-gz` appended inside the quotes
    last_modified: str
    mtime_ns: int
    full_path: str

    def response(self, request_headers: Headers) -> Response:
        zipped = self.gzipped is not None and _accepts_gzip(request_headers.get("accept-encoding", ""))
        etag = self.etag[:-1] + '-gz"' if zipped else self.etag
        headers = {"etag": etag, "last-modified": self.last_modified, "cache-control": "no-cache"}
        if self.gzipped is not None:
            headers["vary"] = "Accept-Encoding"
        wanted = _etags(request_headers.get("if-none-match", ""))
        if etag in wanted or "*" in wanted:
            return Response(status_code=304, headers=headers)
        if zipped:
            headers["content-encoding"] = "gzip"
        return Response(self.gzipped if zipped else self.body, headers=headers, media_type=self.media_type)


def _accepts_gzip(header: str) -> bool:
    """Whether an Accept-Encoding header takes gzip (named, or `*`, and not with q=0)."""
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            weight = params.replace(" ", "").lower()
            if not weight.startswith("q="):
                return True
            try:
                return float(weight[2:].split(";")[0]) > 0
            except ValueError:
                return False
    return False


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def _media_type(path: str) -> str:
    if path.endswith((".js", ".mjs")):  # module scripts need a JavaScript type, whatever the OS table says
        return "text/javascript"
    return mimetypes.guess_type(path)[0] or "application/octet-stream"


def _read(full_path: str, stat_result: os.stat_result) -> _File:
    # on the event loop: the largest file is 150 KB, read once per worker
    with open(full_path, "rb") as f:
        body = f.read()
    media_type = _media_type(full_path)
    gzipped = None
    if len(body) >= MIN_GZIP_BYTES and media_type.startswith(COMPRESSIBLE):
        smaller = gzip.compress(body, GZIP_LEVEL, mtime=0)
        gzipped = smaller if len(smaller) < len(body) else None
    return _File(body, gzipped, media_type, f'"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"',
                 formatdate(stat_result.st_mtime, usegmt=True), stat_result.st_mtime_ns, full_path)


class CachedStaticFiles(StaticFiles):
    """StaticFiles whose regular files are served from memory (see the module docstring)."""

    def __init__(self, directory: str) -> None:
        super().__init__(directory=directory, check_dir=False)
        self._files: dict[str, _File] = {}

    async def get_response(self, path: str, scope: Scope) -> Response:
        if scope["method"] in ("GET", "HEAD"):
            entry = self._file(path)
            if entry is not None:
                return entry.response(Headers(scope=scope))
        return await super().get_response(path, scope)  # 404, 405 and lookup errors, as it words them

    def _file(self, path: str) -> _File | None:
        """`path`'s file from memory, read (again) when new or changed on disk; None when it is
        not a regular file inside the directory."""
        entry = self._files.get(path)
        if entry is not None and _unchanged(entry):
            return entry
        try:
            full_path, stat_result = self.lookup_path(path)
        except (OSError, ValueError):
            stat_result = None
        if stat_result is None or not stat.S_ISREG(stat_result.st_mode):
            self._files.pop(path, None)
            return None
        entry = self._files[path] = _read(full_path, stat_result)
        return entry


def _unchanged(entry: _File) -> bool:
    """Whether the file is still on disk as it was read."""
    try:
        return os.stat(entry.full_path).st_mtime_ns == entry.mtime_ns
    except OSError:
        return False
