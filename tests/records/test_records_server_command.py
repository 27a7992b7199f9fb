"""clinic.toml's [records_server] and `verify-records --server` against a real PostgreSQL."""
from __future__ import annotations

import os

import psycopg
import pytest

from console import cli
from console.records.replication import console_id, server_settings
from resources import ResourceError
from tests.records.replication_helpers import Chair


def write_clinic_toml(data_dir, server, dbname, extra=""):
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "clinic.toml").write_text(
        f'[records_server]\nhost = "127.0.0.1"\nport = {server.port}\ndbname = "{dbname}"\nuser = "bedside"\n'
        f'passfile = "{server.passfile}"\nsslmode = "disable"\n{extra}')


def test_no_records_server_by_default(tmp_path):
    assert server_settings(tmp_path) is None


def test_clinic_toml_names_the_server_and_a_misspelt_setting_is_refused(tmp_path, pg_server):
    write_clinic_toml(tmp_path, pg_server, "clinic")
    s = server_settings(tmp_path)
    assert (s.host, s.port, s.dbname, s.sslmode) == ("127.0.0.1", pg_server.port, "clinic", "disable")
    assert "password" not in s.conninfo()
    write_clinic_toml(tmp_path, pg_server, "clinic", 'pasword = "x"\n')
    with pytest.raises(ResourceError, match="records_server.pasword"):
        server_settings(tmp_path)
    write_clinic_toml(tmp_path, pg_server, "clinic", 'interval_s = 0\n')
    with pytest.raises(ResourceError, match="interval_s"):
        server_settings(tmp_path)


def test_a_password_file_others_can_read_is_refused(tmp_path, pg_server):
    passfile = tmp_path / "pgpass"
    passfile.write_text("127.0.0.1:*:*:bedside:secret\n")
    os.chmod(passfile, 0o644)
    (tmp_path / "clinic.toml").write_text(f'[records_server]\nhost = "db.clinic"\npassfile = "{passfile}"\n')
    with pytest.raises(ResourceError, match="chmod 600"):
        server_settings(tmp_path)
    (tmp_path / "clinic.toml").write_text('[records_server]\nhost = "db.clinic"\n')
    with pytest.raises(ResourceError, match="never goes in clinic.toml"):
        server_settings(tmp_path)


def test_verify_records_server_names_the_tampered_row_and_the_console(tmp_path, clinic_server, capsys):
    server, dbname = clinic_server
    chairs = []
    for name in ("a", "b"):
        chair = Chair(tmp_path / name, name)
        write_clinic_toml(tmp_path / name, server, dbname)
        chair.session(1, "MRN-9", "P", t=100.0, pain_before=7, pain_after=3)
        rep = chair.replicator(server, dbname)
        rep.sync_once()
        rep.stop()
        chairs.append(chair)
    a_dir, b_id = str(tmp_path / "a"), console_id(chairs[1].db)
    for chair in chairs:
        chair.close()

    assert cli.main(["verify-records", "--server", "--data-dir", a_dir]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and all(line.startswith("records OK") for line in out)

    with psycopg.connect(server.dsn(dbname)) as conn:  # someone with database rights edits a pain score
        conn.execute("UPDATE events SET payload = '{\"baseline_nrs\":7,\"nrs\":1}' "
                     "WHERE console_id = %s AND id = 4", (b_id,))
    assert cli.main(["verify-records", "--server", "--data-dir", a_dir]) == 2
    out = capsys.readouterr().out
    assert f"records BROKEN: console {b_id}: server chain broken at event row 4: edited" in out


def test_verify_records_server_sees_rows_deleted_after_this_chair_had_them_confirmed(tmp_path, clinic_server,
                                                                                      capsys):
    server, dbname = clinic_server
    chair = Chair(tmp_path / "a", "a")
    write_clinic_toml(tmp_path / "a", server, dbname)
    chair.session(1, "MRN-9", "P", t=100.0, pain_before=7, pain_after=3)
    rep = chair.replicator(server, dbname)
    rep.sync_once()
    rep.stop()
    n = chair.count("events")
    chair.close()
    with psycopg.connect(server.dsn(dbname)) as conn:
        conn.execute("DELETE FROM ledger_draws")
        conn.execute("DELETE FROM events WHERE id = %s", (n,))
    assert cli.main(["verify-records", "--server", "--data-dir", str(tmp_path / "a")]) == 2
    assert f"had {n} events confirmed, the server has {n - 1}" in capsys.readouterr().out
