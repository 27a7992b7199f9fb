"""TLS for real: a PostgreSQL with ssl = on and a certificate from a CA made with openssl in the test.

The chair checks the server with sslmode = verify-full and the clinic's CA file; a server certificate from
another CA is refused with words that say what to fix, and nothing written on the chair is lost.
"""
from __future__ import annotations

import dataclasses
import psycopg

from console import cli
from tests.records.replication_helpers import Chair, server_rows, settings_for, wait_for
from tests.records.test_records_server_command import write_clinic_toml


def tls_settings(server, dbname, ca):
    return dataclasses.replace(settings_for(server, dbname), sslmode="verify-full", sslrootcert=str(ca))


def one_session(chair: Chair) -> None:
    pid = chair.people.add_patient(mrn="TLS-1", name="Ada Lovelace", dob="1970-12-10", allergies="", t=1.0, by="n")
    chair.session(pid, "TLS-1", "Ada Lovelace", t=1_790_000_000.0, pain_before=7, pain_after=3, sid="tls-s")


def test_replication_over_verified_tls(tmp_path, pg_tls_server):
    server = pg_tls_server
    dbname = server.new_database()
    chair = Chair(tmp_path / "a", "a")
    try:
        one_session(chair)
        settings = tls_settings(server, dbname, server.ca)
        rep = chair.replicator(server, dbname)
        rep.settings = settings
        rep.sync_once()
        rep.stop()
        events = chair.count("events")
        assert server_rows(server, dbname, "SELECT count(*) FROM events")[0][0] == events > 0
        with psycopg.connect(settings.conninfo()) as conn:  # the same settings really use TLS
            ssl, version = conn.execute("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()
        assert ssl is True and version.startswith("TLS")
        # and by the name in the certificate's SAN, too
        by_name = dataclasses.replace(settings, host="localhost")
        with psycopg.connect(by_name.conninfo()) as conn:
            assert conn.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()[0] is True
    finally:
        chair.close()


def test_a_server_certificate_from_another_ca_is_refused_clearly_and_nothing_is_lost(tmp_path, pg_tls_server,
                                                                                        capsys):
    server = pg_tls_server
    dbname = server.new_database()
    chair = Chair(tmp_path / "a", "a")
    try:
        one_session(chair)
        local_events = chair.count("events")
        rep = chair.replicator(server, dbname)
        rep.settings = tls_settings(server, dbname, server.wrong_ca)
        rep.start()
        wait_for(lambda: rep.snapshot().offline_since is not None, what="the replicator to report the refusal")
        rep.stop()
        status = rep.snapshot()
        assert not status.online
        assert "not signed by the CA this chair trusts" in status.last_error
        assert str(server.wrong_ca) in status.last_error and "sslrootcert" in status.last_error
        assert "Traceback" not in status.last_error
        assert status.pending_rows >= local_events and status.oldest_pending_t is not None
        # nothing went to the server, nothing is marked confirmed, every row is still on the chair
        with psycopg.connect(server.dsn(dbname)) as conn:
            assert conn.execute("SELECT to_regclass('events')").fetchone()[0] is None
        assert chair.count("events") == local_events
        assert chair.db.conn.execute("SELECT count(*) FROM replication_confirmed").fetchone()[0] == 0

        # the same refusal from the command an IT person runs: a message, exit 1, no traceback
        write_clinic_toml(tmp_path / "a", server, dbname)
        toml = tmp_path / "a" / "clinic.toml"
        toml.write_text(toml.read_text().replace('sslmode = "disable"', f'sslmode = "verify-full"\n'
                                                                         f'sslrootcert = "{server.wrong_ca}"'))
        assert cli.main(["verify-records", "--server", "--data-dir", str(tmp_path / "a")]) == 1
        err = capsys.readouterr().err
        assert "not signed by the CA this chair trusts" in err and "Traceback" not in err

        # with the clinic's CA, everything written while refused arrives
        good = chair.replicator(server, dbname)
        good.settings = tls_settings(server, dbname, server.ca)
        good.sync_once()
        good.stop()
        assert server_rows(server, dbname, "SELECT count(*) FROM events")[0][0] == local_events
        assert good.snapshot().pending_rows == 0 and good.snapshot().online
    finally:
        chair.close()


def test_verify_full_refuses_a_host_name_the_certificate_does_not_name(tmp_path, pg_tls_server):
    server = pg_tls_server
    dbname = server.new_database()
    chair = Chair(tmp_path / "a", "a")
    try:
        rep = chair.replicator(server, dbname)
        # connect to 127.0.0.1 (hostaddr) while the name checked is one the certificate does not hold
        rep.settings = tls_settings(server, dbname, server.ca)
        conninfo = rep.settings.conninfo() + " hostaddr=127.0.0.1"
        conninfo = conninfo.replace("host=127.0.0.1", "host=records.example.org")
        try:
            psycopg.connect(conninfo).close()
        except psycopg.OperationalError as exc:
            from console.records.replication import explain_connect_error
            text = explain_connect_error(exc, rep.settings)
            assert "certificate is for another name" in text, text
        else:
            raise AssertionError("verify-full accepted a certificate for another name")
    finally:
        chair.close()
