"""The posture log: SQLite, spans not frames, schema versioned with ``PRAGMA user_version``.

``Store(path)`` takes a file path or ``":memory:"``. Every write is a transaction. A database
that is corrupt, locked by another process, or written by a newer slumpwatch raises
:class:`StoreError` and is never overwritten. No images are ever stored.

Crash safety: the open span is rewritten in place (keyed by session, state and start) at every
checkpoint, so a killed monitor loses at most one checkpoint interval; ``close_stale_sessions``
ends a session left open by a crash at its last written span. Schema set-up runs inside
``BEGIN IMMEDIATE`` and re-reads the version there, so two first runs at once do not race.
"""

from __future__ import annotations

import json
import math
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .errors import StoreBusyError, StoreError

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
    # 3: what each span was judged against (calibrated, learned, doubtful, learning, absolute, ...)
    """
    ALTER TABLE spans ADD COLUMN basis TEXT;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
# What a span's posture was judged against: a calibration profile, a learned baseline (doubtful:
# learned without seeing a clearly more upright posture), nothing yet (learning), the absolute side
# limits, or nothing at all (uncalibrated front camera: no verdict).
BASES = ("calibrated", "learned", "doubtful", "learning", "absolute", "uncalibrated")


@dataclass(frozen=True)
class Span:
    state: str
    start: float
    end: float
    mean_dev: float | None = None
    max_dev: float | None = None
    samples: int = 0
    basis: str | None = None  # what posture was judged against (see ``BASES``)


@dataclass(frozen=True)
class AlertRecord:
    t: float
    kind: str
    exercise: str | None
    route: str | None


class Store:
    def __init__(
        self, path: str | Path, *, create: bool = True, timeout_s: float = 2.0, check: bool = False
    ) -> None:
        """Opens (and if needed creates or migrates) the log; ``check`` runs ``PRAGMA quick_check``
        first, so a damaged log is refused before anything is written to it."""
        self.path = str(path)
        if self.path != ":memory:" and not create and not Path(self.path).exists():
            raise StoreError(
                f"no posture log at {self.path}", "run `slumpwatch run` or `slumpwatch demo` first"
            )
        if self.path != ":memory:" and Path(self.path).is_dir():
            raise StoreError(f"the posture log {self.path} is a folder", "give a file path with --db")
        if self.path != ":memory:":
            try:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise StoreError(
                    f"cannot create the folder for the posture log {self.path}: {err.strerror}",
                    "check its permissions or pass --db PATH",
                ) from err
        try:
            self.db = sqlite3.connect(self.path, timeout=timeout_s, isolation_level=None)
        except sqlite3.Error as err:
            raise _store_error(self.path, err) from err
        try:
            self._setup(check, create)
        except BaseException:
            self.db.close()
            raise

    def _setup(self, check: bool, create: bool) -> None:
        try:
            if check and self.path != ":memory:":
                rows = self.db.execute("PRAGMA quick_check").fetchall()
                if [r[0] for r in rows] != ["ok"]:
                    raise sqlite3.DatabaseError(f"database disk image is malformed: {rows[0][0]}")
            self.db.execute("PRAGMA foreign_keys = ON")
            version = self._version()
            if not create and version == 0:
                raise StoreError(
                    f"{self.path} is not a slumpwatch posture log (it has no tables)",
                    "give the posture log with --db; the file was left untouched",
                )
            if self.path != ":memory:" and create:
                self._wal()
            self._migrate(version)
        except sqlite3.DatabaseError as err:
            raise _store_error(self.path, err) from err

    def _version(self) -> int:
        version = int(self.db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer slumpwatch (schema {version} > {SCHEMA_VERSION})",
                "upgrade slumpwatch; the file was left untouched",
            )
        return version

    def _wal(self) -> None:
        # Switching to WAL needs a moment alone with the file; another first run may hold it.
        for attempt in range(50):
            try:
                mode = self.db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                break
            except sqlite3.OperationalError as err:
                if "locked" not in str(err) or attempt == 49:
                    raise
                time.sleep(0.1)
        if mode.lower() != "wal":
            raise sqlite3.OperationalError(f"journal mode {mode}")

    def _migrate(self, version: int) -> None:
        if version == SCHEMA_VERSION:
            return
        with self.transaction() as db:
            # Another process may have set the schema up while this one waited for the lock.
            for number in range(self._version() + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[number - 1].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
                self.db.execute("COMMIT")
            finally:
                if self.db.in_transaction:  # an error, or a COMMIT that failed (disk full)
                    self.db.execute("ROLLBACK")
        except sqlite3.DatabaseError as err:
            raise _store_error(self.path, err) from err

    def close(self) -> None:
        self.db.close()

    def set_timeout(self, seconds: float) -> None:
        """How long a write waits for another program's lock before :class:`StoreBusyError`."""
        self.db.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")

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
                "INSERT INTO spans(session_id, state, start, end, mean_dev, max_dev, samples, basis) "
                "VALUES (?,?,?,?,?,?,?,?)",
                [
                    (session_id, s.state, s.start, s.end, s.mean_dev, s.max_dev, s.samples, s.basis)
                    for s in spans
                ],
            )

    def put_spans(self, db: sqlite3.Connection, session_id: int | None, spans: Sequence[Span]) -> None:
        """Writes spans inside a transaction, replacing the checkpointed version of an open span."""
        for sp in spans:
            values = (sp.end, sp.mean_dev, sp.max_dev, sp.samples, sp.basis, session_id, sp.state, sp.start)
            updated = db.execute(
                "UPDATE spans SET end = ?, mean_dev = ?, max_dev = ?, samples = ?, basis = ? "
                "WHERE session_id IS ? AND state = ? AND start = ?",
                values,
            ).rowcount
            if not updated:
                db.execute(
                    "INSERT INTO spans(end, mean_dev, max_dev, samples, basis, session_id, state, start) "
                    "VALUES (?,?,?,?,?,?,?,?)",
                    values,
                )

    def close_stale_sessions(self) -> int:
        """Ends sessions left open by a crash at their last written span; returns how many."""
        with self.transaction() as db:
            return db.execute(
                "UPDATE sessions SET end = COALESCE("
                "(SELECT MAX(end) FROM spans WHERE spans.session_id = sessions.id), start) "
                "WHERE end IS NULL"
            ).rowcount

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
                "SELECT state, start, end, mean_dev, max_dev, samples, basis FROM spans "
                "WHERE end > ? AND start < ? ORDER BY start",
                (start, end),
            ).fetchall()
        except sqlite3.DatabaseError as err:
            raise _store_error(self.path, err) from err
        # Logs written before the input checks may hold an infinite end; it ends at the query.
        return [Span(r[0], r[1], min(r[2], end) if not math.isfinite(r[2]) else r[2], *r[3:]) for r in rows]

    def alerts(self, start: float, end: float) -> list[AlertRecord]:
        try:
            rows = self.db.execute(
                "SELECT t, kind, exercise, route FROM alerts WHERE t >= ? AND t < ? ORDER BY t", (start, end)
            ).fetchall()
        except sqlite3.DatabaseError as err:
            raise _store_error(self.path, err) from err
        return [AlertRecord(*r) for r in rows]


def _store_error(path: str, err: sqlite3.Error) -> StoreError:
    text = str(err)
    if "locked" in text or "busy" in text:
        return StoreBusyError(
            f"the posture log {path} is locked by another program", "stop the other slumpwatch and retry"
        )
    if "disk is full" in text or "SQLITE_FULL" in text:
        return StoreBusyError(f"disk full: cannot write the posture log {path}", "free some disk space")
    if "unable to open" in text or "readonly" in text:
        return StoreError(
            f"cannot write the posture log {path} ({text})", "check the file and its folder permissions"
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return StoreError(
            f"the posture log {path} is corrupt ({text})",
            "move it aside and slumpwatch starts a new one; it was not modified",
        )
    if "disk I/O" in text and _disk_nearly_full(path):
        return StoreBusyError(f"disk full: cannot write the posture log {path}", "free some disk space")
    if "disk I/O" in text:
        return StoreBusyError(f"posture log error in {path}: {text}", "check the disk and free space")
    return StoreError(f"posture log error in {path}: {text}", "check the file and its folder permissions")


def _disk_nearly_full(path: str) -> bool:
    """SQLite reports some writes on a full disk as an I/O error; free space tells them apart."""
    if path == ":memory:":
        return False
    try:
        return shutil.disk_usage(Path(path).parent).free < 64 * 1024
    except OSError:
        return False


class SpanMerger:
    """Merges consecutive samples in the same state into spans (``heartbeat_merge``)."""

    def __init__(self) -> None:
        self.state: str | None = None
        self.basis: str | None = None
        self.start = 0.0
        self._sum = 0.0
        self._n = 0
        self._max: float | None = None

    def add(
        self, t: float, state: str, deviation: float | None = None, basis: str | None = None
    ) -> Span | None:
        """Adds a sample; returns the span it closed, if the state (or what it was judged against)
        changed. ``basis`` None keeps the open span's."""
        closed = None
        if basis is None:
            basis = self.basis if self.state is not None else None
        if state != self.state or basis != self.basis:
            closed = self.close(t)
            self.state, self.start, self.basis = state, t, basis
        if deviation is not None:
            self._sum += deviation
            self._n += 1
            self._max = deviation if self._max is None else max(self._max, deviation)
        return closed

    def peek(self, t: float) -> Span | None:
        """The open span as it stands at ``t`` (for checkpoints), without closing it."""
        if self.state is None or t <= self.start:
            return None
        mean = self._sum / self._n if self._n else None
        return Span(self.state, self.start, t, mean, self._max, self._n, self.basis)

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
            self.basis,
        )
        self.state, self._sum, self._n, self._max = None, 0.0, 0, None
        return span if span.end > span.start else None


@dataclass
class _SessionWrites:
    """What one monitoring session still has to write."""

    start: float
    profile: str
    camera: str
    settings: Mapping[str, object]
    id: int | None = None
    spans: dict[tuple[str, float], Span] = field(default_factory=dict)
    alerts: list[AlertRecord] = field(default_factory=list)
    end: float | None = None
    anonymous: bool = False  # records written without a session (a monitor that was never started)

    def pending(self) -> int:
        unsaved = self.id is None and not self.anonymous
        return len(self.spans) + len(self.alerts) + unsaved + (self.end is not None)


class BufferedLog:
    """The monitor's writer: a locked or full log delays writes, it never ends monitoring.

    Spans (keyed by state and start, so a checkpoint of the open span replaces the previous one)
    and alerts wait in a bounded in-memory queue; ``flush`` writes all of it in one transaction.
    While the log cannot be written, one message says so, and one more when it can again.
    """

    def __init__(
        self,
        store: Store,
        on_message: Callable[[str], None],
        limit: int = 20_000,
        retry_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.on_message = on_message
        self.limit = limit
        self.retry_s = retry_s
        self.clock = clock
        self.queue: list[_SessionWrites] = []
        self.failing: StoreError | None = None
        self.lost = 0
        self._next_try = 0.0

    @property
    def session_id(self) -> int | None:
        return self.queue[-1].id if self.queue else None

    def start_session(self, t: float, profile: str, camera: str, settings: Mapping[str, object]) -> None:
        self.queue.append(_SessionWrites(t, profile, camera, settings))
        self.flush(force=True)

    def _current(self) -> _SessionWrites:
        if not self.queue:
            self.queue.append(_SessionWrites(0.0, "", "", {}, anonymous=True))
        return self.queue[-1]

    def put_span(self, span: Span) -> None:
        self._current().spans[(span.state, span.start)] = span
        self._bound()

    def put_alert(self, alert: AlertRecord) -> None:
        self._current().alerts.append(alert)
        self._bound()

    def end_session(self, t: float) -> None:
        if self.queue:
            self.queue[-1].end = t

    def pending(self) -> int:
        return sum(w.pending() for w in self.queue)

    def _bound(self) -> None:
        while self.pending() > self.limit:
            oldest = next(w for w in self.queue if w.spans or w.alerts)
            if oldest.spans:
                oldest.spans.pop(next(iter(oldest.spans)))
            else:
                oldest.alerts.pop(0)
            if not self.lost:
                self.on_message(
                    "the posture log has been unwritable too long; "
                    f"dropping the oldest of {self.limit} queued records"
                )
            self.lost += 1

    def flush(self, force: bool = False) -> bool:
        """Writes what is pending; True when nothing is left. Only a busy/full log is retried."""
        if not self.pending():
            return True
        if not force and self.failing is not None and self.clock() < self._next_try:
            return False
        created: list[_SessionWrites] = []
        written = self.pending()
        try:
            with self.store.transaction() as db:
                for w in self.queue:
                    if w.id is None and not w.anonymous:
                        cur = db.execute(
                            "INSERT INTO sessions(start, profile, camera, settings) VALUES (?, ?, ?, ?)",
                            (w.start, w.profile, w.camera, json.dumps(w.settings, default=str)),
                        )
                        w.id = int(cur.lastrowid or 0)
                        created.append(w)
                    self.store.put_spans(db, w.id, list(w.spans.values()))
                    db.executemany(
                        "INSERT INTO alerts(session_id, t, kind, exercise, route) VALUES (?,?,?,?,?)",
                        [(w.id, a.t, a.kind, a.exercise, a.route) for a in w.alerts],
                    )
                    if w.end is not None and w.id is not None:
                        db.execute("UPDATE sessions SET end = ? WHERE id = ?", (w.end, w.id))
        except StoreBusyError as err:
            for w in created:  # rolled back with the transaction
                w.id = None
            if self.failing is None:
                self.on_message(f"{err}; keeping posture data in memory and retrying")
            self.failing = err
            self._next_try = self.clock() + self.retry_s
            return False
        if self.failing is not None:
            self.on_message(f"the posture log is writable again; wrote {written} queued records")
            self.failing = None
        for w in self.queue:
            w.spans.clear()
            w.alerts.clear()
        self.queue = [w for w in self.queue if w.end is None and not w.anonymous]
        return True

    def finish(self, wait_s: float = 10.0, sleep: Callable[[float], None] = time.sleep) -> None:
        """Writes everything before exit, waiting up to ``wait_s`` for a busy log."""
        deadline = self.clock() + wait_s
        while not self.flush(force=True):
            if self.clock() >= deadline:
                assert self.failing is not None
                raise StoreError(
                    f"{self.pending()} posture records could not be written: {self.failing}",
                    self.failing.hint,
                )
            sleep(min(0.5, self.retry_s))
