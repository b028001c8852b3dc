"""The lifecycle of one synthetic licence: a small state machine walked forward in time.

Legal histories only: NEW first; CHANGE, RENEW and REPLACE while active; SUSPEND when
active; RESUME when suspended; CANCEL or REVOKE from either, and nothing after them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from random import Random

from seeds.catalogue_loader import Catalogue, Permit
from seeds.synthetic.config import SyntheticConfig
from seeds.synthetic.identity import licence_number, permit_number
from seeds.synthetic.records import IntegratedPermit, Licence, LicenceEvent

DAYS_PER_YEAR = 365.25
SATURDAY = 5
SECONDS_PER_HOUR = 3600
TERMINAL_STATES = ("CANCELLED", "REVOKED")

REASONS = {
    "NEW": ("新办行业综合许可证",),
    "RENEW": ("有效期届满前申请延续",),
    "REPLACE": ("许可证遗失，申请补证", "许可证损毁，申请补证"),
    "SUSPEND": ("检查发现重大安全隐患，责令停业整改", "未按期完成整改，暂停许可", "涉嫌违法经营，依法暂停许可"),
    "RESUME": ("整改完成，经复查合格，恢复许可",),
    "CANCEL": ("经营者申请注销", "停止经营，申请注销", "营业执照已注销，依法注销许可"),
    "REVOKE": ("以欺骗等不正当手段取得许可，依法撤销", "严重违法经营，依法吊销许可", "拒不整改，依法撤销许可"),
}  # fmt: skip
CHANGE_REASONS = {
    "address": "经营场所变更",
    "name": "市场主体名称变更",
    "permit_added": "新增许可事项",
}


@dataclass(frozen=True)
class Calendar:
    """Working days (weekends and the holiday list, with make-up workdays) up to ``today``."""

    today: int
    holidays: frozenset[int]
    workdays: frozenset[int]
    office_hours_utc: tuple[int, int]

    @classmethod
    def of(cls, catalogue: Catalogue, today: date, hours: tuple[int, int]) -> Calendar:
        days = {kind: frozenset(h.date.toordinal() for h in catalogue.holidays if h.kind == kind)
                for kind in ("holiday", "workday")}  # fmt: skip
        return cls(today.toordinal(), days["holiday"], days["workday"], hours)

    def working_day_from(self, day: int) -> int:
        """The first working day on or after ``day`` (services are closed otherwise)."""
        while not self._is_working(day):
            day += 1
        return day

    def issuing_day(self, day: int) -> int:
        """The working day a licence drawn for ``day`` is issued on: never today or later."""
        issued = self.working_day_from(day)
        if issued < self.today:
            return issued
        issued = self.today - 1
        while not self._is_working(issued):
            issued -= 1
        return issued

    def _is_working(self, day: int) -> bool:
        if day in self.workdays:
            return True
        return day not in self.holidays and (day - 1) % 7 < SATURDAY  # ordinal 1 is a Monday

    def instant(self, rng: Random, day: int) -> str:
        """An ISO datetime in UTC during counter hours of ``day``."""
        low, high = self.office_hours_utc
        second = rng.randrange(low * SECONDS_PER_HOUR, high * SECONDS_PER_HOUR)
        hours, rest = divmod(second, SECONDS_PER_HOUR)
        minutes, seconds = divmod(rest, 60)
        return f"{date.fromordinal(day).isoformat()}T{hours:02d}:{minutes:02d}:{seconds:02d}+00:00"


@dataclass
class Holder:
    """What a CHANGE can alter about the holder; ``None`` callables mean it never changes."""

    name: str
    address: str
    rename: Callable[[Random], str] | None = None
    relocate: Callable[[Random], str] | None = None


@dataclass(frozen=True, slots=True)
class Numbering:
    """Who holds the licence, when it is issued, and the serials its numbers are built from."""

    holder: str
    issued: int
    licence_serial: int
    permit_serial: int


@dataclass
class _Walk:
    """The licence being built: state, validity, permits and events so far."""

    industry: str
    numbering: Numbering
    valid_until: int
    permits: dict[str, IntegratedPermit]
    events: list[LicenceEvent] = field(default_factory=list)
    state: str = "ACTIVE"
    suspended: tuple[str, str] | None = None


class LicenceBuilder:
    """Builds licence histories for one district (shared tables, one Random per licence)."""

    def __init__(
        self,
        catalogue: Catalogue,
        config: SyntheticConfig,
        calendar: Calendar,
        actors: Sequence[str],
    ) -> None:
        self.catalogue = catalogue
        self.config = config
        self.calendar = calendar
        self.actors = tuple(actors)
        self._active_kinds, self._active_cum = _cumulative(config.active_event_rates)
        self._active_rate = sum(config.active_event_rates.values())
        self._outcomes, self._outcome_cum = _cumulative(config.suspension_outcomes)

    def build(self, rng: Random, industry: str, holder: Holder, numbering: Numbering) -> Licence:
        """One licence of ``industry``, issued on ``numbering.issued`` (or the next working day)."""
        day = self.calendar.issuing_day(numbering.issued)
        walk = _Walk(industry, numbering, self._years_after(day), {})
        for permit in self.catalogue.permits_of(industry):
            if not permit.conditional or rng.random() < self.config.conditional_permit_share:
                self._integrate(walk, permit, day)
        self._record(rng, walk, "NEW", day, rng.choice(REASONS["NEW"]), {})
        self._walk_forward(rng, walk, day, holder)
        return self._licence(walk, day)

    def _walk_forward(self, rng: Random, walk: _Walk, day: int, holder: Holder) -> None:
        today = self.calendar.today
        while walk.state in ("ACTIVE", "SUSPENDED"):
            if walk.state == "ACTIVE":
                gap = rng.expovariate(self._active_rate) * DAYS_PER_YEAR
                renewal = walk.valid_until - rng.randint(*self.config.renewal_lead_days)
                if renewal <= day + gap:
                    day = self.calendar.working_day_from(max(renewal, day + 1))
                    if day >= today or rng.random() >= self.config.renewal_share:
                        return  # renewal is still to come, or the holder lets it lapse
                    self._renew(rng, walk, day)
                    continue
                kind = rng.choices(self._active_kinds, cum_weights=self._active_cum)[0]
            else:
                gap = rng.expovariate(1 / self.config.suspension_mean_days)
                kind = rng.choices(self._outcomes, cum_weights=self._outcome_cum)[0]
            day = self.calendar.working_day_from(day + max(1, int(gap)))
            if day >= today or day > walk.valid_until:
                return
            self._apply(rng, walk, kind, day, holder)

    def _apply(self, rng: Random, walk: _Walk, kind: str, day: int, holder: Holder) -> None:
        if kind == "CHANGE":
            self._change(rng, walk, day, holder)
        elif kind == "REPLACE":
            self._record(rng, walk, kind, day, rng.choice(REASONS[kind]), {})
        elif kind == "SUSPEND":
            walk.suspended = self._pick_permit(rng, walk)
            walk.state = "SUSPENDED"
            self._record_sanction(rng, walk, kind, day, walk.suspended)
        elif kind == "RESUME":
            assert walk.suspended is not None
            self._record(
                rng, walk, kind, day, rng.choice(REASONS[kind]), _permit_changes(walk.suspended)
            )
            walk.state, walk.suspended = "ACTIVE", None
        elif kind == "REVOKE":
            self._record_sanction(
                rng, walk, kind, day, walk.suspended or self._pick_permit(rng, walk)
            )
            walk.state = "REVOKED"
        elif kind == "CANCEL":
            self._record(rng, walk, kind, day, rng.choice(REASONS[kind]), {})
            walk.state = "CANCELLED"
        else:
            raise ValueError(f"unknown licence event kind {kind!r}")

    def _change(self, rng: Random, walk: _Walk, day: int, holder: Holder) -> None:
        missing = [
            p for p in self.catalogue.permits_of(walk.industry) if p.code not in walk.permits
        ]
        allowed = {
            "address": holder.relocate is not None,
            "name": holder.rename is not None,
            "permit_added": bool(missing),
        }
        fields = [f for f in self.config.change_fields if allowed.get(f)]
        if not fields:
            return
        chosen = rng.choices(fields, weights=[self.config.change_fields[f] for f in fields])[0]
        reason = CHANGE_REASONS[chosen]
        if chosen == "permit_added":
            permit = rng.choice(missing)
            self._integrate(walk, permit, day)
            changes: dict[str, object] = {"permit_added": permit.code}
            reason = f"{reason}：{permit.name}（{permit.condition}）"
        elif chosen == "name":
            holder.name = holder.rename(rng)  # type: ignore[misc]
            changes = {"name": holder.name}
        else:
            holder.address = holder.relocate(rng)  # type: ignore[misc]
            changes = {"address": holder.address}
        self._record(rng, walk, "CHANGE", day, reason, changes)

    def _renew(self, rng: Random, walk: _Walk, day: int) -> None:
        walk.valid_until = self._years_after(walk.valid_until + 1)
        until = date.fromordinal(walk.valid_until).isoformat()
        walk.permits = {code: replace(p, valid_until=until) for code, p in walk.permits.items()}
        self._record(rng, walk, "RENEW", day, rng.choice(REASONS["RENEW"]), {"valid_until": until})

    def _record_sanction(
        self, rng: Random, walk: _Walk, kind: str, day: int, target: tuple[str, str]
    ) -> None:
        department = self.catalogue.department(target[1]).name
        reason = f"{department}：{rng.choice(REASONS[kind])}"
        self._record(rng, walk, kind, day, reason, _permit_changes(target))

    def _pick_permit(self, rng: Random, walk: _Walk) -> tuple[str, str]:
        permit = rng.choice(list(walk.permits.values()))
        return permit.permit, permit.department

    def _integrate(self, walk: _Walk, permit: Permit, day: int) -> None:
        walk.permits[permit.code] = IntegratedPermit(
            permit=permit.code,
            department=permit.issuing_department,
            number=permit_number(
                permit.code, permit.name, walk.industry, walk.numbering.permit_serial
            ),
            valid_from=date.fromordinal(day).isoformat(),
            valid_until=date.fromordinal(walk.valid_until).isoformat(),
        )

    def _record(
        self, rng: Random, walk: _Walk, kind: str, day: int, reason: str, changes: dict[str, object]
    ) -> None:
        at = self.calendar.instant(rng, day)
        walk.events.append(LicenceEvent(kind, at, rng.choice(self.actors), reason, changes))

    def _years_after(self, day: int) -> int:
        """The last valid day of a validity period starting on ``day``."""
        start = date.fromordinal(day)
        years = self.config.validity_years
        try:
            end = start.replace(year=start.year + years)
        except ValueError:  # 29 February
            end = start.replace(year=start.year + years, day=28)
        return end.toordinal() - 1

    def _licence(self, walk: _Walk, issued: int) -> Licence:
        issued_on = date.fromordinal(issued)
        return Licence(
            number=licence_number(walk.industry, issued_on.year, walk.numbering.licence_serial),
            holder=walk.numbering.holder,
            industry=walk.industry,
            status=_status(walk, self.calendar.today),
            issued_on=issued_on.isoformat(),
            valid_until=date.fromordinal(walk.valid_until).isoformat(),
            permits=tuple(walk.permits.values()),
            events=tuple(walk.events),
        )


def _status(walk: _Walk, today: int) -> str:
    if walk.state in TERMINAL_STATES:
        return walk.state
    return "EXPIRED" if walk.valid_until < today else walk.state


def _permit_changes(target: tuple[str, str]) -> dict[str, object]:
    return {"permit": target[0], "department": target[1]}


def _cumulative(weights: dict[str, float]) -> tuple[list[str], list[float]]:
    keys = list(weights)
    return keys, list(itertools.accumulate(weights[k] for k in keys))


def worst_sanction(licence: Licence) -> str:
    """'REVOKE', 'SUSPEND' or '' — what supervision did to this licence at worst."""
    kinds = {e.kind for e in licence.events}
    return next((k for k in ("REVOKE", "SUSPEND") if k in kinds), "")
