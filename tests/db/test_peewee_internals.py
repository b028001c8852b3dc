"""The private peewee internals the hot paths rely on still exist, with the parameters we pass:
a peewee upgrade that changes one fails here, by name, before it fails anywhere subtler."""

from __future__ import annotations

import inspect

import peewee
import pytest
from playhouse.pool import PooledDatabase

from inspect_app.peewee_internals import PRIVATE, BeginWithFirstStatement, PooledPostgres


@pytest.mark.parametrize(
    ("owner", "name", "parameters"), PRIVATE, ids=[f"{o.__name__}.{n}" for o, n, _ in PRIVATE]
)
def test_each_private_attribute_we_use_is_there_with_its_parameters(owner, name, parameters):
    where = f"{owner.__module__}.{owner.__name__}.{name} (peewee {peewee.__version__})"
    assert hasattr(owner, name), f"{where} is gone: inspect_app/peewee_internals.py relies on it"
    found = tuple(inspect.signature(getattr(owner, name)).parameters)
    assert found == parameters, f"{where} now takes {found}, not {parameters}"


def test_the_pool_still_asks_is_closed_when_it_hands_out_a_connection():
    assert {"_close", "_is_closed"} <= set(vars(PooledPostgres))
    source = inspect.getsource(PooledDatabase._connect)
    assert "self._is_closed(" in source, "PooledDatabase._connect no longer asks _is_closed()"


def test_a_cursor_wrapper_still_initializes_lazily_once_by_its_flag():
    source = inspect.getsource(peewee.CursorWrapper.iterate)
    assert "if not self.initialized" in source.replace("elif", "if"), "iterate() changed"
    assert "self.initialize()" in source, "CursorWrapper.iterate no longer calls initialize()"


def test_the_cursor_wrapper_is_what_execute_uses():
    source = inspect.getsource(peewee.BaseQuery._execute)
    assert "_get_cursor_wrapper(" in source, "BaseQuery._execute no longer wraps its cursor so"


def test_transactions_still_begin_and_end_through_the_methods_we_override():
    """BeginWithFirstStatement sends a transaction's BEGIN with its first statement: peewee must
    still open and close transactions through begin()/commit()/rollback(), send savepoints
    through execute_sql(), and spell PostgreSQL's BEGIN from its isolation level as we do."""
    assert "self.db.begin(" in inspect.getsource(peewee._transaction._begin)
    assert "self.db.execute_sql(" in inspect.getsource(peewee._savepoint._begin)
    begin = inspect.getsource(peewee.PostgresqlDatabase.begin)
    assert "self._isolation_level" in begin and "isolation_level_str(" in begin
    assert "BEGIN TRANSACTION ISOLATION LEVEL %s" in begin
    assert {"begin", "commit", "rollback", "execute_sql"} <= set(vars(BeginWithFirstStatement))
