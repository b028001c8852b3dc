"""The synthetic district: valid identifiers, determinism, geography, legal licence histories."""

from __future__ import annotations

import math
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from inspect_app.domain.credit_code import is_valid
from seeds.catalogue_loader import BAOSHAN_LAT, BAOSHAN_LON, load_catalogue
from seeds.synthetic import generate_district, holding_at, iter_entities, serialise
from seeds.synthetic.config import DEFAULT_CONFIG, SyntheticConfig
from seeds.synthetic.staff import generate_inspectors, inspectors_per_department

SEED = 20210612  # the day 宝府办〔2021〕36号 was issued
N = 3000
EARTH_RADIUS_KM = 6371.0
CHINESE = re.compile(r"^[\u4e00-\u9fff（）A-Z]+$")

# The lifecycle rules, written out independently of the generator.
ALLOWED_NEXT = {
    "none": {"NEW"},
    "active": {"CHANGE", "RENEW", "REPLACE", "SUSPEND", "CANCEL", "REVOKE"},
    "suspended": {"RESUME", "CANCEL", "REVOKE"},
    "ended": set(),
}
STATE_AFTER = {
    "NEW": "active", "CHANGE": "active", "RENEW": "active", "REPLACE": "active",
    "SUSPEND": "suspended", "RESUME": "active", "CANCEL": "ended", "REVOKE": "ended",
}  # fmt: skip


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture(scope="module")
def district(catalogue):
    return generate_district(N, SEED, catalogue)


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def _illegal_step(kinds: list[str]) -> str | None:
    state = "none"
    for position, kind in enumerate(kinds):
        if kind not in ALLOWED_NEXT[state]:
            return f"{kind} at {position} while {state}"
        state = STATE_AFTER[kind]
    return None


# Identifiers


def test_every_credit_code_is_valid(district):
    assert all(is_valid(e.credit_code) for e in district.entities)


def test_credit_codes_are_unique_over_a_large_district(catalogue):
    codes = [entity.credit_code for entity, _ in iter_entities(10_000, SEED, catalogue)]
    assert len(set(codes)) == len(codes)


def test_credit_codes_are_market_registrations_of_baoshan(district):
    for entity in district.entities:
        assert entity.credit_code[0] == "9"
        assert entity.credit_code[1] in "123"
        assert entity.credit_code[2:8] == "310113"


def test_individual_businesses_carry_registration_type_2(district):
    individuals = [e for e in district.entities if "个体工商户" in e.name]
    assert individuals
    assert all(e.credit_code[1] == "2" for e in individuals)


def test_licence_numbers_are_unique_and_ascii(district):
    numbers = [lic.number for lic in district.licences]
    assert len(set(numbers)) == len(numbers)
    assert all(re.fullmatch(r"BS-[A-Z]{2}-20\d\d-\d{6,}", n) for n in numbers)


def test_permit_numbers_are_unique_and_ascii(district):
    numbers = [p.number for lic in district.licences for p in lic.permits]
    assert len(set(numbers)) == len(numbers)
    assert all(n.isascii() for n in numbers)


def test_food_permits_follow_the_jy_number_layout(district):
    food = [p.number for lic in district.licences for p in lic.permits if p.permit == "FS-P1"]
    assert food
    assert all(re.fullmatch(r"JY[123]310113\d{7,}", n) for n in food)


# Determinism


def test_same_seed_gives_an_identical_district(catalogue, district):
    assert serialise(generate_district(N, SEED, catalogue)) == serialise(district)


def test_a_different_seed_gives_a_different_district(catalogue):
    first = generate_district(50, SEED, catalogue)
    second = generate_district(50, SEED + 1, catalogue)
    assert serialise(first) != serialise(second)
    assert {e.credit_code for e in first.entities}.isdisjoint(
        e.credit_code for e in second.entities
    )


def test_streamed_entities_are_those_of_the_district(catalogue, district):
    streamed = [entity for entity, _ in iter_entities(N, SEED, catalogue)]
    assert streamed == list(district.entities)


def test_one_entity_can_be_regenerated_by_its_index(catalogue, district):
    entity, licences = holding_at(1234, SEED, catalogue)
    assert entity == district.entities[1234]
    assert all(lic.holder == entity.credit_code for lic in licences)


# Geography and names


def test_coordinates_lie_inside_their_street_circle(catalogue, district):
    for e in district.entities:
        street = catalogue.street(e.street)
        assert _distance_km(street.lat, street.lon, e.lat, e.lon) <= street.radius_km


def test_coordinates_lie_inside_baoshan(district):
    for e in district.entities:
        assert BAOSHAN_LAT[0] <= e.lat <= BAOSHAN_LAT[1]
        assert BAOSHAN_LON[0] <= e.lon <= BAOSHAN_LON[1]


def test_coordinates_have_six_decimals_at_most(district):
    assert all(round(e.lat, 6) == e.lat and round(e.lon, 6) == e.lon for e in district.entities)


def test_addresses_name_the_entity_street(catalogue, district):
    for e in district.entities:
        assert e.address.startswith("上海市宝山区" + catalogue.street(e.street).name)


def test_entity_names_are_chinese(district):
    for e in district.entities:
        assert CHINESE.match(e.name), e.name
        assert sum("\u4e00" <= ch <= "\u9fff" for ch in e.name) >= 4


def test_internet_cafes_are_named_as_such(district):
    holders = {lic.holder for lic in district.licences if lic.industry == "IC"}
    names = [e.name for e in district.entities if e.credit_code in holders]
    assert names
    assert all(any(w in n for w in ("网吧", "网咖", "电竞")) for n in names)


def test_people_have_chinese_names_of_two_to_three_characters(district):
    people = [i.name for i in district.inspectors] + [u.name for u in district.users]
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,3}", name) for name in people)


# Licences and their histories


def test_every_entity_holds_a_licence_and_every_licence_an_entity(district):
    codes = {e.credit_code for e in district.entities}
    assert {lic.holder for lic in district.licences} == codes


def test_every_licence_history_obeys_the_lifecycle_rules(district):
    for lic in district.licences:
        assert _illegal_step([e.kind for e in lic.events]) is None, lic.number


def test_the_lifecycle_checker_rejects_a_change_while_suspended():
    assert _illegal_step(["NEW", "SUSPEND", "CHANGE"]) is not None


def test_histories_use_every_event_kind(district):
    kinds = {e.kind for lic in district.licences for e in lic.events}
    assert kinds == set(STATE_AFTER)


def test_events_are_in_time_order_and_before_today(district):
    today = datetime(2026, 11, 1, tzinfo=UTC)
    for lic in district.licences:
        instants = [datetime.fromisoformat(e.at) for e in lic.events]
        assert instants == sorted(instants)
        assert len(set(instants)) == len(instants)
        assert all(t.tzinfo is not None and t.utcoffset().total_seconds() == 0 for t in instants)
        assert instants[-1] < today


def test_events_happen_on_working_days_during_counter_hours(catalogue, district):
    off = {h.date for h in catalogue.holidays if h.kind == "holiday"}
    makeup = {h.date for h in catalogue.holidays if h.kind == "workday"}
    for lic in district.licences:
        for event in lic.events:
            at = datetime.fromisoformat(event.at)
            assert 1 <= at.hour < 9  # 09:00–17:00 in Shanghai
            assert at.date() in makeup or (at.weekday() < 5 and at.date() not in off)


def test_status_follows_from_the_history(district):
    today = date(2026, 11, 1)
    for lic in district.licences:
        last = lic.events[-1].kind
        if last in ("CANCEL", "REVOKE"):
            expected = {"CANCEL": "CANCELLED", "REVOKE": "REVOKED"}[last]
        elif date.fromisoformat(lic.valid_until) < today:
            expected = "EXPIRED"
        else:
            expected = "SUSPENDED" if last == "SUSPEND" else "ACTIVE"
        assert lic.status == expected, lic.number


def test_cancellations_are_a_few_percent_and_revocations_rare(district):
    status = Counter(lic.status for lic in district.licences)
    assert 0.01 < status["CANCELLED"] / len(district.licences) < 0.08
    assert 0 < status["REVOKED"] < status["CANCELLED"]


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def test_each_renewal_extends_validity_by_five_years(district):
    renewed = [lic for lic in district.licences if any(e.kind == "RENEW" for e in lic.events)]
    assert renewed
    for lic in renewed:
        periods = 1 + sum(e.kind == "RENEW" for e in lic.events)
        end = _years_later(date.fromisoformat(lic.issued_on), 5 * periods) - timedelta(days=1)
        assert lic.valid_until == end.isoformat()


def test_integrated_permits_share_the_licence_validity(district):
    for lic in district.licences:
        assert {p.valid_until for p in lic.permits} == {lic.valid_until}


def test_every_internet_cafe_licence_integrates_the_ic_permits(catalogue, district):
    mandatory = {p.code for p in catalogue.permits_of("IC") if not p.conditional}
    cafes = [lic for lic in district.licences if lic.industry == "IC"]
    assert cafes
    for lic in cafes:
        assert mandatory <= {p.permit for p in lic.permits}


def test_licences_integrate_only_their_industry_permits_with_the_issuing_department(
    catalogue, district
):
    for lic in district.licences:
        own = {p.code: p.issuing_department for p in catalogue.permits_of(lic.industry)}
        for permit in lic.permits:
            assert own[permit.permit] == permit.department


def test_a_permit_added_by_a_change_is_integrated(district):
    added = [
        (lic, e.changes["permit_added"])
        for lic in district.licences
        for e in lic.events
        if "permit_added" in e.changes
    ]
    assert added
    for lic, code in added:
        assert code in {p.permit for p in lic.permits}


def test_entity_name_and_address_are_those_of_the_last_change(district):
    by_code = {e.credit_code: e for e in district.entities}
    for lic in district.licences:
        for field in ("name", "address"):
            changed = [e.changes[field] for e in lic.events if field in e.changes]
            if changed:
                assert getattr(by_code[lic.holder], field) == changed[-1]


def test_no_licence_is_issued_before_its_industry_joined_the_reform(catalogue, district):
    for lic in district.licences:
        assert lic.issued_on[:7] >= catalogue.industry(lic.industry).batch_month


def test_food_and_retail_far_outnumber_internet_cafes(district):
    count = Counter(lic.industry for lic in district.licences)
    assert min(count["FS"], count["RS"], count["CS"]) > 3 * count["IC"]


def test_internet_cafes_are_tens_per_thousand_entities(district):
    per_thousand = 1000 * sum(lic.industry == "IC" for lic in district.licences) / N
    assert 10 <= per_thousand <= 40


def test_credit_class_a_is_most_common_and_d_rare(district):
    count = Counter(e.credit_class for e in district.entities)
    assert count.most_common(1)[0][0] == "A"
    assert 0 < count["D"] < 0.1 * N


def test_holders_of_a_revoked_licence_are_class_d(district):
    revoked = {lic.holder for lic in district.licences if lic.status == "REVOKED"}
    assert revoked
    assert all(e.credit_class == "D" for e in district.entities if e.credit_code in revoked)


def test_credit_class_weights_are_configurable(catalogue):
    config = SyntheticConfig(credit_class_weights={"A": 0, "B": 0, "C": 1, "D": 0})
    entities = [e for e, _ in iter_entities(100, SEED, catalogue, config=config)]
    assert {e.credit_class for e in entities} <= {"C", "D"}


# Staff


def test_inspectors_per_department_scale_with_the_district():
    assert inspectors_per_department(100_000, DEFAULT_CONFIG) == 250
    assert inspectors_per_department(300, DEFAULT_CONFIG) == 4


def test_every_supervising_department_has_its_inspectors(catalogue, district):
    per_department = Counter(i.department for i in district.inspectors)
    expected = inspectors_per_department(N, DEFAULT_CONFIG)
    assert per_department == dict.fromkeys(catalogue.supervising_departments(), expected)


def test_inspector_codes_are_unique_and_start_with_their_department(district):
    codes = [i.code for i in district.inspectors]
    assert len(set(codes)) == len(codes)
    assert all(
        re.fullmatch(re.escape(i.department) + r"\d{4}", i.code) for i in district.inspectors
    )


def test_inspectors_are_qualified_only_for_industries_their_department_supervises(
    catalogue, district
):
    for inspector in district.inspectors:
        assert inspector.qualifications
        assert set(inspector.qualifications) <= set(catalogue.industries_of(inspector.department))


def test_a_few_inspectors_are_inactive(catalogue):
    inspectors = generate_inspectors(40_000, SEED, catalogue, DEFAULT_CONFIG)
    inactive = sum(not i.active for i in inspectors)
    assert 0 < inactive < 0.1 * len(inspectors)


def test_recusals_bind_existing_inspectors_to_entities_they_could_inspect(district):
    inspectors = {i.code: i for i in district.inspectors}
    industries: dict[str, set[str]] = {}
    for lic in district.licences:
        industries.setdefault(lic.holder, set()).add(lic.industry)
    assert district.recusals
    for recusal in district.recusals:
        qualified = set(inspectors[recusal.inspector].qualifications)
        assert industries[recusal.credit_code] & qualified
        assert recusal.reason in DEFAULT_CONFIG.recusal_reasons


def test_users_are_one_planner_per_department_the_licensing_desk_and_an_admin(catalogue, district):
    roles = Counter((u.role, u.department) for u in district.users)
    for department in catalogue.supervising_departments():
        assert roles[("planner", department)] == 1
    assert roles[("licensing", "ASC")] == DEFAULT_CONFIG.licensing_users
    assert [u.role for u in district.users].count("admin") == 1


def test_every_event_is_recorded_by_a_licensing_user(district):
    licensing = {u.code for u in district.users if u.role == "licensing"}
    assert {e.actor for lic in district.licences for e in lic.events} <= licensing


def test_the_generators_check_character_is_the_apps():
    from random import Random

    from inspect_app.domain import credit_code
    from seeds.synthetic import identity

    rng = Random(2021)
    for _ in range(2000):
        first17 = "".join(rng.choice(credit_code.ALPHABET) for _ in range(17))
        assert identity.complete(first17) == credit_code.complete(first17)
