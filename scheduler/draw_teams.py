"""The second random: which inspectors, department by department, for each picked entity.

Each (entity, department) walk is a lazily drawn random permutation (Fisher–Yates) of
the department's available inspectors: the first eligible ones are uniform among the
eligible, and a walk costs a few HMACs however large the department is.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Sequence

from scheduler.draw_keys import TeamStream, labels, team_mac
from scheduler.draw_model import (
    Assignment,
    DrawParameters,
    Exclusion,
    PoolInspector,
    Reason,
)

_NONE: frozenset[str] = frozenset()


class TeamFormer:
    """Forms teams in pick order, keeping workload as assignments are made."""

    def __init__(self, pool: Sequence[PoolInspector], params: DrawParameters, seed: bytes) -> None:
        self._params = params
        self._mac = team_mac(seed, labels(params.algorithm_version)[1])
        self._cap = params.workload_cap
        self._slots = [
            (d, params.lead_slots if d == params.lead_department else 1) for d in params.departments
        ]
        self._department_of: dict[str, str] = {}
        self._workload: dict[str, int] = {}
        self._available: dict[str, list[str]] = {d: [] for d in params.departments}
        self._unqualified: dict[str, int] = dict.fromkeys(params.departments, 0)
        self._members: dict[str, int] = dict.fromkeys(params.departments, 0)
        self._recused: dict[str, set[str]] = {}
        self.exclusions: list[Exclusion] = []
        self._load(pool)

    def _load(self, pool: Sequence[PoolInspector]) -> None:
        not_qualified, at_cap = [], []
        for i in sorted(pool, key=lambda i: i.inspector_id):
            if i.department not in self._available:
                continue  # not a department of this task
            self._department_of[i.inspector_id] = i.department
            self._members[i.department] += 1
            self._workload[i.inspector_id] = i.workload
            for entity_id in i.recusals:
                self._recused.setdefault(entity_id, set()).add(i.inspector_id)
            if self._params.industry not in i.qualifications:
                self._unqualified[i.department] += 1
                not_qualified.append(Exclusion(
                    Reason.NOT_QUALIFIED, inspector_id=i.inspector_id, department=i.department
                ))  # fmt: skip
            elif i.workload >= self._cap:
                at_cap.append(Exclusion(
                    Reason.WORKLOAD_CAP, inspector_id=i.inspector_id, department=i.department,
                    detail=(("workload", i.workload),),
                ))  # fmt: skip
            else:
                self._available[i.department].append(i.inspector_id)  # ids ascend
        self.exclusions.extend(not_qualified)
        self.exclusions.extend(at_cap)

    def form(
        self, sequence: int, entity_id: str, grade: str, last_inspectors: Collection[str]
    ) -> Assignment:
        """Staff one entity: lead slots, then one member per partner department."""
        blocked_recusal = self._recused.get(entity_id, _NONE)
        blocked_last = last_inspectors  # a handful at most: a tuple is as fast as a set
        below = (stream := TeamStream(self._mac, entity_id)).below
        available = self._available
        team, short = [], False
        for department, needed in self._slots:
            candidates = available[department]
            if not candidates:  # an exhausted department: nothing to walk, nothing to hash
                self._report_shortfall(entity_id, department, needed, 0, 0)
                team.append((department, ()))
                short = True
                continue
            first = below(len(candidates))
            inspector_id = candidates[first]
            if needed == 1 and not (
                inspector_id in blocked_recusal or inspector_id in blocked_last
            ):
                team.append((department, (inspector_id,)))  # the common walk: one step staffs
                continue
            chosen = self._walk(
                stream, first, entity_id, department, needed, blocked_recusal, blocked_last
            )
            team.append((department, chosen))
            short = short or len(chosen) < needed
        workload, cap = self._workload, self._cap
        for _, chosen in team:
            for inspector_id in chosen:
                workload[inspector_id] += 1
                if workload[inspector_id] >= cap:
                    self._reach_cap(entity_id, inspector_id)
        return Assignment(sequence, entity_id, grade, tuple(team), short)

    def _walk(
        self,
        stream: TeamStream,
        position: int,
        entity_id: str,
        department: str,
        needed: int,
        blocked_recusal: frozenset[str] | set[str],
        blocked_last: Collection[str],
    ) -> tuple[str, ...]:
        """The department's walk from its first position (drawn by form) on."""
        candidates = self._available[department]
        moved: dict[int, int] = {}  # sparse Fisher–Yates: position -> index it now holds
        get = moved.get
        below = stream.below
        chosen: list[str] = []
        remaining = len(candidates)
        missing = needed
        while True:
            index = get(position, position)
            remaining -= 1
            moved[position] = get(remaining, remaining)
            inspector_id = candidates[index]
            if inspector_id in blocked_recusal:  # the published order: recusal first
                self.exclusions.append(
                    Exclusion(Reason.RECUSAL_APPLIED, entity_id, inspector_id, department)
                )
            elif inspector_id in blocked_last:
                self.exclusions.append(
                    Exclusion(Reason.CONSECUTIVE_INSPECTION, entity_id, inspector_id, department)
                )
            else:
                chosen.append(inspector_id)
                missing -= 1
            if not (missing and remaining):
                break
            position = below(remaining)
        if missing:
            self._report_shortfall(entity_id, department, needed, len(chosen), len(candidates))
        return tuple(chosen)

    def _report_shortfall(
        self, entity_id: str, department: str, needed: int, filled: int, available: int
    ) -> None:
        unqualified = self._unqualified[department]
        members = self._members[department]
        detail = (
            ("available", available),
            ("filled", filled),
            ("needed", needed),
            ("not_qualified", unqualified),
            ("workload_cap", members - unqualified - available),
        )
        self.exclusions.append(Exclusion(Reason.SHORTFALL, entity_id, None, department, detail))

    def _reach_cap(self, entity_id: str, inspector_id: str) -> None:
        """The assignment just counted filled the inspector's workload: no more walks reach it."""
        department = self._department_of[inspector_id]
        available = self._available[department]
        del available[bisect.bisect_left(available, inspector_id)]
        self.exclusions.append(Exclusion(
            Reason.WORKLOAD_CAP, entity_id, inspector_id, department,
            (("workload", self._workload[inspector_id]),),
        ))  # fmt: skip
