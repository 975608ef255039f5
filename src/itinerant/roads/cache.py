"""Where road graphs and matrices are cached, and the digest that keys them (stdlib only)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def default_cache_dir() -> Path:
    """``$ITINERANT_CACHE`` or ``~/.cache/itinerant``."""
    env = os.environ.get("ITINERANT_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "itinerant"


def file_sha256(path: Path) -> str:
    """sha256 hex digest of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
