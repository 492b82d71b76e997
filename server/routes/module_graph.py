"""The page's ES modules: every module its entry reaches through static imports.

The page lists them as <link rel="modulepreload">, so the browser asks for all of them at once
instead of finding them one import level at a time: main.js's graph is several levels deep, and
each level cost a round of requests (headless Chromium on loopback took 2.1 s to DOMContentLoaded
without the list, 1.5 s with it; on a classroom's Wi-Fi every round is slower still). Dynamic
`import()`s are left out: those modules are loaded when wanted, on purpose.
"""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache
from pathlib import Path

# `import … from "x"`, `export … from "x"` (over several lines too) and a bare `import "x"`
_STATIC_IMPORT = re.compile(r"""^\s*(?:import|export)\b[^;"'`]*?\bfrom\s*["']([^"']+)["']"""
                            r"""|^\s*import\s*["']([^"']+)["']""", re.MULTILINE)


def static_imports(source: str) -> list[str]:
    """The specifiers of a module's static imports, in the order they appear."""
    return [m.group(1) or m.group(2) for m in _STATIC_IMPORT.finditer(source)]


@lru_cache(maxsize=4)
def module_urls(static_dir: Path, entry: str = "js/main.js", prefix: str = "/static/") -> tuple[str, ...]:
    """URLs of `entry` and every module it reaches, breadth first (nearest imports first).
    Read once per process: the files do not change under a running server."""
    seen = [entry] if (static_dir / entry).is_file() else []
    for path in seen:  # grows while walked
        for spec in static_imports((static_dir / path).read_text(encoding="utf-8")):
            if not spec.startswith("."):
                continue  # only relative specifiers: the page has no import map
            target = posixpath.normpath(posixpath.join(posixpath.dirname(path), spec))
            # a missing module is the browser's error to report when it imports it, not a preload's
            if not target.startswith("..") and target not in seen and (static_dir / target).is_file():
                seen.append(target)
    return tuple(prefix + path for path in seen)
