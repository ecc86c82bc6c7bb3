from dataclasses import dataclass

from django.db.models import QuerySet

MAX_PAGE_SIZE = 200


@dataclass
class Page:
    items: list
    count: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.page_size))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _int(value, default: int) -> int:
    """Query strings are user input: 'abc' or '' means the default, not an error."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def paginate(qs: QuerySet, page=1, page_size=20) -> Page:
    page_size = max(1, min(_int(page_size, 20), MAX_PAGE_SIZE))
    count = qs.count()
    last = max(1, -(-count // page_size))
    page = max(1, min(_int(page, 1), last))
    start = (page - 1) * page_size
    return Page(list(qs[start:start + page_size]), count, page, page_size)
