"""Shared fixtures. Qt and browser fixtures live beside the tests that need them."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def voice_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default voice segments, made once per test run with espeak-ng and sox."""
    from display_board.voice import generate_segments

    folder = tmp_path_factory.mktemp("voice")
    generate_segments(folder)
    return folder
