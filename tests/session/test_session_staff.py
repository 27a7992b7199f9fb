"""Staff: PINs are hashed slowly, guessing is stopped, and a second person is really someone else."""
from __future__ import annotations

import pytest

from console.session.staff import LockedOut, StaffDirectory, StaffError, WrongPin


def test_the_first_run_creates_the_administrator_and_only_once(store, config, clock):
    directory = StaffDirectory(store, config.clinic)
    assert directory.needs_first_admin()
    admin = directory.create_first_admin("Admin", "Ada Admin", "2580", now=clock())
    assert admin.role == "admin" and admin.username == "admin" and not directory.needs_first_admin()
    with pytest.raises(StaffError, match="already exists"):
        directory.create_first_admin("eve", "Eve", "1357", now=clock())


def test_the_pin_is_stored_only_as_a_salted_scrypt_hash(staff, store):
    row = store.get_staff("nina")
    other = store.get_staff("noah")
    assert "4711" not in row["pin_hash"] and len(bytes.fromhex(row["pin_hash"])) == 32
    assert row["pin_salt"] != other["pin_salt"]
    assert '"scrypt"' in row["kdf"]


def test_the_right_pin_logs_in_and_a_wrong_one_does_not(staff, clock):
    assert staff.authenticate("nina", "4711", now=clock()).name == "Nina Nurse"
    with pytest.raises(WrongPin):
        staff.authenticate("nina", "4712", now=clock())
    with pytest.raises(WrongPin):
        staff.authenticate("nobody", "4711", now=clock())


def test_repeated_wrong_pins_lock_the_account_even_against_the_right_pin(staff, config, clock):
    for _ in range(config.clinic.max_failures - 1):
        with pytest.raises(WrongPin):
            staff.authenticate("nina", "0000", now=clock())
    with pytest.raises(LockedOut):
        staff.authenticate("nina", "0000", now=clock())
    with pytest.raises(LockedOut, match="locked"):
        staff.authenticate("nina", "4711", now=clock())
    clock.advance(minutes=config.clinic.lockout_minutes + 0.1)
    assert staff.authenticate("nina", "4711", now=clock()).username == "nina"


def test_a_success_clears_the_failure_count(staff, config, clock):
    for _ in range(config.clinic.max_failures - 1):
        with pytest.raises(WrongPin):
            staff.authenticate("nina", "0000", now=clock())
    staff.authenticate("nina", "4711", now=clock())
    with pytest.raises(WrongPin):
        staff.authenticate("nina", "0000", now=clock())


def test_only_an_administrator_creates_accounts(staff, clock):
    nina = staff.authenticate("nina", "4711", now=clock())
    with pytest.raises(StaffError, match="administrator"):
        staff.create("zed", "Zed", "nurse", "1357", by=nina, now=clock())


@pytest.mark.parametrize("pin", ["12", "abcd", "1111", "1234", "9876", "1234567890123"])
def test_weak_or_malformed_pins_are_refused(staff, clock, pin):
    admin = staff.authenticate("admin", "2580", now=clock())
    with pytest.raises(StaffError):
        staff.create("zed", "Zed", "nurse", pin, by=admin, now=clock())


def test_a_second_person_must_be_a_different_user(staff, clock):
    nina = staff.authenticate("nina", "4711", now=clock())
    with pytest.raises(StaffError, match="someone else"):
        staff.second_person("nina", "4711", first=nina, now=clock())
    assert staff.second_person("noah", "5822", first=nina, now=clock()).username == "noah"


def test_an_override_needs_a_physician(staff, clock):
    nina = staff.authenticate("nina", "4711", now=clock())
    with pytest.raises(StaffError, match="physician"):
        staff.second_person("noah", "5822", first=nina, now=clock(), roles=("physician",))
    assert staff.second_person("phil", "6933", first=nina, now=clock(), roles=("physician",)).role == "physician"


def test_changing_a_pin_needs_the_old_one(staff, clock):
    nina = staff.authenticate("nina", "4711", now=clock())
    with pytest.raises(WrongPin):
        staff.change_pin(nina, "9999", "3692", now=clock())
    staff.change_pin(nina, "4711", "3692", now=clock())
    assert staff.authenticate("nina", "3692", now=clock()).username == "nina"
