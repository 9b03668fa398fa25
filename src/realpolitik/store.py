"""The run store: every forecast, simulation, lever search and back-test, recorded in a database.

A run is one command on one input: what was run (command, scenario file and the SHA-256 of its
content, parameters, seed, package versions), how it went (``running`` / ``succeeded`` /
``failed`` / ``aborted``, start, end, seconds) and what it gave (the command's JSON result).
Long runs made of independent draws also keep each finished draw, so an interrupted run can be
resumed to the same final numbers (docs/design.md, Run store).

The database is SQLite in the user's data folder unless ``--db URL`` (or ``REALPOLITIK_DB``)
names another; any SQLAlchemy 2 URL works, PostgreSQL included. Only the parent process writes:
workers return results, the command records them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text, create_engine
from sqlalchemy import select as sql_select
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from realpolitik.errors import InputError
from realpolitik.jsonable import jsonable

STATUSES = ("running", "succeeded", "failed", "aborted")
ENV_URL = "REALPOLITIK_DB"


class Base(DeclarativeBase):
    pass


class Run(Base):
    """One command run (the ``runs`` table)."""

    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    command: Mapped[str] = mapped_column(String(40))
    scenario: Mapped[str | None] = mapped_column(Text)
    scenario_sha256: Mapped[str | None] = mapped_column(String(64))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    seed: Mapped[int | None] = mapped_column(Integer)
    versions: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    seconds: Mapped[float | None] = mapped_column(Float)
    results: Mapped[Any | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)

    def summary(self) -> dict[str, Any]:
        """The run without its results: what ``runs list`` shows."""
        return {
            "id": self.id,
            "command": self.command,
            "scenario": self.scenario,
            "scenario_sha256": self.scenario_sha256,
            "parameters": self.parameters,
            "seed": self.seed,
            "versions": self.versions,
            "status": self.status,
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "seconds": self.seconds,
            "error": self.error,
        }

    def to_json(self) -> dict[str, Any]:
        return {**self.summary(), "results": self.results}


class Draw(Base):
    """One finished draw of a run made of independent draws (``simulate``)."""

    __tablename__ = "draws"

    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    index: Mapped[int] = mapped_column(Integer, primary_key=True)
    result: Mapped[Any] = mapped_column(JSON)


def _iso(t: dt.datetime | None) -> str | None:
    if t is None:
        return None
    if t.tzinfo is None:  # SQLite returns naive datetimes; they were stored in UTC
        t = t.replace(tzinfo=dt.UTC)
    return t.isoformat(timespec="seconds")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def default_url() -> str:
    """``REALPOLITIK_DB`` if set, else a SQLite file in the user's data folder."""
    env = os.environ.get(ENV_URL)
    if env:
        return env
    from platformdirs import user_data_dir

    return f"sqlite:///{Path(user_data_dir('realpolitik')) / 'runs.sqlite'}"


def sqlite_file(url: str | None) -> Path | None:
    """The file of a SQLite database URL (``sqlite:///path``), else None (a server, memory, or
    no URL at all)."""
    try:
        return _sqlite_path(make_url(url or default_url()))
    except ArgumentError:
        return None


def _sqlite_path(parsed: URL) -> Path | None:
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return Path(str(parsed.database)).expanduser()
    return None


def versions() -> dict[str, str]:
    """The versions a result depends on: realpolitik, Python, NumPy, SciPy."""
    import numpy
    import scipy

    from realpolitik import __version__

    return {
        "realpolitik": __version__,
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
    }


def file_sha256(path: Path | str | None) -> str | None:
    """SHA-256 of a file's bytes (the scenario a run read), or None when there is no file."""
    if path is None or not Path(path).is_file():
        return None
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class RunRecord:
    """The handle a recorded block fills in: its ``run_id``, and the ``results`` to keep."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        self.results: Any = None


class RunStore:
    """The runs of one database. ``RunStore(url)`` creates the tables if they are missing."""

    def __init__(self, url: str | None = None) -> None:
        self.engine = _engine(url or default_url())
        self.url = _shown(url or default_url())
        """The URL as messages show it (any password hidden)."""

    # -- writing -------------------------------------------------------------------------------

    def start(
        self,
        command: str,
        scenario: Path | str | None = None,
        parameters: Mapping[str, Any] | None = None,
        seed: int | None = None,
    ) -> str:
        """Record a new run as ``running``; return its id."""
        run = Run(
            id=uuid.uuid4().hex[:16],
            command=command,
            scenario=None if scenario is None else str(scenario),
            scenario_sha256=file_sha256(scenario),
            parameters=jsonable(dict(parameters or {})),
            seed=seed,
            versions=versions(),
            status="running",
            started_at=_now(),
        )
        with self._session() as s:
            s.add(run)
        return run.id

    def add_draws(self, run_id: str, draws: Mapping[int, Any]) -> None:
        """Keep finished draws (index -> JSON-able result) of a running run."""
        with self._session() as s:
            for k, result in draws.items():
                s.merge(Draw(run_id=run_id, index=int(k), result=jsonable(result)))

    def finish(
        self, run_id: str, status: str, results: Any = None, error: str | None = None
    ) -> None:
        """Close a run: its final status, results (JSON-able) and error message."""
        if status not in STATUSES[1:]:
            raise ValueError(f"status must be one of {STATUSES[1:]}")
        with self._session() as s:
            run = s.get(Run, run_id)
            if run is None:
                raise KeyError(run_id)
            run.status = status
            run.finished_at = _now()
            started = run.started_at
            if started.tzinfo is None:
                started = started.replace(tzinfo=dt.UTC)
            run.seconds = (run.finished_at - started).total_seconds()
            run.results = jsonable(results)
            run.error = error

    def reopen(self, run_id: str) -> Run:
        """Mark an aborted or failed run ``running`` again (``simulate --resume``)."""
        with self._session() as s:
            run = s.get(Run, run_id)
            if run is None:
                raise self._unknown(run_id)
            if run.status == "succeeded":
                raise InputError.single(self.url, "run", f"run {run_id} already succeeded")
            run.status, run.finished_at, run.error = "running", None, None
            s.flush()
            s.expunge(run)
            return run

    @contextmanager
    def recording(
        self,
        command: str,
        scenario: Path | str | None = None,
        parameters: Mapping[str, Any] | None = None,
        seed: int | None = None,
        run_id: str | None = None,
    ) -> Iterator[RunRecord]:
        """Record the run of the ``with`` block: ``succeeded`` with ``rec.results`` when it ends
        normally, ``aborted`` on Ctrl-C, ``failed`` (with the message) on any error; the error
        is re-raised. ``run_id`` continues a reopened run instead of starting one."""
        rec = RunRecord(run_id or self.start(command, scenario, parameters, seed))
        try:
            yield rec
        except KeyboardInterrupt:
            self.finish(rec.run_id, "aborted", rec.results, "interrupted (Ctrl-C)")
            raise
        except BaseException as err:
            self.finish(rec.run_id, "failed", rec.results, f"{type(err).__name__}: {err}")
            raise
        self.finish(rec.run_id, "succeeded", rec.results)

    # -- reading -------------------------------------------------------------------------------

    def runs(self, limit: int | None = None, command: str | None = None) -> list[Run]:
        """Runs, newest first."""
        q = sql_select(Run).order_by(Run.started_at.desc(), Run.id)
        if command:
            q = q.where(Run.command == command)
        if limit:
            q = q.limit(limit)
        with Session(self.engine, expire_on_commit=False) as s:
            return list(s.scalars(q))

    def get(self, run_id: str) -> Run:
        """One run by id, or by a unique prefix of its id; unknown ids are bad input."""
        if not run_id.strip():
            raise InputError.single(self.url, "run", "no run id given (`realpolitik runs list`)")
        with Session(self.engine, expire_on_commit=False) as s:
            run = s.get(Run, run_id)
            if run is not None:
                return run
            found = list(s.scalars(sql_select(Run).where(Run.id.startswith(run_id)).limit(2)))
        if len(found) == 1 and run_id:
            return found[0]
        raise self._unknown(run_id, ambiguous=len(found) > 1)

    def draws(self, run_id: str) -> dict[int, Any]:
        """The finished draws of a run, by index."""
        with Session(self.engine) as s:
            rows = s.execute(sql_select(Draw.index, Draw.result).where(Draw.run_id == run_id))
            return {int(i): r for i, r in rows}

    # -- plumbing ------------------------------------------------------------------------------

    def _unknown(self, run_id: str, ambiguous: bool = False) -> InputError:
        why = "matches more than one run" if ambiguous else "no such run"
        return InputError.single(
            self.url, "run", f"{run_id!r}: {why} (see `realpolitik runs list`)"
        )

    @contextmanager
    def _session(self) -> Iterator[Session]:
        try:
            with Session(self.engine, expire_on_commit=False) as s, s.begin():
                yield s
        except OperationalError as err:
            raise InputError.single(self.url, "--db", f"database error: {err.orig}") from None


def _shown(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _engine(url: str) -> Engine:
    """An engine with its tables; a bad URL or an unreachable database is bad input naming
    ``--db``."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InputError.single(
            url, "--db", "not a database URL (e.g. sqlite:///runs.sqlite)"
        ) from None
    url = _shown(url)
    file = _sqlite_path(parsed)
    if file is not None:
        folder = file.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise InputError.single(
                url, "--db", f"cannot create {folder}: {err.strerror}"
            ) from None
    try:
        engine = create_engine(parsed)
        Base.metadata.create_all(engine)
    except (SQLAlchemyError, ImportError) as err:
        reason = getattr(err, "orig", None) or err
        raise InputError.single(url, "--db", f"cannot open the database: {reason}") from None
    return engine


def export_rows(runs: list[Run]) -> list[dict[str, Any]]:
    """Flat rows (nested fields as JSON text) for CSV and Parquet export."""
    rows = []
    for r in runs:
        row = r.to_json()
        for key in ("parameters", "versions", "results"):
            row[key] = json.dumps(row[key], sort_keys=True)
        rows.append(row)
    return rows
