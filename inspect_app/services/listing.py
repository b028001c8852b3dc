"""A list query with the related rows each page loads in bulk, so a page costs a fixed number of
queries whatever its size."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import peewee


@dataclass(frozen=True)
class Listing:
    """The rows to list (counted and paged in the database) and how to load what they show."""

    query: peewee.ModelSelect
    load: Callable[[list], list]

    def count(self) -> int:
        return self.query.order_by().count()

    def page(self, number: int, size: int) -> list:
        return self.load(list(self.query.paginate(number, size)))
