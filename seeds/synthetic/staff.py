"""Synthetic staff: inspectors per department, their declared recusals, platform users."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from random import Random

from seeds.catalogue_loader import Catalogue
from seeds.synthetic.config import SyntheticConfig
from seeds.synthetic.names import person_name
from seeds.synthetic.records import Inspector, Recusal, User

INSPECTOR_SERIAL_WIDTH = 4
USER_SERIAL_WIDTH = 2
# Drawing an entity a recusal can matter for may miss; give up on the slot after this many.
MAX_RECUSAL_TRIES = 50

# Given an entity index: its credit code and the industries of its licences.
EntityLookup = Callable[[int], tuple[str, tuple[str, ...]]]


def inspectors_per_department(n: int, config: SyntheticConfig) -> int:
    """The directory grows with the district (100,000 entities -> 250 per department)."""
    return max(config.min_inspectors_per_department, n // config.entities_per_inspector)


def generate_inspectors(
    n: int, seed: int, catalogue: Catalogue, config: SyntheticConfig
) -> tuple[Inspector, ...]:
    """The directory of inspectors (执法检查人员名录库) of every supervising department."""
    count = inspectors_per_department(n, config)
    return tuple(
        inspector
        for department in catalogue.supervising_departments()
        for inspector in _department_inspectors(department, count, seed, catalogue, config)
    )


def _department_inspectors(
    department: str, count: int, seed: int, catalogue: Catalogue, config: SyntheticConfig
) -> Iterator[Inspector]:
    rng = Random(f"{seed}:inspectors:{department}")
    industries = catalogue.industries_of(department)
    for number in range(1, count + 1):
        qualified = tuple(i for i in industries if rng.random() < config.qualification_share)
        yield Inspector(
            code=f"{department}{number:0{INSPECTOR_SERIAL_WIDTH}d}",
            name=person_name(rng),
            department=department,
            qualifications=qualified or (rng.choice(industries),),
            active=rng.random() >= config.inactive_inspector_share,
        )


def generate_recusals(
    inspectors: tuple[Inspector, ...],
    n: int,
    seed: int,
    lookup: EntityLookup,
    period: tuple[date, date],
    config: SyntheticConfig,
) -> tuple[Recusal, ...]:
    """A few inspectors declare conflicts with a few entities they could be sent to.

    Entities are picked among those holding a licence the inspector is qualified for, so
    every recusal can actually change a draw.
    """
    if n == 0 or not inspectors:
        return ()
    rng = Random(f"{seed}:recusals")
    count = max(1, round(len(inspectors) * config.recusing_inspector_share))
    chosen = sorted(rng.sample(range(len(inspectors)), min(count, len(inspectors))))
    reasons, weights = list(config.recusal_reasons), list(config.recusal_reasons.values())
    first, last = period[0].toordinal(), period[1].toordinal() - 1
    recusals = []
    for position in chosen:
        inspector = inspectors[position]
        for credit_code in _conflicted_entities(rng, inspector, n, lookup, config):
            declared = date.fromordinal(rng.randint(first, last)).isoformat()
            reason = rng.choices(reasons, weights=weights)[0]
            recusals.append(Recusal(inspector.code, credit_code, reason, declared))
    return tuple(recusals)


def _conflicted_entities(
    rng: Random, inspector: Inspector, n: int, lookup: EntityLookup, config: SyntheticConfig
) -> list[str]:
    wanted = rng.randint(*config.recusals_per_inspector)
    found: list[str] = []
    for _ in range(wanted * MAX_RECUSAL_TRIES):
        if len(found) == wanted:
            break
        credit_code, industries = lookup(rng.randrange(n))
        if credit_code not in found and set(industries) & set(inspector.qualifications):
            found.append(credit_code)
    return found


def generate_users(seed: int, catalogue: Catalogue, config: SyntheticConfig) -> tuple[User, ...]:
    """One planner per supervising department, the licensing desk, and an admin."""
    rng = Random(f"{seed}:users")
    planners = [
        User(_user_code(d, 1), person_name(rng), "planner", d)
        for d in catalogue.supervising_departments()
    ]
    desk = config.licensing_department
    licensing = [
        User(_user_code(desk, k), person_name(rng), "licensing", desk)
        for k in range(1, config.licensing_users + 1)
    ]
    admin = User(
        _user_code(config.admin_department, 1), person_name(rng), "admin", config.admin_department
    )
    return (*planners, *licensing, admin)


def licensing_actor_codes(config: SyntheticConfig) -> tuple[str, ...]:
    """The codes of the licensing users, who record every licence event."""
    return tuple(
        _user_code(config.licensing_department, k) for k in range(1, config.licensing_users + 1)
    )


def _user_code(department: str, number: int) -> str:
    return f"{department}-user-{number:0{USER_SERIAL_WIDTH}d}"
