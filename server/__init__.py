"""NN Playground's web server: one live training session per WebSocket connection.

`create_app` (server.app) builds the FastAPI application; `python -m server` or the
`nn-playground` console script (server.cli) runs it under uvicorn.
"""

from __future__ import annotations

from importlib import metadata

PROTOCOL = 1  # docs/protocol.md; bumped only when the wire format changes incompatibly

try:
    __version__ = metadata.version("nn-playground")
except metadata.PackageNotFoundError:  # run from a checkout without `pip install`
    __version__ = "0.1.0"  # keep equal to pyproject.toml

__all__ = ["PROTOCOL", "__version__"]
