"""Shared fixtures. Qt and browser fixtures live beside the tests that need them."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
