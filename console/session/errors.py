"""Why the session said no. Every message is written for the nurse: what is wrong and what to do."""
from __future__ import annotations


class SessionError(Exception):
    """An action the session refuses; the message says why and what to do instead."""


class WrongPhase(SessionError):
    """The action belongs to another phase of the session."""


class HardStop(SessionError):
    """A rule that cannot be overridden (hard limit, hard-stop checklist item, missing second person)."""


class NeedsReason(SessionError):
    """The action is allowed only with a written reason (soft limit, titration, early discharge)."""


class NeedsConfirmation(SessionError):
    """The action is allowed after the nurse confirms something unusual (a large weight change)."""


class DoubleCheckMismatch(HardStop):
    """The second clinician's rate differs from the order; the infusion cannot start."""


class ReadOnly(SessionError):
    """The session is closed; only corrections can be added."""
