"""Where screenshots go: docs/img with `make screenshots` (CHERHA_SHOTS=docs), else a scratch folder,
so an ordinary test run takes and checks them without rewriting the documentation's pictures."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs" / "img"


def shots_dir() -> Path:
    folder = DOCS if os.environ.get("CHERHA_SHOTS") == "docs" else Path(tempfile.gettempdir()) / "cherha-shots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
