"""The clinical workflow: a ketamine session as an event-sourced state machine.

Everything a nurse does is appended to the hash-chained audit log first; the session's state is a pure fold
over those events (`state.fold`). That single rule is what makes a SIGKILL harmless: restarting replays the
open session's events, and every clock is computed from recorded times, never from an in-memory timer.
"""
