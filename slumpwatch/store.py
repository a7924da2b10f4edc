"""The posture log: SQLite, spans not frames, schema versioned with ``PRAGMA user_version``.

``Store(path)`` takes a file path or ``":memory:"``. Every write is a transaction. A database
that is corrupt, locked by another process, or written by a newer slumpwatch raises
:class:`StoreError` and is never overwritten. No images are ever stored.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .errors import StoreError

MIGRATIONS: tuple[str, ...] = (
    # 1: monitoring sessions and posture spans
    """
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        start REAL NOT NULL,
        end REAL,
        profile TEXT,
        camera TEXT,
        settings TEXT
    );
    CREATE TABLE spans (
        id INTEGER PRIMARY KEY,
        session_id INTEGER REFERENCES sessions(id) ON DELETE CASCADE,
        state TEXT NOT NULL,
        start REAL NOT NULL,
        end REAL NOT NULL,
        mean_dev REAL,
        max_dev REAL,
        samples INTEGER NOT NULL DEFAULT 0
    );
    """,
    # 2: alerts, and an index for day queries
    """
    CREATE TABLE alerts (
        id INTEGER PRIMARY KEY,
        session_id INTEGER REFERENCES sessions(id) ON DELETE CASCADE,
        t REAL NOT NULL,
        kind TEXT NOT NULL,
        exercise TEXT,
        route TEXT
    );
    CREATE INDEX spans_by_time ON spans(start, end);
    CREATE INDEX alerts_by_time ON alerts(t);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True)
class Span:
    state: str
    start: float
    end: float
    mean_dev: float | None = None
    max_dev: float | None = None
    samples: int = 0


@dataclass(frozen=True)
class AlertRecord:
    t: float
    kind: str
    exercise: str | None
    route: str | None


class Store:
    def __init__(self, path: str | Path, *, create: bool = True, timeout_s: float = 2.0) -> None:
        self.path = str(path)
        if self.path != ":memory:" and not create and not Path(self.path).exists():
            raise StoreError(
                f"no posture log at {self.path}", "run `slumpwatch run` or `slumpwatch demo` first"
            )
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, timeout=timeout_s, isolation_level=None)
            self.db.execute("PRAGMA foreign_keys = ON")
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path} was written by a newer slumpwatch (schema {version} > {SCHEMA_VERSION})",
                    "upgrade slumpwatch; the file was left untouched",
                )
            if self.path != ":memory:":
                mode = self.db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if mode.lower() != "wal":
                    raise sqlite3.OperationalError(f"journal mode {mode}")
            self._migrate(version)
        except sqlite3.DatabaseError as err:
            raise _store_error(self.path, err) from err

    def _migrate(self, version: int) -> None:
        for number in range(version + 1, SCHEMA_VERSION + 1):
            with self.transaction():
                for statement in MIGRATIONS[number - 1].split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {number}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
        except sqlite3.DatabaseError as err:
            raise _store_error(self.path, err) from err

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ writes
    def start_session(self, t: float, profile: str, camera: str, settings: Mapping[str, object]) -> int:
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO sessions(start, profile, camera, settings) VALUES (?, ?, ?, ?)",
                (t, profile, camera, json.dumps(settings, default=str)),
            )
            return int(cur.lastrowid or 0)

    def end_session(self, session_id: int, t: float) -> None:
        with self.transaction() as db:
            db.execute("UPDATE sessions SET end = ? WHERE id = ?", (t, session_id))

    def add_spans(self, session_id: int | None, spans: Sequence[Span]) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO spans(session_id, state, start, end, mean_dev, max_dev, samples) "
                "VALUES (?,?,?,?,?,?,?)",
                [(session_id, s.state, s.start, s.end, s.mean_dev, s.max_dev, s.samples) for s in spans],
            )

    def add_alert(self, session_id: int | None, alert: AlertRecord) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO alerts(session_id, t, kind, exercise, route) VALUES (?,?,?,?,?)",
                (session_id, alert.t, alert.kind, alert.exercise, alert.route),
            )

    def forget_before(self, t: float) -> tuple[int, int]:
        """Deletes spans and alerts that ended before ``t`` (and emptied sessions)."""
        with self.transaction() as db:
            spans = db.execute("DELETE FROM spans WHERE end <= ?", (t,)).rowcount
            alerts = db.execute("DELETE FROM alerts WHERE t < ?", (t,)).rowcount
            db.execute("DELETE FROM sessions WHERE end IS NOT NULL AND end <= ?", (t,))
        return spans, alerts

    # ------------------------------------------------------------ reads
    def spans(self, start: float, end: float) -> list[Span]:
        try:
            rows = self.db.execute(
                "SELECT state, start, end, mean_dev, max_dev, samples FROM spans "
                "WHERE end > ? AND start < ? ORDER BY start",
                (start, end),
            ).fetchall()
        except sqlite3.DatabaseError as err:
            raise _store_error(self.path, err) from err
        return [Span(*r) for r in rows]

    def alerts(self, start: float, end: float) -> list[AlertRecord]:
        try:
            rows = self.db.execute(
                "SELECT t, kind, exercise, route FROM alerts WHERE t >= ? AND t < ? ORDER BY t", (start, end)
            ).fetchall()
        except sqlite3.DatabaseError as err:
            raise _store_error(self.path, err) from err
        return [AlertRecord(*r) for r in rows]


def _store_error(path: str, err: sqlite3.DatabaseError) -> StoreError:
    text = str(err)
    if "locked" in text or "busy" in text:
        return StoreError(
            f"the posture log {path} is locked by another program", "stop the other slumpwatch and retry"
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return StoreError(
            f"the posture log {path} is corrupt ({text})",
            "move it aside and slumpwatch starts a new one; it was not modified",
        )
    return StoreError(f"posture log error in {path}: {text}", "check the file and its folder permissions")


class SpanMerger:
    """Merges consecutive samples in the same state into spans (``heartbeat_merge``)."""

    def __init__(self) -> None:
        self.state: str | None = None
        self.start = 0.0
        self._sum = 0.0
        self._n = 0
        self._max: float | None = None

    def add(self, t: float, state: str, deviation: float | None = None) -> Span | None:
        """Adds a sample; returns the span it closed, if the state changed."""
        closed = None
        if state != self.state:
            closed = self.close(t)
            self.state, self.start = state, t
        if deviation is not None:
            self._sum += deviation
            self._n += 1
            self._max = deviation if self._max is None else max(self._max, deviation)
        return closed

    def close(self, t: float) -> Span | None:
        if self.state is None:
            return None
        span = Span(
            self.state,
            self.start,
            max(t, self.start),
            self._sum / self._n if self._n else None,
            self._max,
            self._n,
        )
        self.state, self._sum, self._n, self._max = None, 0.0, 0, None
        return span if span.end > span.start else None
