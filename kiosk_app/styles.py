"""The kiosk's two looks: the standard one, and the accessible mode's large print, yellow on black."""

# The focused control (WCAG 1.4.11, 2.4.7): a ring of at least 3:1 against the page and against the control's
# own fill, which also changes. Light: an orange ring on a white fill (navy text); accessible: a white ring on
# navy. tests/test_kiosk_access.py computes every pair from these styles.
NORMAL_STYLE = """
QWidget#kiosk { background: #f4f6fb; color: #102a5c; }
QLabel { color: #102a5c; font-size: 26px; }
QLabel#title { font-size: 36px; font-weight: bold; }
QLabel#big { font-size: 120px; font-weight: bold; }
QLabel#warning { color: #b71c1c; font-weight: bold; }
QLabel#notice { background: #fff3e0; color: #7a2e00; border: 3px solid #c43e00; border-radius: 10px;
                padding: 10px; font-size: 24px; }
QLabel#alarm { background: #b71c1c; color: #ffffff; border-radius: 10px; padding: 14px; font-size: 32px;
               font-weight: bold; }
QPushButton { background: #0a3d91; color: white; border: 5px solid #0a3d91; border-radius: 14px; padding: 8px;
              min-height: 70px; }
QPushButton QLabel { color: white; font-size: 25px; }
QPushButton:pressed { background: #072a66; }
QPushButton:focus { background: #ffffff; color: #0a3d91; border: 5px solid #c43e00; }
QLabel[focused="true"] { color: #0a3d91; }
QPushButton:focus QLabel { color: #0a3d91; }  /* what the property above does, for the contrast audit */
QPushButton#secondary { background: #dfe6f3; color: #0a3d91; border-color: #5a6b8c; min-height: 60px; }
QPushButton#secondary:focus { background: #dfe6f3; border-color: #c43e00; }
QPushButton#secondary QLabel { color: #0a3d91; font-size: 22px; }
QPushButton#key { background: #ffffff; color: #0a3d91; border: 3px solid #0a3d91; min-height: 64px;
                  padding: 2px; }
QPushButton#key:focus { background: #ffffff; border: 5px solid #c43e00; }
QPushButton#key QLabel { color: #0a3d91; font-size: 30px; font-weight: bold; }
QLineEdit { font-size: 40px; padding: 12px; min-height: 80px; border: 3px solid #0a3d91; }
"""
ACCESSIBLE_STYLE = """
QWidget#kiosk { background: #000000; color: #ffeb3b; }
QLabel { color: #ffeb3b; font-size: 40px; font-weight: bold; }
QLabel#title { font-size: 50px; }
QLabel#big { font-size: 160px; }
QLabel#warning { color: #ff8a80; }
QLabel#notice { color: #ffffff; border: 4px solid #ffffff; border-radius: 10px; padding: 10px; font-size: 32px; }
QLabel#alarm { color: #000000; background: #ffeb3b; border-radius: 10px; padding: 12px; font-size: 40px; }
QPushButton { background: #000000; color: #ffeb3b; border: 6px solid #ffeb3b; border-radius: 16px; padding: 8px;
              min-height: 120px; }
QPushButton QLabel { color: #ffeb3b; font-size: 40px; font-weight: bold; }
QPushButton:pressed { background: #424242; }
QPushButton:focus { background: #1a237e; border: 10px solid #ffffff; }
QPushButton#secondary { min-height: 96px; }
QPushButton#secondary QLabel { font-size: 32px; }
QPushButton#key { min-height: 76px; border-width: 4px; padding: 2px; }
QPushButton#key:focus { background: #1a237e; border: 8px solid #ffffff; }
QPushButton#key QLabel { font-size: 40px; }
QLineEdit { font-size: 56px; padding: 14px; min-height: 110px; background: #ffffff; color: #000000; }
"""
