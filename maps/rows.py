"""Reading the plain rows the builders take: dicts or dataclasses, and display names.

The app hands over whatever it has (query dicts, seed dataclasses); the builders read
fields by name through `value` so neither shape is privileged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

_MISSING = object()


def value(row: Any, name: str, default: Any = _MISSING) -> Any:
    """Field `name` of a dict-like or attribute row; `default` if given and absent."""
    found = row.get(name, _MISSING) if isinstance(row, Mapping) else getattr(row, name, _MISSING)
    if found is _MISSING:
        if default is _MISSING:
            raise KeyError(f"map row has no field {name!r}: {row!r}")
        return default
    return found


@dataclass(frozen=True)
class Labels:
    """Chinese display names for codes; a code without a name is shown as itself."""

    industries: Mapping[str, str] = field(default_factory=dict)
    streets: Mapping[str, str] = field(default_factory=dict)
    departments: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_catalogue(cls, catalogue: Any) -> Labels:
        """Names from anything with `industries`, `streets`, `departments` of code/name rows."""
        return cls(
            industries=_names(catalogue.industries),
            streets=_names(catalogue.streets),
            departments=_names(catalogue.departments),
        )

    def industry(self, code: str) -> str:
        return self.industries.get(code, code)

    def street(self, code: str) -> str:
        return self.streets.get(code, code)

    def department(self, code: str) -> str:
        return self.departments.get(code, code)


def _names(rows: Iterable[Any]) -> dict[str, str]:
    return {value(r, "code"): value(r, "name") for r in rows}
