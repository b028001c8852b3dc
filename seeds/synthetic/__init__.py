"""The synthetic district (test and demo data): pure, a function of its inputs; see district.py."""

from seeds.synthetic.config import SyntheticConfig
from seeds.synthetic.district import (
    DEFAULT_START,
    DEFAULT_TODAY,
    generate_district,
    generate_staff,
    holding_at,
    iter_entities,
)
from seeds.synthetic.records import District, Holding, serialise

__all__ = [
    "DEFAULT_START",
    "DEFAULT_TODAY",
    "District",
    "Holding",
    "SyntheticConfig",
    "generate_district",
    "generate_staff",
    "holding_at",
    "iter_entities",
    "serialise",
]
