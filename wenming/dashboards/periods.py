"""The period a dashboard, the big screen, their exports and the work report show: whole
months from `since` to `until` (2020-02…2020-03, a quarter, a year, the last twelve months).

Pages and the API take `?since=YYYY-MM&until=YYYY-MM` (either may be left out), or a preset
`?period=month|quarter|year|last_year|12m`; nothing given is the last twelve months. Months
before EARLIEST or after this month are clipped, a reversed pair is swapped: a period is
always valid, never an error.

The trend of a period of up to TREND_MONTHS months is drawn month by month, a longer one
year by year (a decade as 120 bars would be unreadable on a phone)."""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date

EARLIEST = date(2000, 1, 1)
TREND_MONTHS = 36
PRESETS = [("month", "本月"), ("quarter", "本季度"), ("year", "本年"), ("12m", "近12个月"), ("last_year", "上一年")]


def month_of(raw) -> date | None:
    """YYYY-MM (or YYYY-MM-DD, the first ten characters) as the month's first day; None for
    anything else."""
    text = str(raw or "")[:10].replace("\x00", "")
    parts = text.split("-")
    if len(parts) not in (2, 3) or not all(p.isascii() and p.isdigit() and len(p) <= 4 for p in parts):
        return None
    year, month = int(parts[0]), int(parts[1])
    return date(year, month, 1) if 1900 <= year <= 2200 and 1 <= month <= 12 else None


def add_months(day: date, n: int) -> date:
    index = day.year * 12 + day.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Bucket:
    label: str
    start: date  # the first month
    end: date  # the last month (first day)


@dataclass(frozen=True)
class Period:
    since: date  # first day of the first month
    until: date  # first day of the last month

    @property
    def end(self) -> date:
        """The period's last day."""
        return self.until.replace(day=monthrange(self.until.year, self.until.month)[1])

    @property
    def months(self) -> int:
        return (self.until.year - self.since.year) * 12 + self.until.month - self.since.month + 1

    def month_starts(self) -> list[date]:
        return [add_months(self.since, i) for i in range(self.months)]

    def includes(self, day: date) -> bool:
        return self.since <= day <= self.end

    @property
    def label(self) -> str:
        s, u = self.since, self.until
        if s == u:
            return f"{s.year}年{s.month}月"
        if s.month == 1 and u.month == 12 and s.year == u.year:
            return f"{s.year}年"
        if s.year == u.year and s.month % 3 == 1 and u == add_months(s, 2):
            return f"{s.year}年第{(s.month + 2) // 3}季度"
        return f"{s.year}年{s.month}月至{u.year}年{u.month}月"

    @property
    def query(self) -> str:
        return f"since={self.since:%Y-%m}&until={self.until:%Y-%m}"

    def buckets(self) -> list[Bucket]:
        """The trend's points: the months, or the years of a period longer than TREND_MONTHS."""
        if self.months <= TREND_MONTHS:
            return [Bucket(f"{m:%Y-%m}", m, m) for m in self.month_starts()]
        out = []
        for year in range(self.since.year, self.until.year + 1):
            start, end = max(self.since, date(year, 1, 1)), min(self.until, date(year, 12, 1))
            out.append(Bucket(str(year), start, end))
        return out


def last_months(today: date, n: int) -> Period:
    this = today.replace(day=1)
    return Period(add_months(this, -(max(n, 1) - 1)), this)


def preset(name: str, today: date) -> Period | None:
    this = today.replace(day=1)
    if name == "month":
        return Period(this, this)
    if name == "quarter":
        first = this.replace(month=(this.month - 1) // 3 * 3 + 1)
        return Period(first, this)
    if name == "year":
        return Period(this.replace(month=1), this)
    if name == "last_year":
        return Period(date(this.year - 1, 1, 1), date(this.year - 1, 12, 1))
    if name == "12m":
        return last_months(today, 12)
    return None


def period_from(params, today: date, *, default_months: int = 12) -> Period:
    """The period a request asks for (see the module's docstring)."""
    chosen = preset(str(params.get("period") or ""), today)
    if chosen is not None:
        return chosen
    this = today.replace(day=1)
    since, until = month_of(params.get("since")), month_of(params.get("until"))
    if since is None and until is None:
        return last_months(today, default_months)
    since = since or (until.replace(month=1) if until else this)
    until = until or this
    if since > until:
        since, until = until, since
    since, until = min(max(since, EARLIEST), this), min(max(until, EARLIEST), this)
    return Period(since, until)


def preset_links(today: date) -> list[tuple[str, str, Period]]:
    """(name, label, period) of the presets, for the period picker."""
    return [(name, label, preset(name, today)) for name, label in PRESETS]
