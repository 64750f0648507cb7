"""`cherha kiosk` on a real X display (Xvfb, no window manager): the xcb platform plugin loads with the
Debian libraries the Makefile installs, and the kiosk fills the primary screen, portrait or landscape."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

XVFB_RUN = shutil.which("xvfb-run")
# Runs inside Xvfb: the kiosk's own main(), whose window is measured once it is up, then the app quits.
PROBE = """
import json, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from kiosk_app.app import main
from kiosk_app.views import KioskWindow

app = QApplication(sys.argv)

def measure():
    window = next(w for w in app.topLevelWidgets() if isinstance(w, KioskWindow))
    screen = app.primaryScreen().geometry()
    print(json.dumps({"platform": app.platformName(), "window": window.geometry().getRect(),
                      "screen": screen.getRect(), "visible": window.isVisible()}), flush=True)
    app.quit()

QTimer.singleShot(1500, measure)
sys.exit(main("http://127.0.0.1:9", "no-token", "dummy", "epson-80", True, False))
"""


@pytest.mark.parametrize("screen", ["1080x1920", "1280x1024"])
def test_the_kiosk_fills_the_screen_without_a_window_manager(tmp_path: Path, screen: str) -> None:
    assert XVFB_RUN, "xvfb is in the Makefile's APT_PACKAGES (make system-deps)"
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "xcb"
    env["QT_DEBUG_PLUGINS"] = "0"
    env["HOME"] = str(tmp_path)
    result = subprocess.run([XVFB_RUN, "-a", "-s", f"-screen 0 {screen}x24", sys.executable, "-c", PROBE],
                            capture_output=True, text=True, timeout=90, env=env, cwd=Path(__file__).parent.parent)
    assert "Could not load the Qt platform plugin" not in result.stderr, result.stderr[-2000:]
    line = next((x for x in result.stdout.splitlines() if x.startswith("{")), None)
    assert line is not None, (result.returncode, result.stdout[-1000:], result.stderr[-2000:])
    seen = json.loads(line)
    width, height = (int(n) for n in screen.split("x"))
    assert seen["platform"] == "xcb"
    assert seen["screen"] == [0, 0, width, height]
    assert seen["window"] == [0, 0, width, height] and seen["visible"], "full screen, also with no window manager"
