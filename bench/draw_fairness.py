"""Is the draw fair? Many draws with different public seeds, chi-square against uniform.

    .venv/bin/python bench/draw_fairness.py [--draws 20000]

Three counts over the same inputs, each seed derived the published way (derive_seed
from the task's commitment and a different public number set per draw):

1. entities: one stratum of 50 IC venues, 5 picked per draw; every venue should be
   picked equally often (expected draws × 5 / 50);
2. partner slot: the 公安 (PS) member of one entity's joint team, 10 PS officers of
   whom one declared 回避: the other nine equally often, the recused one never;
3. lead slots: the two 文化旅游局 (CT) members of that team (team_size 4), 8 officers.

Baseline, in the same run: Python's random.sample on the same sizes (a Mersenne
Twister, not a published algorithm), to show what the statistic looks like for a
generator nobody doubts, and what each costs per draw.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter

from scipy.stats import chisquare

from inspect_app.domain.credit_code import complete
from scheduler.draw import (
    DrawParameters,
    FrameEntity,
    PoolInspector,
    commitment,
    derive_seed,
    draw,
)

STREETS = ("友谊路街道", "吴淞街道", "张庙街道", "罗店镇", "大场镇", "杨行镇", "顾村镇", "淞南镇")
ENTITIES = 50
RATIO = "0.1"  # 5 of 50
PS_OFFICERS = 10
CT_OFFICERS = 8
TEAM_SIZE = 4  # 2 CT + 1 PS + 1 FR
WORKLOAD_CAP = 10**6  # fairness of the random alone: no inspector ever fills up
PROVENANCE = "fairness benchmark: public number set i for draw i"


def venue(n: int) -> str:
    return complete("91310113MA1G" + f"{n:05d}")


def stratum_inputs() -> tuple[list[FrameEntity], list[PoolInspector], DrawParameters]:
    frame = [FrameEntity(venue(n), "D", STREETS[n % len(STREETS)]) for n in range(ENTITIES)]
    params = DrawParameters(
        task_id="BENCH-FAIR-ENTITIES", industry="IC", lead_department="CT",
        ratios={"D": RATIO}, workload_cap=WORKLOAD_CAP,
    )  # fmt: skip
    return frame, [], params


def team_inputs() -> tuple[list[FrameEntity], list[PoolInspector], DrawParameters]:
    target = venue(0)
    frame = [FrameEntity(target, "D", "罗店镇")]
    pool = [
        *(PoolInspector(f"CT{n:04d}", "CT", ("IC",)) for n in range(1, CT_OFFICERS + 1)),
        PoolInspector("PS0001", "PS", ("IC",), 0, (target,)),  # 回避
        *(PoolInspector(f"PS{n:04d}", "PS", ("IC",)) for n in range(2, PS_OFFICERS + 1)),
        PoolInspector("FR0001", "FR", ("IC",)),
    ]
    params = DrawParameters(
        task_id="BENCH-FAIR-TEAMS", industry="IC", lead_department="CT",
        partner_departments=("PS", "FR"), ratios={"D": "1"}, team_size=TEAM_SIZE,
        workload_cap=WORKLOAD_CAP,
    )  # fmt: skip
    return frame, pool, params


def seeds(inputs, draws: int) -> list[bytes]:
    c = commitment(*inputs)
    return [derive_seed(c.commitment_hash, [f"{i} {i + 7}"], PROVENANCE) for i in range(draws)]


def report(title: str, counts: Counter, categories: list[str]) -> None:
    observed = [counts[c] for c in categories]
    statistic, p_value = chisquare(observed)
    print(f"{title}")
    print(f"  chi-square {statistic:9.2f}   dof {len(categories) - 1:3d}   p-value {p_value:.4f}")
    print(
        f"  counts min {min(observed)}  max {max(observed)}  expected {sum(observed) / len(observed):.0f}"
    )


def run_entities(draws: int) -> float:
    inputs = stratum_inputs()
    started = time.perf_counter()
    counts = Counter()
    for seed in seeds(inputs, draws):
        counts.update(draw(*inputs, seed).strata[0].picks)
    elapsed = time.perf_counter() - started
    report(
        f"1. entities: {draws} draws, 5 of {ENTITIES}", counts, [venue(n) for n in range(ENTITIES)]
    )
    return elapsed


def run_teams(draws: int) -> None:
    inputs = team_inputs()
    ps, ct = Counter(), Counter()
    for seed in seeds(inputs, draws):
        team = dict(draw(*inputs, seed).assignments[0].team)
        ps.update(team["PS"])
        ct.update(team["CT"])
    eligible_ps = [f"PS{n:04d}" for n in range(2, PS_OFFICERS + 1)]
    report(f"2. partner slot: PS member, 9 eligible + 1 recused, {draws} draws", ps, eligible_ps)
    print(f"  recused PS0001 drawn {ps['PS0001']} times")
    report(
        f"3. lead slots: 2 CT members of {CT_OFFICERS}, {draws} draws",
        ct,
        [f"CT{n:04d}" for n in range(1, CT_OFFICERS + 1)],
    )


def run_baseline(draws: int) -> float:
    started = time.perf_counter()
    counts = Counter()
    population = list(range(ENTITIES))
    for i in range(draws):
        counts.update(random.Random(i).sample(population, ENTITIES // 10))
    elapsed = time.perf_counter() - started
    report(f"baseline random.sample: {draws} draws, 5 of {ENTITIES}", counts, population)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=20_000)
    args = parser.parse_args()
    ours = run_entities(args.draws)
    run_teams(args.draws)
    theirs = run_baseline(args.draws)
    print(
        f"time per draw: ours {ours / args.draws * 1e6:.0f} µs (incl. seed derivation), "
        f"random.sample {theirs / args.draws * 1e6:.0f} µs, ratio {ours / theirs:.1f}×"
    )


if __name__ == "__main__":
    main()
