"""Numbered schema migrations: modules `mNNNN_name.py`, each with `VERSION: int` and `apply(conn)`.

`apply` runs inside the transaction `migrate` opened, so it must not commit; use `conn.execute` per
statement (never `executescript`, which commits behind the caller's back). `PRAGMA user_version` records
the last version applied.
"""
from __future__ import annotations

import importlib
import pkgutil
import re
import sqlite3
from dataclasses import dataclass
from types import ModuleType
from typing import Callable

_NAME = re.compile(r"^m(\d{4})_\w+$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[sqlite3.Connection], None]


def discover() -> list[Migration]:
    """All migration modules in this package, sorted by VERSION (which must match the file number)."""
    found: dict[int, Migration] = {}
    for info in pkgutil.iter_modules(__path__):
        match = _NAME.match(info.name)
        if not match:
            continue
        module: ModuleType = importlib.import_module(f"{__name__}.{info.name}")
        version = int(getattr(module, "VERSION"))
        if version != int(match.group(1)):
            raise RuntimeError(f"migration {info.name} declares VERSION {version}; its name says {match.group(1)}")
        if version in found:
            raise RuntimeError(f"two migrations with VERSION {version}: {found[version].name}, {info.name}")
        found[version] = Migration(version, info.name, module.apply)
    return [found[v] for v in sorted(found)]


def latest_version() -> int:
    migrations = discover()
    return migrations[-1].version if migrations else 0


def migrate(conn: sqlite3.Connection, *, target: int | None = None) -> list[int]:
    """Bring the schema up to `target` (default: the newest), one transaction per migration.

    Returns the versions applied. A migration that fails leaves the database at the version before it.
    """
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    applied = []
    for migration in discover():
        if migration.version <= current or (target is not None and migration.version > target):
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            migration.apply(conn)
            conn.execute(f"PRAGMA user_version = {int(migration.version)}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        applied.append(migration.version)
        current = migration.version
    return applied
