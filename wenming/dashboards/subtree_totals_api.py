"""The answer shape of a month total (移风易俗 合计, 排查总数), shared by the apps whose totals
run on dashboards/subtree_totals.py; each app subclasses it under its own schema name."""

from datetime import datetime

from ninja import Field, Schema


class MonthTotalOut(Schema):
    id: int
    node_id: int
    node_name: str = Field(alias="node.name")
    kind: str
    kind_label: str = Field(alias="get_kind_display")
    period: str  # YYYY-MM
    total: int
    remainder: int  # what the total counts beyond the per-record rows under the node
    note: str
    late_reason: str  # 补录说明 last given (a month's total entered over 7 days after the month ended)
    updated_at: datetime

    @staticmethod
    def resolve_period(obj) -> str:
        return f"{obj.period:%Y-%m}"
