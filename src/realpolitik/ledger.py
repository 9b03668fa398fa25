"""The forecast ledger: sealed forecasts, their resolutions, and the score they earn
(docs/design.md, Forecast ledger).

An append-only chain in the run store's database. Each entry holds a payload and
``hash = SHA-256(previous hash + canonical JSON of the payload)``, so changing, removing or
reordering any entry breaks every hash after it, and ``verify`` finds it. A forecast entry seals
the scenario's content hash, the code version and the forecast itself (its value, interval, band
probabilities and the samples it was drawn from); a resolution entry names a forecast and the
outcome. Nothing is ever updated or deleted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String
from sqlalchemy import select as sql_select
from sqlalchemy.orm import Mapped, Session, mapped_column

from realpolitik.errors import InputError
from realpolitik.jsonable import jsonable
from realpolitik.store import Base, RunStore

GENESIS = "0" * 64


class Entry(Base):
    """One ledger entry (``ledger`` table); ``seq`` orders the chain."""

    __tablename__ = "ledger"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "seq": self.seq,
            "hash": self.hash,
            "prev_hash": self.prev_hash,
            **self.payload,
        }


def seal(prev_hash: str, payload: dict[str, Any]) -> str:
    """SHA-256 of the previous hash and the payload's canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256((prev_hash + text).encode()).hexdigest()


class Ledger:
    """The ledger of one database (the run store's; ``--db`` as for ``runs``)."""

    def __init__(self, url: str | None = None) -> None:
        self.store = RunStore(url)
        self.engine = self.store.engine

    def entries(self) -> list[Entry]:
        with Session(self.engine, expire_on_commit=False) as s:
            return list(s.scalars(sql_select(Entry).order_by(Entry.seq)))

    def append(self, kind: str, payload: dict[str, Any]) -> Entry:
        """Add an entry at the end of the chain (the payload's NaNs become null)."""
        payload = jsonable(payload)
        with Session(self.engine, expire_on_commit=False) as s, s.begin():
            last = s.scalars(sql_select(Entry).order_by(Entry.seq.desc()).limit(1)).first()
            prev = last.hash if last else GENESIS
            digest = seal(prev, payload)
            entry = Entry(
                id=digest[:12],
                kind=kind,
                recorded_at=dt.datetime.now(dt.UTC),
                payload=payload,
                prev_hash=prev,
                hash=digest,
            )
            s.add(entry)
        return entry

    def forecast(self, entry_id: str) -> Entry:
        for e in self.entries():
            if e.kind == "forecast" and (
                e.id == entry_id or (entry_id and e.id.startswith(entry_id))
            ):
                return e
        raise InputError.single(
            self.store.url,
            "ID",
            f"no forecast {entry_id!r} in the ledger (see `realpolitik ledger list`)",
        )

    def resolutions(self) -> dict[str, Entry]:
        """Forecast id -> its resolution."""
        return {e.payload["forecast"]: e for e in self.entries() if e.kind == "resolution"}

    def resolve(self, entry_id: str, outcome: float, on: dt.date) -> Entry:
        fc = self.forecast(entry_id)
        if fc.id in self.resolutions():
            raise InputError.single(self.store.url, "ID", f"forecast {fc.id} is already resolved")
        sealed = fc.payload.get("recorded_on")
        if sealed and on.isoformat() < sealed:
            raise InputError.single(
                "--on", "--on", f"{on} is before the forecast was sealed ({sealed}): an outcome "
                "cannot be known before the forecast it resolves"
            )
        lo, hi = fc.payload["forecast"]["scale"]
        if not lo <= outcome <= hi:
            raise InputError.single(
                "--outcome",
                "--outcome",
                f"{outcome:g} is outside the issue's scale [{lo:g}, {hi:g}]",
            )
        return self.append(
            "resolution", {"forecast": fc.id, "outcome": outcome, "resolved_on": on.isoformat()}
        )

    def verify(self) -> list[str]:
        """Problems with the chain: an entry whose hash does not match its content or whose
        link does not match the entry before it. Empty when the ledger is intact."""
        problems = []
        prev = GENESIS
        for e in self.entries():
            if e.prev_hash != prev:
                problems.append(f"entry {e.id} (#{e.seq}): does not follow the entry before it")
            if seal(e.prev_hash, e.payload) != e.hash:
                problems.append(f"entry {e.id} (#{e.seq}): content does not match its seal")
            prev = e.hash
        return problems
