"""Queries built once and run many times: the tablet's hot reads skip peewee's SQL building.

Building the SQL string is most of what a small peewee query costs (~0.2 ms, against ~0.03 ms for
SQLite to run it), and a tablet's sync asks the same few questions thousands of times an hour. A
`Prepared` query is written with peewee as usual, so its SQL stays portable between SQLite and
PostgreSQL; it is compiled once per kind of database with a marker in place of each value, and each
run swaps the markers in the compiled parameters for the values given.

On PostgreSQL the statement is also prepared on the server, once per connection (PREPARE, then
EXECUTE): planning the sign-in and state queries cost PostgreSQL several times their execution.

A tablet write's own statements (the item, the audit entry, the head, the version, the operation,
the kept copy) are prepared the same way: `run()` gives the rows a write changed, and a
`PreparedInsert` the new row's id. Their values are written as given (`raw`), so the caller hands
each one over as its column stores it (the field's db_value; PreparedInsert converts them itself).
"""

from __future__ import annotations

import itertools
import re
import threading
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import peewee

from inspect_app.db import database
from inspect_app.peewee_internals import cursor_wrapper

# Markers cannot be real values: requests carrying a NUL character are refused before any view,
# and no key in the registry is negative.
# A datetime value is passed as its field's db_value (what peewee would have sent).
_MARKERS = {
    int: lambda n: -(2**62) - n,
    str: lambda n: f"\x00prepared-value-{n}\x00",
    datetime: lambda n: datetime(1, 1, 1, 0, 0, n),
}


def raw(marker: Any) -> peewee.Value:
    """A write's value sent as given, no field converting it: the caller passes the db_value."""
    return peewee.Value(marker, converter=False)


_NAMES = itertools.count(1)
# Which statements each PostgreSQL connection has prepared (a connection forgets them when it
# closes, and so does this map).
_READY: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()
_READY_LOCK = threading.Lock()


class Prepared:
    """A peewee query with named values, compiled once per database class.

    `build` receives one marker per name (of the type given in `kinds`, matching the field it is
    compared with) and returns the query; the markers must reach the SQL as plain parameters.
    rows() come back as the query would give them (models, tuples or dicts, values converted by
    their fields, through peewee's own cursor wrapper); first() gives the driver's raw tuple.
    """

    def __init__(self, build: Callable[..., peewee.BaseQuery], **kinds: type) -> None:
        self.build = build
        self.markers = {name: _MARKERS[kind](n) for n, (name, kind) in enumerate(kinds.items())}
        self._compiled: dict[type, _Compiled] = {}
        self.name = f"lianjian_prepared_{next(_NAMES)}"

    def _compile(self) -> _Compiled:
        query = self.build(**self.markers)
        sql, params = query.sql()  # in the bound database's dialect
        slots = {
            name: [i for i, p in enumerate(params) if p == m] for name, m in self.markers.items()
        }
        missing = [name for name, where in slots.items() if not where]
        if missing:
            raise ValueError(f"prepared query: no parameter carries {missing}")
        return _Compiled(query, sql, tuple(params), slots)

    def _run_prepared(self, db: peewee.Database, compiled: _Compiled, params: list) -> Any:
        connection = db.connection()
        if self.name not in _READY.get(connection, ()):
            db.execute_sql(f"PREPARE {self.name} AS {_numbered(compiled.sql)}")
            with _READY_LOCK:
                _READY.setdefault(connection, set()).add(self.name)
        return db.execute_sql(f"EXECUTE {self.name} ({', '.join(['%s'] * len(params))})", params)

    def _execute(self, values: dict[str, Any]) -> tuple[_Compiled, Any]:
        db = database.obj
        compiled = self._compiled.get(type(db))
        if compiled is None:
            compiled = self._compiled[type(db)] = self._compile()
        params = list(compiled.params)
        for name, where in compiled.slots.items():
            for i in where:
                params[i] = values[name]
        if isinstance(db, peewee.PostgresqlDatabase):
            return compiled, self._run_prepared(db, compiled, params)
        return compiled, db.execute_sql(compiled.sql, params)

    def rows(self, **values: Any) -> Iterable:
        """Run with these values on the bound database."""
        compiled, cursor = self._execute(values)
        return cursor_wrapper(compiled.query, cursor, compiled.shape)

    def one(self, **values: Any) -> Any:
        """The first row as rows() gives it (a model, tuple or dict), or None."""
        return next(iter(self.rows(**values)), None)

    def run(self, **values: Any) -> int:
        """Run a write (an INSERT, UPDATE or upsert) with these values: the rows it changed."""
        return self._execute(values)[1].rowcount

    def first(self, **values: Any) -> tuple | None:
        """The first row as the database driver gives it, unconverted: for values that are only
        compared or hashed, on the hottest paths (convert others with their field's python_value)."""
        return self._execute(values)[1].fetchone()


class PreparedInsert(Prepared):
    """One row into `model`, always the same columns (`names`; the others take their database
    default): `new_id()` takes the values as the model's fields take them and gives the new id.
    `unless_taken` (the fields of a unique index): a row already holding those values is left as
    it is, nothing is inserted and new_id() gives None (no error: on PostgreSQL the transaction
    goes on)."""

    def __init__(
        self, model: type[peewee.Model], *names: str, unless_taken: tuple[peewee.Field, ...] = ()
    ) -> None:
        self.fields = [model._meta.fields[name] for name in names]
        self.model = model
        self.unless_taken = unless_taken
        super().__init__(self._insert, **dict.fromkeys(names, str))

    def _insert(self, **markers: Any) -> peewee.BaseQuery:
        query = self.model.insert({field: raw(markers[field.name]) for field in self.fields})
        if self.unless_taken:
            query = query.on_conflict(conflict_target=self.unless_taken, action="NOTHING")
        if database.obj.returning_clause:  # PostgreSQL: the id comes back in the result
            query = query.returning(self.model._meta.primary_key)
        return query

    def new_id(self, *, stored: dict[str, Any] | None = None, **values: Any) -> int | None:
        """`stored`: values given as their columns store them already (a body's JSON text)."""
        stored = stored or {}
        converted = {
            field.name: stored[field.name]
            if field.name in stored
            else field.db_value(values[field.name])
            for field in self.fields
        }
        cursor = self._execute(converted)[1]
        if database.obj.returning_clause:
            row = cursor.fetchone()
            return None if row is None else row[0]
        return cursor.lastrowid if cursor.rowcount else None


def _numbered(sql: str) -> str:
    """psycopg2's %s placeholders as PostgreSQL's own $1, $2, … (and %% back to %)."""
    numbers = itertools.count(1)
    return re.sub(r"%[s%]", lambda m: "%" if m.group() == "%%" else f"${next(numbers)}", sql)


@dataclass(frozen=True)
class _Compiled:
    query: peewee.BaseQuery
    sql: str
    params: tuple
    slots: dict[str, list[int]]
    shape: dict = field(default_factory=dict)  # the rows' converters, learnt on the first run
