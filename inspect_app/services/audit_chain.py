"""Is the audit chain whole? The chain's hashes and entries' authenticators, its signed head, every
signed head it ever published (in draw records and disclosures), and the unsealed tail, checked
together after sealing what is committed (docs/audit-chain.md).

`check_chain` walks the whole chain: for the console and jobs. The public draw verification
reads only `published_heads_problem`-sized pieces and the latest check kept here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import peewee

from inspect_app import audit
from inspect_app.db import database
from inspect_app.models import AuditHead, Disclosure, Draw, Licence, SpotCheckTask, User

# Rows that are never written without an audit entry: if any exists, the chain cannot be empty.
ALWAYS_AUDITED = (("users", User), ("licences", Licence), ("tasks", SpotCheckTask))


def check_chain(now: datetime, *, keep: bool = True) -> audit.AuditReport:
    """Walk the chain and check its head and published heads; keep the result for the public
    verification (`keep`)."""
    # On demand: every entry committed so far is checked in the chain. An entry holding a place
    # the sealer would give stops it: unsealed_problem reports that entry.
    with contextlib.suppress(peewee.IntegrityError):
        audit.seal()
    macs = audit.mac_keys()
    with database.atomic():
        head = AuditHead.get_or_none()
        report = audit.verify(macs=macs)
        if report.ok:
            problem = head_and_published_problem(head)
            problem = problem or audit.unsealed_problem(macs) or audit.duplicate_problem()
            if problem:
                report = audit.AuditReport(False, report.checked, None, problem)
        if keep and head is not None:
            audit.keep_check(report, head, now)
    return report


def head_and_published_problem(head: AuditHead | None) -> str:
    """The head's signature, then each published head against the chain, then an empty chain
    beside rows that are never written without an entry ("" when all hold)."""
    if head is None:
        return "the chain's head row is missing"
    ring = audit.public_keys()
    current = audit.as_head(head)
    problem = audit.head_problem(current, ring)
    if problem:
        return problem
    for published in published_heads():
        problem = audit.published_head_problem(published, current, ring)
        if problem:
            return problem
    if head.seq == 0:
        for label, model in ALWAYS_AUDITED:
            count = model.select().count()
            if count:
                return f"the chain is empty but {count} {label} exist: the chain was wiped"
    return ""


def published_heads() -> Iterator[Mapping[str, Any]]:
    """Every signed head the platform has handed out, as stored with what carried it."""
    for committed, drawn in Draw.select(Draw.committed_head, Draw.drawn_head).tuples():
        yield from (h for h in (committed, drawn) if h)
    for (carried,) in (
        Disclosure.select(Disclosure.audit_head)
        .where(Disclosure.audit_head.is_null(False))
        .tuples()
    ):
        yield carried
