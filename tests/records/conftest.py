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


@pytest.fixture(scope="session")
def pg_server():
    """A real PostgreSQL 15 on 127.0.0.1 (free port, temp dir), stopped and removed at the end."""
    from tests.records.pg_server import PgServer
    server = PgServer().init().start()
    yield server
    server.destroy()


@pytest.fixture(scope="session")
def pg_tls_server():
    """The same, with ssl = on: a server certificate for 127.0.0.1/localhost signed by a test CA made with
    openssl (`.ca`), and a second CA that signed nothing here (`.wrong_ca`)."""
    from tests.records.pg_server import PgServer
    server = PgServer(tls=True).init().start()
    yield server
    server.destroy()


@pytest.fixture
def clinic_server(pg_server):
    """A fresh, empty clinic database on the test server: (server, dbname)."""
    return pg_server, pg_server.new_database()
