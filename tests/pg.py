"""A throwaway PostgreSQL server for tests: initdb into a temporary folder, start it on a free
port of 127.0.0.1, yield its SQLAlchemy URL, stop it. Root cannot run PostgreSQL, so as root the
server runs as the ``postgres`` user (Debian's package creates it). Where no server can be
started, :func:`start` returns the reason instead, and tests skip saying so."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return versions[-1] if versions else None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def postgres_server() -> Iterator[tuple[str | None, str]]:
    """Yield ``(url, "")`` for a running server, or ``(None, reason)`` when none can start."""
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not (initdb and pg_ctl):
        yield None, "PostgreSQL is not installed (no initdb/pg_ctl; .ci/run installs it)"
        return
    prefix: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="rp-pg-"))
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            yield None, "running as root and there is no 'postgres' user to run the server"
            return
        os.chown(folder, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data, log, port = folder / "data", folder / "log", free_port()
    env = {**os.environ, "LC_ALL": "C"}
    try:
        subprocess.run(prefix + [initdb, "-D", str(data), "-A", "trust", "-U", "rp",
                                 "--no-sync", "-E", "UTF8"],
                       check=True, capture_output=True, timeout=120, env=env)
        opts = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(prefix + [pg_ctl, "-D", str(data), "-o", opts, "-l", str(log), "-w",
                                 "-t", "60", "start"],
                       check=True, capture_output=True, timeout=90, env=env)
    except (subprocess.SubprocessError, OSError) as err:
        detail = getattr(err, "stderr", b"") or b""
        shutil.rmtree(folder, ignore_errors=True)
        yield None, f"could not start PostgreSQL: {err} {detail.decode(errors='replace')[:300]}"
        return
    try:
        yield f"postgresql+psycopg://rp@127.0.0.1:{port}/postgres", ""
    finally:
        subprocess.run(prefix + [pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)
