"""Staff accounts: who is at the keyboard, what they may do, and proof that a second person is different.

PINs are short, so the hash must be slow: scrypt with a per-user random salt (hashlib.scrypt, RFC 7914).
Comparison is constant-time (hmac.compare_digest) and repeated failures lock the account for a while, so a
4-digit PIN cannot be guessed at the bedside. The very first account must be an admin (first-run setup);
after that only an admin creates accounts.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from console.session.config import Clinic

ROLES = ("nurse", "physician", "biomed", "admin")
#: scrypt cost: n=2**14, r=8, p=1 needs 16 MiB and tens of milliseconds per check (RFC 7914 section 2
#: interactive-login guidance); stored with each hash so it can be raised later.
KDF = {"name": "scrypt", "n": 2 ** 14, "r": 8, "p": 1, "dklen": 32}


@dataclass(frozen=True)
class Clinician:
    """A person whose PIN was checked just now (or the logged-in user)."""

    username: str
    name: str
    role: str


class StaffError(Exception):
    """A login or account problem the user can act on."""


class WrongPin(StaffError):
    pass


class LockedOut(StaffError):
    pass


def hash_pin(pin: str, salt: bytes, kdf: dict) -> bytes:
    return hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=kdf["n"], r=kdf["r"], p=kdf["p"],
                          dklen=kdf["dklen"], maxmem=256 * 1024 * 1024)


class StaffDirectory:
    """Accounts over a PeopleStore (console/records/people.py); times are passed in (`now`)."""

    def __init__(self, store, clinic: Clinic) -> None:
        self.store, self.clinic = store, clinic

    def needs_first_admin(self) -> bool:
        return self.store.staff_count() == 0

    def check_pin_rules(self, pin: str) -> None:
        c = self.clinic
        if not pin.isdigit() or not c.pin_min_length <= len(pin) <= c.pin_max_length:
            raise StaffError(f"a PIN is {c.pin_min_length}-{c.pin_max_length} digits")
        if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
            raise StaffError("choose a PIN that is not a repeated or sequential run of digits")

    def _create(self, username: str, name: str, role: str, pin: str, now: float, by: str | None) -> Clinician:
        username = username.strip().lower()
        if not username or not username.replace(".", "").replace("_", "").isalnum():
            raise StaffError("a username is letters and digits (dots and underscores allowed)")
        if not name.strip():
            raise StaffError("enter the person's full name")
        if role not in ROLES:
            raise StaffError(f"role must be one of {', '.join(ROLES)}")
        self.check_pin_rules(pin)
        if self.store.get_staff(username) is not None:
            raise StaffError(f"the username {username!r} is taken")
        salt = secrets.token_bytes(16)
        self.store.insert_staff({"username": username, "name": name.strip(), "role": role,
                                 "pin_hash": hash_pin(pin, salt, KDF).hex(), "pin_salt": salt.hex(),
                                 "kdf": json.dumps(KDF), "failures": 0, "locked_until": None, "active": 1,
                                 "created_t": now, "created_by": by})
        return Clinician(username, name.strip(), role)

    def create_first_admin(self, username: str, name: str, pin: str, *, now: float) -> Clinician:
        if not self.needs_first_admin():
            raise StaffError("the first administrator already exists; ask them to create your account")
        return self._create(username, name, "admin", pin, now, None)

    def create(self, username: str, name: str, role: str, pin: str, *, by: Clinician, now: float) -> Clinician:
        if by.role != "admin":
            raise StaffError("only an administrator can create accounts")
        return self._create(username, name, role, pin, now, by.username)

    def authenticate(self, username: str, pin: str, *, now: float) -> Clinician:
        """The person, if the PIN is right; a wrong PIN counts towards a lockout."""
        row = self.store.get_staff(username.strip().lower())
        if row is None or not row["active"]:
            hash_pin(pin, b"\0" * 16, KDF)  # same cost whether or not the user exists
            raise WrongPin("unknown user or wrong PIN")
        if row["locked_until"] is not None and now < row["locked_until"]:
            minutes = max(1, round((row["locked_until"] - now) / 60))
            raise LockedOut(f"{row['name']} is locked out after repeated wrong PINs; try again in {minutes} min "
                            "or ask an administrator")
        kdf = json.loads(row["kdf"])
        good = hmac.compare_digest(hash_pin(pin, bytes.fromhex(row["pin_salt"]), kdf),
                                   bytes.fromhex(row["pin_hash"]))
        if not good:
            failures = row["failures"] + 1
            locked = None
            if failures >= self.clinic.max_failures:
                locked, failures = now + self.clinic.lockout_minutes * 60, 0
            self.store.set_staff_auth(row["username"], failures=failures, locked_until=locked)
            if locked is not None:
                raise LockedOut(f"too many wrong PINs: {row['name']} is locked for "
                                f"{self.clinic.lockout_minutes:g} min")
            raise WrongPin("unknown user or wrong PIN")
        if row["failures"] or row["locked_until"] is not None:
            self.store.set_staff_auth(row["username"], failures=0, locked_until=None)
        return Clinician(row["username"], row["name"], row["role"])

    def second_person(self, username: str, pin: str, *, first: Clinician, now: float,
                      roles: tuple[str, ...] = ("nurse", "physician")) -> Clinician:
        """A different person's PIN, for a double check, an override or a witnessed waste."""
        if username.strip().lower() == first.username:
            raise StaffError("a second person must be someone else: ask a colleague to enter their own PIN")
        person = self.authenticate(username, pin, now=now)
        if person.role not in roles:
            raise StaffError(f"this needs a {' or '.join(roles)}; {person.name} is {person.role}")
        return person

    def change_pin(self, person: Clinician, old_pin: str, new_pin: str, *, now: float) -> None:
        self.authenticate(person.username, old_pin, now=now)
        self.check_pin_rules(new_pin)
        salt = secrets.token_bytes(16)
        self.store.set_staff_pin(person.username, pin_hash=hash_pin(new_pin, salt, KDF).hex(),
                                 pin_salt=salt.hex(), kdf=json.dumps(KDF))

    def members(self) -> list[dict]:
        return self.store.list_staff()
