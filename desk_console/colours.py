"""Every colour of the desk console, in one place, with the surface each is drawn on.

The console draws on Qt's Fusion palette, which app.py fixes (a dark desktop theme would otherwise put this
dark red on dark grey): window #efefef, fields and tables #ffffff. Text reaches 4.5:1 on its surface (WCAG AA),
tests/test_contrast.py computes every pair from the style sheets below and fails under it; it also fails when a
colour is written anywhere else in desk_console/, so nothing escapes the audit.
"""

from __future__ import annotations

WINDOW = "#efefef"  # Fusion's window colour: labels and group boxes sit on it
BASE = "#ffffff"  # Fusion's base colour: the tables' cells

ERROR = "#b71c1c"  # 5.7:1 on the window
WARNING = "#9a3800"  # a mark that wants attention (priority, a break, unread messages): 6.2:1; #e65100 was 3.3:1
GOOD = "#1b5e20"  # 6.8:1
QUIET = "#555555"  # a closed desk's status: 6.5:1
CLOSED_SERVICE = "#616161"  # a closed service's row in the queues table: 6.2:1 on the cells

# The style sheets the console sets on its widgets, by name (views.py, panels.py).
STYLES = {
    "error": f"color: {ERROR};",
    "error_bold": f"color: {ERROR}; font-weight: bold;",
    "done": f"color: {GOOD};",
    "marks": f"color: {WARNING}; font-weight: bold;",
    "status_offline": f"color: {ERROR}; font-weight: bold;",
    "status_paused": f"color: {WARNING}; font-weight: bold;",
    "status_closed": f"color: {QUIET}; font-weight: bold;",
    "status_online": f"color: {GOOD}; font-weight: bold;",
    # A button armed for its second press (no-show): white on the warning colour, 6.5:1.
    "armed": f"background: {WARNING}; color: #ffffff; font-weight: bold;",
    "unread": f"QGroupBox {{ color: {WARNING}; font-weight: bold; }}",
}
