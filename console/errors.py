"""Errors a user can act on. The command line prints them as one line and exits non-zero."""
from __future__ import annotations


class UserError(Exception):
    """Something the person at the keyboard can fix: the message says what happened and what to do."""

    exit_code = 1
