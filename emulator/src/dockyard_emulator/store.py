"""SQLite persistence: settings, resources, long-running operations and the request log.

One connection shared by the server threads, serialised by a re-entrant lock; every
multi-statement change runs inside ``transaction()`` (BEGIN IMMEDIATE ... COMMIT).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypedDict

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS resources (
    key TEXT PRIMARY KEY,          -- lower-cased resource id
    id TEXT NOT NULL,              -- id as created
    type TEXT NOT NULL,            -- lower-cased full type, e.g. microsoft.resources/resourcegroups
    body TEXT NOT NULL,            -- the ARM representation (JSON)
    internal TEXT NOT NULL DEFAULT '{}',  -- emulator-private data (JSON)
    created TEXT NOT NULL,
    changed TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS resources_type ON resources (type);
CREATE TABLE IF NOT EXISTS operations (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    due REAL,                      -- epoch seconds when it completes; NULL: completed by its handler
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS operations_due ON operations (status, due);
CREATE TABLE IF NOT EXISTS requests (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    data TEXT NOT NULL
);
"""


class Resource(TypedDict):
    """A stored resource: its ARM representation (``body``) and the emulator-private data (``internal``)."""

    id: str
    type: str        # lower-cased full type, e.g. microsoft.compute/virtualmachines
    body: dict[str, Any]
    internal: dict[str, Any]
    created: str
    changed: str


# A long-running operation as stored (see lro.start for its keys: id, kind, target, type, status, due, ...).
Operation = dict[str, Any]


class Store:
    def __init__(self, path: str | Path) -> None:
        self._lock = threading.RLock()
        self._depth = 0
        self.generation = 0  # bumped by every resource write: derived data cached per request keys on it
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self
                finally:
                    self._depth -= 1
                return
            self.db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            else:
                self.db.execute("COMMIT")
            finally:
                self._depth = 0

    def _all(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        with self._lock:
            return self.db.execute(sql, args).fetchall()

    def _run(self, sql: str, *args: Any) -> sqlite3.Cursor:
        with self._lock:
            return self.db.execute(sql, args)

    # settings ---------------------------------------------------------------------------
    def get(self, key: str, default: Any = None) -> Any:
        rows = self._all("SELECT value FROM meta WHERE key = ?", key)
        return json.loads(rows[0]["value"]) if rows else default

    def put(self, key: str, value: Any) -> None:
        self._run("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", key, json.dumps(value))

    # resources --------------------------------------------------------------------------
    @staticmethod
    def _resource(row: sqlite3.Row) -> Resource:
        return {
            "id": row["id"], "type": row["type"], "body": json.loads(row["body"]),
            "internal": json.loads(row["internal"]), "created": row["created"], "changed": row["changed"],
        }

    def resource(self, rid: str) -> Resource | None:
        rows = self._all("SELECT * FROM resources WHERE key = ?", rid.lower())
        return self._resource(rows[0]) if rows else None

    def save_resource(self, rid: str, rtype: str, body: dict[str, Any], internal: dict[str, Any] | None,
                      now: str) -> None:
        self.generation += 1
        self._run(
            "INSERT INTO resources (key, id, type, body, internal, created, changed) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(key) DO UPDATE SET body = excluded.body, internal = excluded.internal,"
            " changed = excluded.changed",
            rid.lower(), rid, rtype.lower(), json.dumps(body), json.dumps(internal or {}), now, now,
        )

    def resources(self, prefix: str = "", types: list[str] | None = None, containing: str | None = None) -> list[Resource]:
        """Resources whose id starts with ``prefix`` (case-insensitive), optionally of given types, optionally only
        those whose representation contains the text ``containing`` (case-insensitive; e.g. an id they reference:
        SQLite scans the stored text, so back-references stay cheap at fleet size)."""
        prefix = prefix.lower()
        sql, args = "SELECT * FROM resources WHERE substr(key, 1, ?) = ?", [len(prefix), prefix]
        if types is not None:
            types = [t.lower() for t in types]
            sql += " AND type IN (%s)" % ",".join("?" * len(types))
            args += types
        if containing:
            # LIKE is case-insensitive for ASCII; its wildcards only widen the match (callers check exactly).
            sql += " AND body LIKE ?"
            args.append(f"%{containing}%")
        return [self._resource(r) for r in self._all(sql + " ORDER BY key", *args)]

    def delete_resource(self, rid: str) -> None:
        self.generation += 1
        self._run("DELETE FROM resources WHERE key = ?", rid.lower())

    # operations -------------------------------------------------------------------------
    def operation(self, op_id: str) -> Operation | None:
        rows = self._all("SELECT data FROM operations WHERE id = ?", op_id)
        return json.loads(rows[0]["data"]) if rows else None

    def save_operation(self, op: Operation) -> None:
        self._run(
            "INSERT OR REPLACE INTO operations (id, status, due, data) VALUES (?, ?, ?, ?)",
            op["id"], op["status"], op.get("due"), json.dumps(op),
        )

    def due_operations(self, now: float) -> list[Operation]:
        rows = self._all(
            "SELECT data FROM operations WHERE status = 'InProgress' AND due IS NOT NULL AND due <= ? ORDER BY due", now
        )
        return [json.loads(r["data"]) for r in rows]

    def background_operations(self) -> list[Operation]:
        """Operations in progress that their handler completes (``due`` NULL)."""
        rows = self._all("SELECT data FROM operations WHERE status = 'InProgress' AND due IS NULL")
        return [json.loads(r["data"]) for r in rows]

    def operations_for(self, target_key: str) -> list[Operation]:
        rows = self._all("SELECT data FROM operations WHERE status = 'InProgress'")
        return [op for op in map(json.loads, (r["data"] for r in rows)) if op["target"].lower() == target_key]

    # request log ------------------------------------------------------------------------
    def log_request(self, entry: dict[str, Any]) -> None:
        self._run("INSERT INTO requests (data) VALUES (?)", json.dumps(entry))

    def requests(self, since: int = 0) -> list[dict[str, Any]]:
        rows = self._all("SELECT seq, data FROM requests WHERE seq > ? ORDER BY seq", since)
        return [{"seq": r["seq"], **json.loads(r["data"])} for r in rows]

    def clear_requests(self) -> int:
        return self._run("DELETE FROM requests").rowcount
