"""A deterministic synthetic district: entities, licences with histories, inspectors, users.

Everything is a function of (n, seed, catalogue, start, today, config): the same inputs give
the same district, byte for byte once serialised. Each entity comes from its own
``Random`` seeded by (seed, index), so the district can be streamed with
``iter_entities`` and any one entity regenerated with ``holding_at`` (the recusals use
that) without holding the others.

Test data only: ``random`` is fine here; the published draw never uses it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import partial
from random import Random

from seeds.catalogue_loader import Catalogue, Street
from seeds.synthetic.config import DEFAULT_CONFIG, SyntheticConfig
from seeds.synthetic.identity import CodeScrambles, credit_code
from seeds.synthetic.lifecycle import Calendar, Holder, LicenceBuilder, Numbering, worst_sanction
from seeds.synthetic.names import COMPANY, COOPERATIVE, INDIVIDUAL, can_be_individual, shop_name
from seeds.synthetic.places import address, point_in
from seeds.synthetic.records import (
    District,
    Entity,
    Holding,
    Inspector,
    Licence,
    Recusal,
    User,
)
from seeds.synthetic.staff import (
    generate_inspectors,
    generate_recusals,
    generate_users,
    licensing_actor_codes,
)

DEFAULT_START = date(2021, 5, 1)
DEFAULT_TODAY = date(2026, 11, 1)
CREDIT_CLASSES = ("A", "B", "C", "D")  # D is the highest risk
LICENCES_PER_ENTITY_SLOT = 2  # permit serials: a primary and at most one second licence


@dataclass(frozen=True)
class _Tables:
    """Everything shared by the entities of one district, computed once."""

    seed: int
    catalogue: Catalogue
    config: SyntheticConfig
    calendar: Calendar
    scrambles: CodeScrambles
    builder: LicenceBuilder
    industries: list[str]
    industry_cum: list[float]
    streets: list[Street]
    street_cum: list[float]
    classes: list[str]
    class_cum: list[float]
    opens: dict[str, int]

    @classmethod
    def of(
        cls, seed: int, catalogue: Catalogue, start: date, today: date, config: SyntheticConfig
    ) -> _Tables:
        if start >= today:
            raise ValueError(f"start {start} must be before today {today}")
        calendar = Calendar.of(catalogue, today, config.office_hours_utc)
        opens = {i.code: max(start, date.fromisoformat(i.batch_month + "-01")).toordinal()
                 for i in catalogue.industries}  # fmt: skip
        # An industry whose batch opens after `today` has no licences yet.
        weights = {
            i.code: config.industry_weights.get(i.code, config.default_industry_weight)
            for i in catalogue.industries
            if opens[i.code] < calendar.today
        }
        if not weights or not catalogue.streets:
            raise ValueError("the catalogue has no open industry or no street to place entities in")
        street_weights = [
            config.street_weights.get(s.name, config.default_street_weight)
            for s in catalogue.streets
        ]
        return cls(
            seed=seed,
            catalogue=catalogue,
            config=config,
            calendar=calendar,
            scrambles=CodeScrambles.for_seed(seed),
            builder=LicenceBuilder(catalogue, config, calendar, licensing_actor_codes(config)),
            industries=list(weights),
            industry_cum=list(itertools.accumulate(weights.values())),
            streets=list(catalogue.streets),
            street_cum=list(itertools.accumulate(street_weights)),
            classes=list(config.credit_class_weights),
            class_cum=list(itertools.accumulate(config.credit_class_weights.values())),
            opens=opens,
        )


def iter_entities(
    n: int,
    seed: int,
    catalogue: Catalogue,
    *,
    start: date = DEFAULT_START,
    today: date = DEFAULT_TODAY,
    config: SyntheticConfig = DEFAULT_CONFIG,
) -> Iterator[Holding]:
    """Stream the n entities with their licences, in index order."""
    tables = _Tables.of(seed, catalogue, start, today, config)
    for index in range(n):
        yield _holding(tables, index)


def holding_at(
    index: int,
    seed: int,
    catalogue: Catalogue,
    *,
    start: date = DEFAULT_START,
    today: date = DEFAULT_TODAY,
    config: SyntheticConfig = DEFAULT_CONFIG,
) -> Holding:
    """The entity at ``index`` exactly as ``iter_entities`` yields it."""
    return _holding(_Tables.of(seed, catalogue, start, today, config), index)


def generate_staff(
    n: int,
    seed: int,
    catalogue: Catalogue,
    *,
    start: date = DEFAULT_START,
    today: date = DEFAULT_TODAY,
    config: SyntheticConfig = DEFAULT_CONFIG,
) -> tuple[tuple[Inspector, ...], tuple[Recusal, ...], tuple[User, ...]]:
    """The district's inspectors, their recusals and its users, without holding the entities."""
    tables = _Tables.of(seed, catalogue, start, today, config)
    inspectors = generate_inspectors(n, seed, catalogue, config)
    recusals = generate_recusals(
        inspectors, n, seed, partial(_lookup, tables), (start, today), config
    )
    return inspectors, recusals, generate_users(seed, catalogue, config)


def generate_district(
    n: int,
    seed: int,
    catalogue: Catalogue,
    *,
    start: date = DEFAULT_START,
    today: date = DEFAULT_TODAY,
    config: SyntheticConfig = DEFAULT_CONFIG,
) -> District:
    """The whole district in memory: n entities, their licences, inspectors, recusals, users."""
    tables = _Tables.of(seed, catalogue, start, today, config)
    entities, licences = [], []
    for entity, held in (_holding(tables, index) for index in range(n)):
        entities.append(entity)
        licences.extend(held)
    inspectors = generate_inspectors(n, seed, catalogue, config)
    lookup = partial(_lookup, tables)
    recusals = generate_recusals(inspectors, n, seed, lookup, (start, today), config)
    return District(
        n=n,
        seed=seed,
        start=start.isoformat(),
        today=today.isoformat(),
        entities=tuple(entities),
        licences=tuple(licences),
        inspectors=inspectors,
        recusals=recusals,
        users=generate_users(seed, catalogue, config),
    )


def _lookup(tables: _Tables, index: int) -> tuple[str, tuple[str, ...]]:
    entity, licences = _holding(tables, index)
    return entity.credit_code, tuple(lic.industry for lic in licences)


def _holding(tables: _Tables, index: int) -> Holding:
    rng = Random(f"{tables.seed}:entity:{index}")
    industry = rng.choices(tables.industries, cum_weights=tables.industry_cum)[0]
    street = rng.choices(tables.streets, cum_weights=tables.street_cum)[0]
    form = _form(rng, industry, tables.config)
    code = credit_code(index, form, _legacy(rng, form, tables.config), tables.scrambles)
    holder = Holder(
        name=shop_name(rng, industry, form),
        address=address(rng, street),
        rename=partial(shop_name, industry=industry, form=form),
        relocate=partial(address, street=street),
    )
    primary = _licence(tables, rng, index, 0, industry, code, holder, tables.opens[industry])
    licences = [primary, *_second_licence(tables, rng, index, primary, holder)]
    lat, lon = point_in(rng, street)
    entity = Entity(
        credit_code=code,
        name=holder.name,
        address=holder.address,
        street=street.code,
        lat=lat,
        lon=lon,
        credit_class=_credit_class(rng, tables, licences),
    )
    return Holding(entity, tuple(licences))


def _second_licence(
    tables: _Tables, rng: Random, index: int, primary: Licence, holder: Holder
) -> list[Licence]:
    """A related second industry for a few holders (a hotel's restaurant, …), issued later."""
    second = tables.config.second_industry.get(primary.industry)
    if second not in tables.opens or rng.random() >= tables.config.second_licence_share:
        return []
    issued = max(tables.opens[second], _day(primary.issued_on) + 1)
    if issued >= tables.calendar.today or second not in tables.industries:
        return []
    # The holder's name and address change with the primary licence only.
    fixed = Holder(holder.name, holder.address)
    return [_licence(tables, rng, index, 1, second, primary.holder, fixed, issued)]


def _licence(
    tables: _Tables,
    rng: Random,
    index: int,
    slot: int,
    industry: str,
    holder_code: str,
    holder: Holder,
    earliest: int,
) -> Licence:
    issued = rng.randint(earliest, tables.calendar.today - 1)
    numbering = Numbering(
        holder=holder_code,
        issued=issued,
        licence_serial=index + 1,
        permit_serial=index * LICENCES_PER_ENTITY_SLOT + slot + 1,
    )
    return tables.builder.build(rng, industry, holder, numbering)


def _form(rng: Random, industry: str, config: SyntheticConfig) -> str:
    """Registration form: company, 个体工商户 or 农民专业合作社 (credit-code type 1/2/3)."""
    draw = rng.random()
    cooperative = config.cooperative_share.get(industry, 0.0)
    if draw < cooperative:
        return COOPERATIVE
    individual = cooperative + config.individual_share.get(industry, 0.0)
    if draw < individual and can_be_individual(industry):
        return INDIVIDUAL
    return COMPANY


def _legacy(rng: Random, form: str, config: SyntheticConfig) -> bool:
    # Only companies predate the 2015 code reform here; draw anyway so the stream stays aligned.
    draw = rng.random()
    return form == COMPANY and draw < config.legacy_organisation_code_share


def _credit_class(rng: Random, tables: _Tables, licences: list[Licence]) -> str:
    drawn = rng.choices(tables.classes, cum_weights=tables.class_cum)[0]
    sanctions = {worst_sanction(lic) for lic in licences}
    floor = ""
    if "REVOKE" in sanctions:
        floor = tables.config.class_after_revocation
    elif "SUSPEND" in sanctions:
        floor = tables.config.class_after_suspension
    return max(drawn, floor, key=_class_rank)


def _class_rank(credit_class: str) -> int:
    return CREDIT_CLASSES.index(credit_class) if credit_class in CREDIT_CLASSES else -1


def _day(iso: str) -> int:
    return date.fromisoformat(iso).toordinal()
