"""One page of a list, the same for browser pages and the API."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

MAX_PER_PAGE = 200


@dataclasses.dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    def meta(self) -> dict[str, int]:
        return {"page": self.page, "per_page": self.per_page, "total": self.total, "pages": self.pages}


def paginate(session: Session, statement: Select, page: int = 1, per_page: int = 50) -> Page:
    page = max(1, page)
    per_page = min(max(1, per_page), MAX_PER_PAGE)
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    items = list(session.scalars(statement.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, page=page, per_page=per_page, total=total or 0)
