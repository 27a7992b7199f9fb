"""A real PostgreSQL for the records-server tests: initdb into a temp dir, one loopback port, no service.

Runs as the `postgres` system user when the tests run as root (initdb refuses root). Password
authentication (scram) on 127.0.0.1 only; the console side reads the password from a libpq passfile,
exactly as a clinic would set it up.
"""
from __future__ import annotations

import os
import pwd
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PASSWORD = "test-secret-not-for-production"
USER = "bedside"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _openssl(*args: str, cwd: Path) -> None:
    result = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} failed: {result.stderr}")


def make_ca(directory: Path, name: str) -> tuple[Path, Path]:
    """A certificate authority (key, certificate) like a clinic's own, made with openssl."""
    key, crt = directory / f"{name}.key", directory / f"{name}.crt"
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", key.name, "-out", crt.name, "-days", "3", "-subj", f"/CN={name}",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
             cwd=directory)
    return key, crt


def make_server_cert(directory: Path, ca_key: Path, ca_crt: Path) -> tuple[Path, Path]:
    """The server's key and certificate, signed by the CA, for 127.0.0.1 and localhost (CN and SAN)."""
    (directory / "san.cnf").write_text("subjectAltName = IP:127.0.0.1, DNS:localhost\n"
                                       "extendedKeyUsage = serverAuth\n")
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "server.key",
             "-out", "server.csr", "-subj", "/CN=127.0.0.1", cwd=directory)
    _openssl("x509", "-req", "-in", "server.csr", "-CA", ca_crt.name, "-CAkey", ca_key.name, "-CAcreateserial",
             "-out", "server.crt", "-days", "3", "-extfile", "san.cnf", cwd=directory)
    return directory / "server.key", directory / "server.crt"


class PgServer:
    def __init__(self, *, tls: bool = False) -> None:
        self.tls = tls
        self.root = Path(tempfile.mkdtemp(prefix="bedside-pg-"))
        self.data = self.root / "data"
        self.sock = self.root / "sock"
        self.port = _free_port()
        self.run_as = None
        if os.geteuid() == 0:
            self.run_as = pwd.getpwnam("postgres")
            os.chown(self.root, self.run_as.pw_uid, self.run_as.pw_gid)
        os.chmod(self.root, 0o755)
        self.passfile = Path(tempfile.mkdtemp(prefix="bedside-pgpass-")) / "pgpass"
        self._dbs = 0

    def _popen_kw(self) -> dict:
        if not self.run_as:
            return {}
        return dict(user=self.run_as.pw_uid, group=self.run_as.pw_gid, extra_groups=[])

    def _run(self, *args: str, timeout: float = 60) -> None:
        result = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, **self._popen_kw())
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {result.stdout}\n{result.stderr}")

    def init(self) -> "PgServer":
        pwfile = self.root / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if self.run_as:
            os.chown(pwfile, self.run_as.pw_uid, self.run_as.pw_gid)
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", USER, "--pwfile", str(pwfile),
                  "--auth-host=scram-sha-256", "--auth-local=scram-sha-256", "-E", "UTF8", "--no-sync")
        pwfile.unlink()
        self.sock.mkdir()
        if self.run_as:
            os.chown(self.sock, self.run_as.pw_uid, self.run_as.pw_gid)
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\n"
                       f"unix_socket_directories = '{self.sock}'\nfsync = on\n")
        if self.tls:
            self._enable_tls()
        self.passfile.write_text(f"127.0.0.1:*:*:{USER}:{PASSWORD}\nlocalhost:*:*:{USER}:{PASSWORD}\n")
        os.chmod(self.passfile, 0o600)
        return self

    def _enable_tls(self) -> None:
        """ssl = on with a server certificate from a test CA (`self.ca`); `self.wrong_ca` signed nothing here.
        The CA files are where a chair keeps them (readable by the console's user)."""
        tls = self.root / "tls"
        tls.mkdir()
        ca_key, self.ca = make_ca(tls, "clinic-ca")
        _, self.wrong_ca = make_ca(tls, "other-ca")
        key, crt = make_server_cert(tls, ca_key, self.ca)
        os.chmod(key, 0o600)
        if self.run_as:
            os.chown(key, self.run_as.pw_uid, self.run_as.pw_gid)
            os.chown(crt, self.run_as.pw_uid, self.run_as.pw_gid)
        os.chmod(tls, 0o755)
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(f"ssl = on\nssl_cert_file = '{crt}'\nssl_key_file = '{key}'\n")

    def start(self) -> "PgServer":
        """The postmaster as our own child (so a SIGKILLed one is reaped here, not left a zombie)."""
        log = open(self.root / "log", "ab")
        self.proc = subprocess.Popen([str(PG_BIN / "postgres"), "-D", str(self.data)], stdout=log,
                                     stderr=subprocess.STDOUT, **self._popen_kw())
        log.close()
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited: {(self.root / 'log').read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    pass
                with psycopg.connect(self.dsn("postgres"), connect_timeout=2, sslmode="disable"):
                    return self
            except (OSError, psycopg.OperationalError):
                time.sleep(0.1)
        raise RuntimeError("postgres did not accept connections within 60 s")

    def stop(self) -> None:
        proc = getattr(self, "proc", None)
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # fast shutdown
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill9()

    def kill9(self) -> None:
        """SIGKILL the postmaster and every backend it started (the server machine dies)."""
        pid = self.proc.pid
        children = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == pid:
                    children.append(int(entry.name))
        for p in [pid, *children]:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(10)

    def new_database(self) -> str:
        """A fresh, empty database; returns its name."""
        self._dbs += 1
        name = f"clinic_{self._dbs}"
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def dsn(self, dbname: str) -> str:
        return f"host=127.0.0.1 port={self.port} dbname={dbname} user={USER} passfile={self.passfile}"

    def destroy(self) -> None:
        try:
            self.stop()
        finally:
            import shutil
            shutil.rmtree(self.root, ignore_errors=True)
            shutil.rmtree(self.passfile.parent, ignore_errors=True)
