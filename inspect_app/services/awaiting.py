"""What waits for a planner (the console's home, "what needs me"): joint tasks asking the
department's consent, and the department's frozen tasks whose draw is overdue."""

from __future__ import annotations

from datetime import datetime

from inspect_app.access import Action, allows
from inspect_app.actor import Actor
from inspect_app.domain.task import LedgerState, PartnerAnswer, TaskStatus
from inspect_app.models import SpotCheckTask
from inspect_app.services import ledger, tasks

SHOWN = 20  # rows a home panel lists (the ledger and the task list page the rest)


def partnership_requests(actor: Actor) -> list[SpotCheckTask]:
    """DRAFT joint tasks waiting for the actor's department's answer (an admin, who answers for
    any partner: those waiting for anyone's), newest first."""
    query = tasks.visible_tasks(actor).query.where(SpotCheckTask.status == TaskStatus.DRAFT)
    mine = not allows(actor, Action.READ_ALL_TASKS)
    if mine:
        query = query.where(tasks.partnered_by(actor.department))
    rows = tasks.with_points(list(query.limit(SHOWN * 5)))
    awaited = PartnerAnswer.AWAITED.value
    return [
        row
        for row in rows
        if (row.partner_states.get(actor.department) == awaited)
        or (not mine and awaited in row.partner_states.values())
    ][:SHOWN]


def overdue_draws(actor: Actor, now: datetime) -> list[ledger.LedgerEntry]:
    """Frozen tasks of the actor's department (lead or partner; an admin: all) whose seed's time
    has passed by the grace period without a draw."""
    tasks.visible_tasks(actor)  # planners and admins only, as the task list
    department = None if allows(actor, Action.READ_ALL_TASKS) else actor.department
    filters = ledger.LedgerFilter(state=LedgerState.OVERDUE, department=department)
    return ledger.ledger(filters, now).page(1, SHOWN)
