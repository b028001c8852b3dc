"""The tablet load benchmark's report: samples and phase timings into the table and the verdict."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass

import _tablet_setup as setup

TARGET_RATIO = 0.5
WRITE_STAGES = ("check-in", "items", "outcome", "sign-lead", "sign-partner", "submit")
EXCEPTION = re.compile(r"^(?:peewee|psycopg2[\w.]*|sqlite3)\.\w+: .*$", re.MULTILINE)


@dataclass
class Sample:
    stage: str
    kind: str
    status: int
    ms: float
    size: int
    error: str | None = None  # None: fine; "expected-409": the deliberate stale write


@dataclass
class StageTiming:
    seconds: float
    server_cpu: float
    client_cpu: float


COLUMNS = ("phase", "requests", "errors", "409 exp", "304", "req/s", "p50 ms", "p95 ms",
           "p99 ms", "B/resp", "srv CPU", "cli CPU")  # fmt: skip
WIDTHS = (30, 8, 6, 7, 5, 8, 7, 7, 7, 6, 7, 7)


def _row(values) -> str:
    first, *rest = (str(v) for v in values)
    return first.ljust(WIDTHS[0]) + "".join(
        v.rjust(w + 1) for v, w in zip(rest, WIDTHS[1:], strict=True)
    )


def _percentiles(values: list[float]) -> tuple[float, float, float]:
    if len(values) < 2:
        return (values[0],) * 3 if values else (0.0, 0.0, 0.0)
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def summarise(name: str, samples: list[Sample], timing: StageTiming | None) -> dict:
    """One table row: counts, throughput over the wall time (when given), latency percentiles."""
    p50, p95, p99 = _percentiles([s.ms for s in samples])
    seconds = timing.seconds if timing else 0
    return {
        "name": name,
        "requests": len(samples),
        "errors": sum(s.error not in (None, "expected-409") for s in samples),
        "expected_409": sum(s.error == "expected-409" for s in samples),
        "not_modified": sum(s.status == 304 for s in samples),
        "rate": len(samples) / seconds if seconds else None,
        "p": (p50, p95, p99),
        "size": sum(s.size for s in samples) / len(samples) if samples else 0,
        "cpu": (timing.server_cpu, timing.client_cpu) if timing else None,
    }


def _line(row: dict) -> str:
    rate = f"{row['rate']:.0f}" if row["rate"] is not None else "–"
    cpu = [f"{c:.0%}" for c in row["cpu"]] if row["cpu"] else ["–", "–"]
    return _row((
        row["name"], row["requests"], row["errors"], row["expected_409"], row["not_modified"],
        rate, *(f"{p:.1f}" for p in row["p"]), f"{row['size']:.0f}", *cpu,
    ))  # fmt: skip


def merged(timings: dict[str, list[StageTiming]], stages) -> StageTiming:
    """The stages' runs as one: wall time added up, CPU shares weighted by it."""
    runs = [t for stage in stages for t in timings[stage]]
    seconds = sum(t.seconds for t in runs)
    return StageTiming(
        seconds,
        sum(t.server_cpu * t.seconds for t in runs) / seconds,
        sum(t.client_cpu * t.seconds for t in runs) / seconds,
    )


def report(samples: list[Sample], timings: dict[str, list[StageTiming]]) -> dict[str, dict]:
    by_stage: dict[str, list[Sample]] = {}
    for sample in samples:
        by_stage.setdefault(sample.stage, []).append(sample)
    rows = {
        "baseline": summarise(
            "baseline: bare Flask GET", by_stage["baseline"], merged(timings, ["baseline"])
        ),
        "read": summarise("read: sync list + detail", by_stage["read"], merged(timings, ["read"])),
    }
    writes = [s for stage in WRITE_STAGES for s in by_stage.get(stage, [])]
    rows["write"] = summarise("write: all stages", writes, merged(timings, WRITE_STAGES))
    print(_row(COLUMNS))
    print(_line(rows["baseline"]))
    print(_line(rows["read"]))
    for kind in ("sync list", "sync detail"):
        part = [s for s in by_stage["read"] if s.kind == kind]
        print(_line(summarise(f"  {kind}", part, None)))
    print(_line(rows["write"]))
    for stage in WRITE_STAGES:
        part = by_stage.get(stage, [])
        kinds = "+".join(sorted({s.kind.split()[0] for s in part}))
        rows[stage] = summarise(f"  {stage} ({kinds})", part, merged(timings, [stage]))
        print(_line(rows[stage]))
    mutating = [s for s in writes if not s.kind.startswith("re-read")]
    print(_line(summarise("  writes only (no re-reads)", mutating, None)))
    return rows


def print_errors(samples: list[Sample], app: setup.Server) -> None:
    errors = Counter(
        (s.stage, s.kind, s.error) for s in samples if s.error not in (None, "expected-409")
    )
    if not errors:
        print("errors: none")
        return
    print("errors (stage, kind, answer): count")
    for (stage, kind, error), count in errors.most_common(12):
        print(f"  {stage:>12} {kind:<16} {error}: {count}")
    causes = sorted(set(EXCEPTION.findall(app.log.read_text(errors="replace"))))
    print("exceptions in the app server's log: " + ("; ".join(causes) or "none"))


def per_round(timings: dict[str, list[StageTiming]]) -> list[float]:
    """Read over baseline throughput in each round (each phase has the same requests)."""
    return [
        b.seconds / r.seconds for b, r in zip(timings["baseline"], timings["read"], strict=True)
    ]


def print_verdict(rows: dict[str, dict], ratios: list[float]) -> None:
    ratio = rows["read"]["rate"] / rows["baseline"]["rate"]
    met = "met" if ratio >= TARGET_RATIO else "NOT met"
    errors = sum(rows[name]["errors"] for name in ("baseline", "read", "write"))
    print(f"\nper round (baseline, then read): {', '.join(f'{r:.0%}' for r in ratios)}; "
          f"median {statistics.median(ratios):.1%}")  # fmt: skip
    print(f"read throughput / baseline: {ratio:.1%} (target ≥ {TARGET_RATIO:.0%}: {met}); "
          f"errors: {errors} (target 0); deliberate stale writes answered 409: "
          f"{rows['write']['expected_409']}")  # fmt: skip
    # The machine's own speed moves between runs (the bare endpoint by ±15 % here): the items'
    # throughput over the same run's bare endpoint compares runs where req/s alone cannot.
    print(f"item writes / baseline: {rows['items']['rate'] / rows['baseline']['rate']:.1%} "
          "(compares runs on a machine whose speed varies)")  # fmt: skip
