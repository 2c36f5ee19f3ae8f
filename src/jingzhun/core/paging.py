"""Pagination that never counts more rows than it can show.

Counting every match of a short search ("吴", "wj") over a county of a million persons costs more than
finding the first page; above `cap` matches the pager says "more than N" and asks for a narrower search.
Exact totals per area come from the drill-down's grouped counts instead.
"""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

DEFAULT_CAP = 2000


class CappedPaginator(Paginator):
    def __init__(self, object_list, per_page, *, cap: int = DEFAULT_CAP, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        """The number of matches, at most `cap`; `capped` tells whether there are more."""
        return min(self._counted, self.cap)

    @cached_property
    def _counted(self) -> int:
        qs = self.object_list
        if hasattr(qs, "values"):
            return qs.order_by().values("pk")[: self.cap + 1].count()
        return len(qs[: self.cap + 1])

    @property
    def capped(self) -> bool:
        return self._counted > self.cap
