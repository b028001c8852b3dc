"""Issue 14: the seed source is committed at freeze and its value checked at the draw, so the
person who runs the draw cannot steer it (values chosen after freeze, a respelled parameter,
another round, a round that already exists at freeze)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from inspect_app.errors import AppError
from inspect_app.models import Draw, SpotCheckTask
from inspect_app.services import draws
from scheduler.beacon import TestChain, first_round_at_or_after
from tests import factories
from tests.factories import (
    TEST_CHAIN,
    TEST_SEED_SOURCE,
    accept_partners,
    accept_partners_as_planners,
    internet_cafes,
    joint_ic_task_body,
    login,
    make_inspector,
)

ANOTHER_CHAIN = TestChain.generate(TEST_CHAIN.info.genesis_time, 3, b"a chain nobody pinned here")
# Six draws of 6 from 49 (≈ 142 bits), as a public session would announce them.
LOTTERY = {
    "kind": "lottery",
    "date": "2099-01-05",
    "name": "宝山区行政服务中心公开摇号",
    "draws": [{"count": 6, "min": 1, "max": 49}] * 6,
}
NUMBERS = [[3, 17, 22, 31, 8, 45], [1, 2, 3, 4, 5, 6], [7, 14, 21, 28, 35, 42]] + [
    [10, 20, 30, 40, 41, 49]
] * 3


@pytest.fixture
def planner():
    internet_cafes(4)
    for n in range(1, 4):
        for department in ("CT", "PS", "FR"):
            make_inspector(f"{department}{n:04d}", department)
    return login("planner", "CT")


def _task(client, planner, **overrides) -> str:
    created = client.post("/api/v1/tasks", json=joint_ic_task_body(**overrides), headers=planner)
    assert created.status_code == 201, created.get_json()
    code = created.get_json()["code"]
    accept_partners(client, code)
    return code


def _frozen(client, planner, seed_source=None) -> tuple[str, dict]:
    code = _task(client, planner)
    frozen = factories.freeze(client, code, planner, seed_source)
    assert frozen.status_code == 201, frozen.get_json()
    return code, frozen.get_json()


def _bilingual(response, status: str) -> dict:
    body = response.get_json()
    assert response.status_code == 422, body
    assert body["status"] == status, body
    assert body["message"]["zh"] and body["message"]["en"]
    return body


def test_freeze_picks_the_first_round_after_freeze_plus_the_delay_and_commits_it(client, planner):
    before = datetime.now(UTC).timestamp()
    code, frozen = _frozen(client, planner)
    source = frozen["seed_source"]
    assert source == {"kind": "drand", "chain_hash": TEST_CHAIN.info.hash, "round": source["round"]}
    earliest = first_round_at_or_after(TEST_CHAIN.info, before + 600)
    assert earliest <= source["round"] <= earliest + 10
    row = Draw.get()
    assert row.algorithm_version == "double-random/2" and row.params["seed_source"] == source
    public = client.get(f"/api/v1/public/draws/{code}").get_json()
    assert public["seed_source"] == source and public["committed_at"] and "seed" not in public


def test_a_drand_round_signed_by_the_test_key_verifies_and_draws(client, planner):
    code, frozen = _frozen(client, planner)
    drawn = factories.draw(client, code, planner)
    assert drawn.status_code == 201, drawn.get_json()
    reveal = drawn.get_json()["reveal"]
    assert reveal["round"] == frozen["seed_source"]["round"]
    assert reveal == {k: factories.beacon_round(code)[k] for k in reveal}
    assert client.get(f"/api/v1/public/draws/{code}/verify").get_json()["ok"] is True


def test_values_not_from_the_announced_round_are_refused(client, planner):
    code, frozen = _frozen(client, planner)
    announced = frozen["seed_source"]["round"]
    for other in (announced - 1, announced + 1):
        refused = factories.draw(client, code, planner, beacon=factories.beacon_round(code, other))
        body = _bilingual(refused, "SEED_REFUSED")
        assert "announced round" in body["errors"]["beacon"][0]["en"]
    typed = client.post(
        f"/api/v1/tasks/{code}/draw",
        json={"source_values": ["3 17 22 31 8"], "provenance": "公开摇号"},
        headers=planner,
    )
    assert typed.status_code == 422
    assert SpotCheckTask.get(SpotCheckTask.code == code).status == "FROZEN"


def test_a_tampered_signature_is_refused(client, planner):
    code, _ = _frozen(client, planner)
    beacon = factories.beacon_round(code)
    flipped = ("0" if beacon["signature"][10] != "0" else "1").join(
        (beacon["signature"][:10], beacon["signature"][11:])
    )
    refused = factories.draw(client, code, planner, beacon={**beacon, "signature": flipped})
    _bilingual(refused, "SEED_REFUSED")
    assert Draw.get().seed is None


def test_another_chains_round_is_refused(client, planner):
    code, frozen = _frozen(client, planner)
    stranger = ANOTHER_CHAIN.sign(frozen["seed_source"]["round"])
    _bilingual(factories.draw(client, code, planner, beacon=stranger), "SEED_REFUSED")
    unpinned = {"kind": "drand", "chain_hash": ANOTHER_CHAIN.info.hash}
    refused = factories.freeze(client, _task(client, planner), planner, unpinned)
    _bilingual(refused, "UNKNOWN_CHAIN")


def test_a_round_before_freeze_plus_the_delay_is_refused(client, planner):
    code = _task(client, planner)
    now = datetime.now(UTC).timestamp()
    too_early = first_round_at_or_after(TEST_CHAIN.info, now + 300)  # 5 minutes: not enough
    source = TEST_SEED_SOURCE | {"round": too_early}
    body = _bilingual(factories.freeze(client, code, planner, source), "SEED_ROUND_TOO_EARLY")
    assert body["errors"]["seed_source"]["first_allowed_round"] > too_early
    assert Draw.select().count() == 0
    later = first_round_at_or_after(TEST_CHAIN.info, now + 3600)
    frozen = factories.freeze(client, code, planner, TEST_SEED_SOURCE | {"round": later})
    assert frozen.status_code == 201 and frozen.get_json()["seed_source"]["round"] == later


def test_a_round_in_the_future_is_not_refused_for_its_time(client, planner):
    """A real round cannot exist early; the test chain signs ahead and the draw accepts it."""
    code, frozen = _frozen(client, planner)
    assert TEST_CHAIN.info.genesis_time + 3 * frozen["seed_source"]["round"] > (
        datetime.now(UTC).timestamp()
    )
    assert factories.draw(client, code, planner).status_code == 201


@pytest.mark.parametrize(
    "source",
    [
        {"kind": "drand"},
        {"kind": "drand", "chain_hash": TEST_CHAIN.info.hash.upper()},
        {"kind": "drand", "chain_hash": TEST_CHAIN.info.hash, "round": 1.0},
        {"kind": "nist", "chain_hash": TEST_CHAIN.info.hash},
        {"kind": "lottery", "date": "2099-01-05", "name": "摇号", "draws": []},
    ],
)
def test_a_malformed_seed_source_is_refused_at_freeze(client, planner, source):
    refused = factories.freeze(client, _task(client, planner), planner, source)
    assert refused.status_code == 422 and refused.get_json()["message"]["zh"]
    assert Draw.select().count() == 0


def test_freeze_without_a_seed_source_is_refused(client, planner):
    code = _task(client, planner)
    refused = client.post(f"/api/v1/tasks/{code}/freeze", json={}, headers=planner)
    assert refused.status_code == 422 and "seed_source" in refused.get_json()["errors"]["json"]


def _ratio_body(ratio: str) -> dict:
    body = joint_ic_task_body(ratios={"D": ratio, "C": "0.15"})
    del body["fixed_count"]
    return body


def test_a_second_spelling_of_a_ratio_is_refused(client, planner):
    for spelling in ("0.150", "0.40", "1.0", "1.5e-1", "0.0"):
        created = client.post("/api/v1/tasks", json=_ratio_body(spelling), headers=planner)
        assert created.status_code == 422, spelling
        assert "one spelling" in str(created.get_json()["errors"]), created.get_json()
    created = client.post("/api/v1/tasks", json=_ratio_body("0.4"), headers=planner)
    assert created.status_code == 201, created.get_json()
    code = created.get_json()["code"]
    accept_partners(client, code)
    frozen = factories.freeze(client, code, planner)
    assert frozen.status_code == 201 and Draw.get().params["ratios"] == {"C": "0.15", "D": "0.4"}


def test_a_second_spelling_from_the_console_is_refused_at_freeze(app, planner):
    from inspect_app.services import draws, tasks
    from tests.factories import ADMIN

    data = joint_ic_task_body(ratios={"D": "0.150"}) | {"lead": "CT"}
    del data["fixed_count"]
    for day in ("period_start", "period_end", "deadline"):
        data[day] = datetime.fromisoformat(data[day]).date()
    task = tasks.create_task(ADMIN, data, datetime.now(UTC))
    accept_partners_as_planners(task.code, datetime.now(UTC))
    with pytest.raises(AppError) as refused:
        draws.freeze_task(ADMIN, task.code, TEST_SEED_SOURCE, datetime.now(UTC))
    assert "0.150" in str(refused.value.errors["ratios"]) and Draw.select().count() == 0


def test_the_default_ratios_are_frozen_in_their_canonical_spelling(client, planner):
    body = joint_ic_task_body()
    del body["fixed_count"]
    code = client.post("/api/v1/tasks", json=body, headers=planner).get_json()["code"]
    accept_partners(client, code)
    assert factories.freeze(client, code, planner).status_code == 201
    assert Draw.get().params["ratios"]["D"] == "0.4"  # the catalogue's "0.40"


def test_the_lottery_source_has_an_entropy_floor(client, planner):
    thin = LOTTERY | {"draws": [{"count": 5, "min": 1, "max": 90}] * 2}  # ≈ 51 bits
    body = _bilingual(
        factories.freeze(client, _task(client, planner), planner, thin), "VALIDATION_FAILED"
    )
    assert "128" in str(body["errors"]["seed_source"])
    assert Draw.select().count() == 0


def test_a_lottery_draw_takes_numbers_in_the_declared_ranges_and_says_unverifiable(client, planner):
    code, frozen = _frozen(client, planner, LOTTERY)
    assert frozen["seed_source"]["draws"][0] == {"count": 6, "min": 1, "max": 49}
    post = lambda numbers: client.post(  # noqa: E731
        f"/api/v1/tasks/{code}/draw", json={"numbers": numbers}, headers=planner
    )
    for bad in (
        NUMBERS[:5],  # a draw missing
        [[3, 17, 22, 31, 8, 50], *NUMBERS[1:]],  # 50 is out of range
        [[3, 3, 22, 31, 8, 45], *NUMBERS[1:]],  # a number twice
        [[3, 17, 22, 31, 8], *NUMBERS[1:]],  # five numbers of six
    ):
        _bilingual(post(bad), "SEED_REFUSED")
    drawn = post(NUMBERS)
    assert drawn.status_code == 201, drawn.get_json()
    public = client.get(f"/api/v1/public/draws/{code}").get_json()
    assert public["checkable_by_platform"] is False
    assert public["seed"]["checkable_by_platform"] is False
    assert "not checkable by the platform" in public["seed"]["provenance"]
    assert client.get(f"/api/v1/public/draws/{code}/verify").get_json()["ok"] is True


def test_a_lottery_session_before_the_freeze_is_refused(client, planner):
    past = LOTTERY | {"date": "2020-01-05"}
    _bilingual(factories.freeze(client, _task(client, planner), planner, past), "SEED_SESSION_PAST")


@pytest.mark.parametrize(
    ("now", "date", "refused"),
    [
        # 01:30 on 3 December in Beijing, still 2 December in UTC: the 2nd is yesterday there
        (datetime(2026, 12, 2, 17, 30, tzinfo=UTC), "2026-12-02", True),
        (datetime(2026, 12, 2, 17, 30, tzinfo=UTC), "2026-12-03", False),
        # 07:00 on 2 December in Beijing: the 2nd is today
        (datetime(2026, 12, 1, 23, 0, tzinfo=UTC), "2026-12-02", False),
        (datetime(2026, 12, 1, 23, 0, tzinfo=UTC), "2026-12-01", True),
    ],
)
def test_a_lottery_sessions_day_is_reckoned_in_beijing_time(now, date, refused):
    source = LOTTERY | {"date": date}
    if refused:
        with pytest.raises(AppError) as error:
            draws.announced_source(source, now)
        assert error.value.code == "SEED_SESSION_PAST"
    else:
        assert draws.announced_source(source, now)["date"] == date


def test_a_body_naming_a_key_twice_is_refused_not_read_as_its_last_value(client, planner):
    code = _task(client, planner)
    source = (
        f'{{"kind": "drand", "chain_hash": "{TEST_CHAIN.info.hash}", "round": 1, "round": null}}'
    )
    text = f'{{"seed_source": {source}}}'
    headers = planner | {"Content-Type": "application/json"}
    refused = client.post(f"/api/v1/tasks/{code}/freeze", data=text, headers=headers)
    body = refused.get_json()
    assert refused.status_code == 422 and "appears twice" in body["errors"]["json"][0]["en"]
    assert Draw.select().count() == 0
    assert factories.freeze(client, code, planner).status_code == 201
    beacon = factories.beacon_round(code)
    twice = f'{{"beacon": {json.dumps(beacon)}, "beacon": {json.dumps(beacon)}}}'
    refused = client.post(f"/api/v1/tasks/{code}/draw", data=twice, headers=headers)
    assert refused.status_code == 422 and Draw.get().seed is None
