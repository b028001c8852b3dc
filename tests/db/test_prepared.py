"""Prepared queries: written with peewee, compiled once per kind of database, run with new values."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from inspect_app.auth import issue_token
from inspect_app.clock import SHANGHAI
from inspect_app.db import bind, release
from inspect_app.models import Department, Entity, Licence, Token
from inspect_app.prepared import Prepared
from tests.factories import make_entity, make_licence, make_user

ISSUED = datetime(2026, 12, 1, 8, 30, tzinfo=SHANGHAI)  # 上午 8:30 in Baoshan, 00:30 UTC


@pytest.fixture
def db(db_url):
    """The migrated test database (catalogue loaded), bound and connected, on each engine."""
    db = bind(db_url)
    with db.connection_context():
        yield db
    release(db)


def _department(code):
    return (
        Department.select(Department.id, Department.code, Department.name)
        .where(Department.code == code)
        .dicts()
    )


def _licences_of(entity_id):
    return (
        Licence.select(Licence, Entity)
        .join(Entity)
        .where(Entity.id == entity_id)
        .order_by(Licence.number)
    )


def _seen(licences) -> list[tuple]:
    return [(lic.number, lic.status, lic.holder.name, lic.updated_at) for lic in licences]


def _tokens_valid_after(user_id, at):
    return (
        Token.select(Token.device)
        .where((Token.user == user_id) & (Token.expires_at > at))
        .order_by(Token.expires_at)
        .tuples()
    )


def test_a_prepared_query_by_code_answers_as_peewee_does_for_each_code(db):
    prepared = Prepared(_department, code=str)

    culture = list(prepared.rows(code="CT"))
    fire = list(prepared.rows(code="FR"))

    assert culture == list(_department("CT")) and len(culture) == 1
    assert fire == list(_department("FR")) and len(fire) == 1
    assert culture != fire


def test_a_prepared_query_by_id_gives_converted_models_for_each_id(db):
    star, bakery = make_entity(0), make_entity(1)
    make_licence(star)
    make_licence(star)
    make_licence(bakery)
    prepared = Prepared(_licences_of, entity_id=int)

    for entity in (star, bakery):
        rows = list(prepared.rows(entity_id=entity.id))
        assert all(isinstance(row, Licence) for row in rows)
        assert _seen(rows) == _seen(_licences_of(entity.id))
    assert len(list(prepared.rows(entity_id=star.id))) == 2
    assert {lic.holder.name for lic in prepared.rows(entity_id=bakery.id)} == {
        "上海宝山区麦香坊烘焙店"
    }
    assert all(lic.updated_at.tzinfo is not None for lic in prepared.rows(entity_id=star.id))


def test_first_gives_the_drivers_tuple_or_none(db):
    prepared = Prepared(
        lambda code: (
            Department.select(Department.code, Department.name)
            .where(Department.code == code)
            .tuples()
        ),
        code=str,
    )

    culture = Department.get(Department.code == "CT")
    assert prepared.first(code="CT") == (culture.code, culture.name)
    assert prepared.first(code="ZZ") is None


def test_a_datetime_filter_selects_the_tokens_still_valid_at_that_moment(db):
    user = make_user("inspector", "CT")
    for device, hours in (("平板-01", 1), ("平板-07", 8), ("web", 24 * 30)):
        issue_token(user, device, ISSUED, timedelta(hours=hours))
    prepared = Prepared(_tokens_valid_after, user_id=int, at=datetime)

    def valid_at(moment: datetime) -> list[str]:
        rows = prepared.rows(user_id=user.id, at=Token.expires_at.db_value(moment))
        devices = [device for (device,) in rows]
        assert devices == [device for (device,) in _tokens_valid_after(user.id, moment)]
        return devices

    assert valid_at(ISSUED + timedelta(minutes=30)) == ["平板-01", "平板-07", "web"]
    assert valid_at(ISSUED + timedelta(hours=2)) == ["平板-07", "web"]
    assert valid_at(ISSUED + timedelta(days=1)) == ["web"]
    assert valid_at(ISSUED + timedelta(days=31)) == []


def test_a_value_that_never_reaches_the_sql_is_refused_by_name(db):
    prepared = Prepared(lambda code: Department.select(), code=str)

    with pytest.raises(ValueError, match="code"):
        prepared.rows(code="CT")


def test_the_query_is_built_once_however_often_it_runs(db):
    built = []

    def build(code):
        built.append(code)
        return _department(code)

    prepared = Prepared(build, code=str)
    answers = [list(prepared.rows(code=code)) for code in ("CT", "FR", "PS", "CT")]
    answers.append(prepared.first(code="FR"))

    assert len(built) == 1
    assert [a[0]["code"] for a in answers[:4]] == ["CT", "FR", "PS", "CT"]
    assert answers[4] is not None
