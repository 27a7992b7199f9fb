"""A rule's answer: allowed or not, why in words, and whether a physician may decide otherwise."""
from __future__ import annotations

from dataclasses import dataclass

from console.session.errors import SessionError


@dataclass(frozen=True)
class Verdict:
    #: the rule's name (its module): alarm_gate, discharge_criteria, discharge_steps, ledger
    rule: str
    ok: bool
    #: what is wrong and what to do, written for the nurse ("" when ok)
    message: str = ""
    #: a physician may go ahead over it with their PIN and a reason (recorded)
    overridable: bool = False
    #: the roles who may override (from resources/session_rules.toml)
    override_roles: tuple[str, ...] = ()


OK = Verdict("", True)


class NeedsOverride(SessionError):
    """Refused by a rule a physician may override: the message says why; `verdicts` carry the details."""

    def __init__(self, message: str, verdicts: list[Verdict]) -> None:
        super().__init__(message)
        self.verdicts = verdicts
