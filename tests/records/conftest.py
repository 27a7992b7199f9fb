from __future__ import annotations

import pytest

from console.records.audit import AuditLog
from console.records.database import open_database


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "data"


@pytest.fixture
def database(data_dir):
    db = open_database(data_dir)
    yield db
    db.close()


@pytest.fixture
def audit(database):
    return AuditLog(database)
