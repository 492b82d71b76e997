"""Running exported code as a user would: as a program, or imported as a module."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType


def run_program(source: str, folder: Path, filename: str, *args: str, timeout: float = 300) -> str:
    """Write `source` to folder/filename, run it with this Python; its stdout (fails the test
    with its stderr if it exits with an error)."""
    path = folder / filename
    path.write_text(source)
    run = subprocess.run([sys.executable, str(path), *args], capture_output=True, text=True, timeout=timeout,
                         cwd=folder)
    assert run.returncode == 0, run.stderr
    return run.stdout


def import_module(source: str, folder: Path, name: str) -> ModuleType:
    """Write `source` to folder/name.py and import it as module `name`."""
    path = folder / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
