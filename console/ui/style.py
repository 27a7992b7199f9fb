"""The console's look: dark, high contrast, big type, readable from the chair at arm's length."""
from __future__ import annotations

BACKGROUND = "#0b0f14"
PANEL = "#111821"
TEXT = "#e5e7eb"
MUTED = "#6b7280"
STALE = "#4b5563"
OK = "#22c55e"
WARN = "#f59e0b"
BAD = "#ef4444"
DEMO = "#f97316"

STYLESHEET = f"""
QWidget {{ background: {BACKGROUND}; color: {TEXT}; font-size: 16px; }}
QFrame#tile {{ background: {PANEL}; border: 4px solid {PANEL}; border-radius: 8px; }}
QFrame#tile QLabel {{ background: transparent; border: none; }}
QLabel#demoBanner {{ background: {DEMO}; color: black; font-weight: bold; font-size: 18px; padding: 4px; }}
QLabel#deviceChip {{ border-radius: 6px; padding: 4px 10px; background: {PANEL}; }}
QPushButton {{ background: #1f2937; border: 1px solid #374151; border-radius: 6px; padding: 8px 16px;
              min-height: 36px; font-size: 16px; }}
QPushButton:focus {{ border: 2px solid #60a5fa; }}
QTabWidget::pane {{ border: 1px solid #1f2937; }}
QTabBar::tab {{ background: {PANEL}; padding: 8px 16px; min-height: 28px; }}
QTabBar::tab:selected {{ background: #1f2937; }}
"""
