"""Finding a registered entity by its credit code: the one lookup every service shares (in a
module of its own so that services/grades.py, which entities.py calls, need not import it)."""

from __future__ import annotations

from inspect_app.errors import AppError
from inspect_app.models import Entity


def get_entity(credit_code: str) -> Entity:
    entity = Entity.get_or_none(Entity.credit_code == credit_code)
    if entity is None:
        raise AppError("NOT_FOUND", zh="未找到该市场主体", en="No such market entity")
    return entity
