"""The tables: the registry (catalogue, entities, licences, people, audit), supervision
(risk points, grades, tasks, draws, inspections) and fieldwork (results, evidence,
signatures, client operations, notifications, the job outbox)."""

from inspect_app.models.desks import *  # noqa: F403
from inspect_app.models.desks import DESK_MODELS
from inspect_app.models.fieldwork import *  # noqa: F403
from inspect_app.models.fieldwork import FIELDWORK_MODELS
from inspect_app.models.followup import *  # noqa: F403
from inspect_app.models.followup import FOLLOWUP_MODELS
from inspect_app.models.registry import *  # noqa: F403
from inspect_app.models.registry import REGISTRY_MODELS
from inspect_app.models.supervision import *  # noqa: F403
from inspect_app.models.supervision import SUPERVISION_MODELS

ALL_MODELS = [*REGISTRY_MODELS, *SUPERVISION_MODELS, *FIELDWORK_MODELS, *FOLLOWUP_MODELS]
ALL_MODELS += DESK_MODELS

# -- issue 14 §4–5: the commitment ledger (voids, overdue flags) --
from inspect_app.models.ledger import *  # noqa: E402, F403
from inspect_app.models.ledger import LEDGER_MODELS  # noqa: E402

ALL_MODELS = [*ALL_MODELS, *LEDGER_MODELS]
