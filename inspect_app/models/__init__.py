"""The tables: the registry (catalogue, entities, licences, people, audit) and supervision
(risk points, grades, tasks, draws, inspections)."""

from inspect_app.models.registry import *  # noqa: F403
from inspect_app.models.registry import REGISTRY_MODELS
from inspect_app.models.supervision import *  # noqa: F403
from inspect_app.models.supervision import SUPERVISION_MODELS

ALL_MODELS = [*REGISTRY_MODELS, *SUPERVISION_MODELS]
