"""Sizes and colours of the session panel: large touch targets, one meaning per colour."""
from __future__ import annotations

from console.ui import style

BIG_BUTTON = ("font-size: 20px; font-weight: bold; min-height: 56px; padding: 6px 18px; "
              "background: #1d4ed8; border: 1px solid #3b82f6; border-radius: 8px;")
GO_BUTTON = ("font-size: 22px; font-weight: bold; min-height: 64px; padding: 6px 18px; color: black; "
             f"background: {style.OK}; border-radius: 8px;")
STOP_BUTTON = ("font-size: 20px; font-weight: bold; min-height: 56px; padding: 6px 18px; "
               f"background: #7f1d1d; border: 2px solid {style.BAD}; border-radius: 8px;")
PLAIN_BUTTON = "font-size: 18px; min-height: 52px; padding: 4px 14px;"
CHOICE_BUTTON = ("QPushButton { font-size: 20px; min-height: 52px; min-width: 36px; padding: 2px 4px; } "
                 "QPushButton:checked { background: #2563eb; border: 2px solid #93c5fd; color: white; "
                 "font-weight: bold; }")
ERROR_TEXT = f"color: {style.BAD}; font-size: 18px; font-weight: bold;"
FIELD = "font-size: 20px; min-height: 48px;"
SEVERITY = {"ok": style.OK, "info": "#93c5fd", "warn": style.WARN, "bad": style.BAD}
PASS_MARK, FAIL_MARK, OPEN_MARK = "✔", "✖", "○"
