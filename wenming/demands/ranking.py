"""候选志愿者排序: who to offer a request to, best first, with the reasons in Chinese
(ranking_reasons.py). Weights, factors and the search are documented in docs/demands.md
("Candidate ranking"); in short:

Score (0–100) = skill fit 40 + distance 30 (30 / (1 + d / 2 km)) + open load 15 (−5 per
request in hand) + past ratings 10 (shrunk towards 4 stars) + availability 5 (WEIGHTS).
Candidates: active volunteers with a login whom the actor may dispatch
(`volunteer_visibility_q`), never one already offered this request.

Scale (1 M volunteers; docs/benchmarks.md): the score is one SQL expression, evaluated in
widening rings around the request until the k-th best provably beats everyone farther out
(their score is below `others_max + distance_points(R)`), so the result equals one ORDER BY
over every candidate (`rank_full_scan`; tests and the benchmark compare them). Rings read two
covering indexes (own position; home node) with index-only scans. Load and ratings come from
VolunteerDemandStats (stats.py), kept by the workflow in its own transactions.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from functools import partial

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Expression,
    FloatField,
    Q,
    QuerySet,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.errors import CoreError
from wenming.orgs.models import Node
from wenming.service.venue import KM_PER_DEGREE_LAT, bounding_box
from wenming.volunteers.models import Availability, Volunteer, VolunteerStatus
from wenming.volunteers.selectors import volunteer_visibility_q

from .errors import DemandError as E
from .models import Demand, DemandStatus, Offer, Urgency, VolunteerDemandStats

S = DemandStatus

WEIGHTS = {"skill": 40.0, "distance": 30.0, "load": 15.0, "rating": 10.0, "availability": 5.0}
LABELS = {"skill": "技能匹配", "distance": "距离", "load": "在办负荷", "rating": "历史评价",
          "availability": "可服务时间"}
DISTANCE_HALF_KM = 2.0  # distance points halve at this distance
LOAD_STEP = 5.0  # points lost per request in hand (15 → 10 → 5 → 0)
RATING_PRIOR, RATING_PRIOR_WEIGHT = 4.0, 2.0  # two virtual 4-star ratings
SLOT_POINTS, RESERVE_POINTS = 3.0, 2.0
FIRST_RADIUS_KM, MAX_RADIUS_KM = 0.4, 64.0  # rings grow ×√2 (the area doubles), or to just what is needed
SMALL_SCOPE = 3000  # an actor seeing at most this many volunteers gets one plain query over them
MAX_LIMIT = 50
RANKABLE = (S.SUBMITTED, S.REVIEWED, S.DISPATCHED)
URGENT = (Urgency.URGENT, Urgency.CRITICAL)
FLOAT = FloatField()


@dataclass(frozen=True)
class Reason:
    factor: str  # skill / distance / load / rating / availability
    label: str
    points: float
    max_points: float
    text: str


@dataclass(frozen=True)
class Candidate:
    volunteer_id: int
    name: str  # masked: 张*丰
    volunteer_no: str
    score: float
    distance_km: float | None
    reasons: list[Reason] = field(default_factory=list)


@dataclass(frozen=True)
class Origin:
    """Where distances are measured from, and how that point was found."""

    lat: float
    lon: float
    source: str  # "demand" (the resident's coarse position) or "node" (a node's position)
    node_name: str = ""

    @property
    def km_per_degree_lon(self) -> float:
        """Distances are equirectangular around the origin (well under 1 % off within a
        city), the same metric as `bounding_box`, so "outside the box" means "farther"."""
        return KM_PER_DEGREE_LAT * math.cos(math.radians(self.lat))

    def km_to(self, lat, lon) -> float:
        return math.hypot((float(lat) - self.lat) * KM_PER_DEGREE_LAT, (float(lon) - self.lon) * self.km_per_degree_lon)


# --- the score as one SQL expression ------------------------------------------------------

def distance_points(km: float) -> float:
    return WEIGHTS["distance"] / (1.0 + km / DISTANCE_HALF_KM)


def load_points(open_load: int) -> float:
    return max(WEIGHTS["load"] - LOAD_STEP * open_load, 0.0)


def rating_points(rated_count: int, rating_sum: int) -> float:
    mean = (rating_sum + RATING_PRIOR * RATING_PRIOR_WEIGHT) / (rated_count + RATING_PRIOR_WEIGHT)
    return WEIGHTS["rating"] / 4.0 * (mean - 1.0)


def current_slot(now: datetime) -> int:
    """The availability flag of the moment: weekday day 8–18, weekday evening 18–22, weekend;
    weekday nights have none (only 应急随时 counts then). Public holidays are not known."""
    local = timezone.localtime(now)
    if local.weekday() >= 5:
        return Availability.WEEKEND
    if 8 <= local.hour < 18:
        return Availability.WEEKDAY_DAY
    if 18 <= local.hour < 22:
        return Availability.WEEKDAY_EVENING
    return 0


class _Sql:
    """Names and the two spellings that differ between PostgreSQL and SQLite. Every number
    in the score is ours (weights, the origin, skill ids) and goes in as a literal: Python's
    float repr reads back exactly, and a query without parameters costs the driver nothing."""

    def __init__(self):
        qn = connection.ops.quote_name
        pg = connection.vendor == "postgresql"
        self.float_type, self.greatest = ("double precision", "GREATEST") if pg else ("REAL", "MAX")
        v = qn(Volunteer._meta.db_table)
        self.v = {f: f"{v}.{qn(f)}" for f in ("id", "lat", "lon", "home_node_id", "availability", "is_reserve")}
        self.node, self.skills = qn(Node._meta.db_table), qn(Volunteer.skills.through._meta.db_table)
        self.stats = qn(VolunteerDemandStats._meta.db_table)
        self.qn = qn

    def float(self, expr: str) -> str:
        return f"CAST({expr} AS {self.float_type})"


def _num(x: float) -> str:
    return repr(float(x))


@dataclass
class _Plan:
    demand: Demand
    origin: Origin | None
    skills: dict[int, str]  # the category's skills: id → name
    slot: int
    urgent: bool

    @property
    def others_max(self) -> float:
        """The most any volunteer can score apart from distance (the pruning bound)."""
        avail = SLOT_POINTS + (RESERVE_POINTS if self.urgent else 0.0)
        return WEIGHTS["skill"] + WEIGHTS["load"] + WEIGHTS["rating"] + avail

    def reach(self, kth: float) -> float:
        """The distance beyond which nobody can score more than `kth` (∞ if anyone could):
        others_max + distance_points(d) > kth  ⇔  d < reach."""
        room = kth - 2e-9 - self.others_max
        if room <= 0:
            return math.inf
        return max(0.0, DISTANCE_HALF_KM * (WEIGHTS["distance"] / room - 1.0))

    def skill_sql(self, q: _Sql) -> str:
        """40 × the share of the category's skills held: a correlated COUNT, one probe of
        the (volunteer, skill) index per row (an EXISTS may be planned as a hash of every
        holder of the skill in the city)."""
        ids = ", ".join(str(int(pk)) for pk in self.skills)
        return (f"{_num(WEIGHTS['skill'] / len(self.skills))} * (SELECT COUNT(*) FROM {q.skills} s "
                f"WHERE s.{q.qn('volunteer_id')} = {q.v['id']} AND s.{q.qn('skill_id')} IN ({ids}))")

    def _points_at(self, q: _Sql, lat: str, lon: str) -> str:
        o = self.origin
        dy = f"({q.float(lat)} - {_num(o.lat)}) * {_num(KM_PER_DEGREE_LAT)}"
        dx = f"({q.float(lon)} - {_num(o.lon)}) * {_num(o.km_per_degree_lon)}"
        km = f"SQRT(({dy}) * ({dy}) + ({dx}) * ({dx}))"
        return f"{_num(WEIGHTS['distance'])} / (1.0 + {km} / {_num(DISTANCE_HALF_KM)})"

    def near_sql(self, q: _Sql) -> str:
        """Distance points from the volunteer's own coarse position when they consented,
        else from their home node's (a lookup of the node, made only for them); NULL
        without any position."""
        v = q.v
        at_node = self._points_at(q, f"n.{q.qn('lat')}", f"n.{q.qn('lon')}")
        return (f"CASE WHEN {v['lat']} IS NOT NULL AND {v['lon']} IS NOT NULL "
                f"THEN {self._points_at(q, v['lat'], v['lon'])} "
                f"ELSE (SELECT {at_node} FROM {q.node} n WHERE n.{q.qn('id')} = {v['home_node_id']}) END")

    def score_sql(self, q: _Sql) -> str:
        """The score (see the module doc) as one SQL expression; `ranking_reasons.explain` computes the same
        points in Python for the rows it shows."""
        v = q.v
        skill = self.skill_sql(q) if self.skills else _num(WEIGHTS["skill"])
        near = f"COALESCE({self.near_sql(q)}, 0.0)" if self.origin is not None else "0.0"
        # load and ratings: one probe of the summary's primary key per row (a join may be
        # planned as a hash of the whole summary table, for every ring)
        h = {f: q.float(f"h.{q.qn(f)}") for f in ("open_load", "rating_sum", "rated_count")}
        load = f"{q.greatest}({_num(WEIGHTS['load'])} - {_num(LOAD_STEP)} * {h['open_load']}, 0.0)"
        mean = (f"({h['rating_sum']} + {_num(RATING_PRIOR * RATING_PRIOR_WEIGHT)}) / "
                f"({h['rated_count']} + {_num(RATING_PRIOR_WEIGHT)})")
        rating = f"{_num(WEIGHTS['rating'] / 4.0)} * ({mean} - 1.0)"
        history = (f"COALESCE((SELECT {load} + {rating} FROM {q.stats} h WHERE h.{q.qn('volunteer_id')} = {v['id']}), "
                   f"{_num(load_points(0) + rating_points(0, 0))})")
        avail = (f"CASE WHEN ({v['availability']} & {int(self.slot | Availability.EMERGENCY)}) > 0 "
                 f"THEN {_num(SLOT_POINTS)} ELSE 0.0 END")
        if self.urgent:
            avail += f" + CASE WHEN {v['is_reserve']} THEN {_num(RESERVE_POINTS)} ELSE 0.0 END"
        return f"{skill} + {near} + {history} + {avail}"

    def scored(self, pool: QuerySet) -> QuerySet:
        return pool.annotate(score=RawSQL(self.score_sql(_Sql()), (), output_field=FLOAT))


# --- who, from where ----------------------------------------------------------------------

def _origin(demand: Demand) -> Origin | None:
    if demand.lat is not None and demand.lon is not None:
        return Origin(float(demand.lat), float(demand.lon), "demand")
    path = demand.node.path
    paths = [path[:i] for i in range(4, len(path) + 1, 4)]
    node = (Node.objects.filter(path__in=paths, lat__isnull=False, lon__isnull=False)
            .order_by("-depth").only("name", "lat", "lon").first())
    if node is None:
        return None
    return Origin(float(node.lat), float(node.lon), "node", node.name)


def _plan(demand: Demand, now: datetime) -> _Plan:
    return _Plan(demand=demand, origin=_origin(demand),
                 skills=dict(demand.category.skills.order_by("pk").values_list("pk", "name")),
                 slot=current_slot(now), urgent=demand.urgency in URGENT)


def _small(actor) -> bool:
    """Whether the actor's subtrees hold at most SMALL_SCOPE active volunteers (counted up to
    that on the (home_node, status) index alone; the few a team leader or the actor's own
    record add do not matter for the choice)."""
    scope = scope_for(actor)
    if scope.is_global:
        return False
    q = Q(pk__in=[])
    for path in scope.paths(Perm.VOLUNTEER_VIEW):
        q |= Q(home_node__path__startswith=path)
    homed = Volunteer.objects.filter(q, status=VolunteerStatus.ACTIVE).order_by().values("home_node_id")
    return homed[:SMALL_SCOPE + 1].count() <= SMALL_SCOPE


def candidate_pool(*, actor, demand: Demand) -> QuerySet:
    """Everyone who may be ranked: active, dispatchable by the actor, not yet offered it."""
    offered = Offer.objects.filter(demand=demand, volunteer__isnull=False).values_list("volunteer_id", flat=True)
    # only people who can log in and answer: an offer nobody can see just burns its timer
    return (Volunteer.objects.filter(volunteer_visibility_q(actor), status=VolunteerStatus.ACTIVE,
                                     user__isnull=False, user__is_active=True)
            .exclude(pk__in=list(offered)))


def _check(actor, demand: Demand) -> None:
    if not scope_for(actor).allows(Perm.DEMAND_EDIT, demand.node.path):
        raise CoreError.NOT_FOUND.error()
    if demand.status not in RANKABLE:
        raise E.BAD_STATUS.error(status=demand.get_status_display(), action="推荐候选人")


# --- the widening circle ------------------------------------------------------------------

Box = tuple[Decimal, Decimal, Decimal, Decimal]  # lat_lo, lat_hi, lon_lo, lon_hi
_STEP = Decimal("0.001")  # stored coordinates have 3 decimals


def _box(origin: Origin, radius_km: float) -> Box:
    """The bounding box of the radius, rounded outwards to the 3 decimals positions are
    stored with: everyone within `radius_km` is inside it."""
    lat_lo, lat_hi, lon_lo, lon_hi = bounding_box(origin.lat, origin.lon, radius_km)
    down = partial(Decimal.quantize, exp=_STEP, rounding=ROUND_FLOOR)
    up = partial(Decimal.quantize, exp=_STEP, rounding=ROUND_CEILING)
    return (down(Decimal(lat_lo)), up(Decimal(lat_hi)), down(Decimal(lon_lo)), up(Decimal(lon_hi)))


class _Nodes:
    """The nodes around the origin with their distance: volunteers without a position of
    their own are placed at their home node. Fetched once for the first rings (a few
    kilometres) and again only if the search outgrows them."""

    def __init__(self, origin: Origin):
        self.origin, self.fetched_km, self.rows = origin, 0.0, []

    def ring(self, r_in: float | None, r_out: float) -> list[tuple[int, float]]:
        if r_out > self.fetched_km:
            self.fetched_km = max(4.0, r_out * 2)
            b = _box(self.origin, self.fetched_km)
            self.rows = [(pk, self.origin.km_to(lat, lon)) for pk, lat, lon in Node.objects.filter(
                lat__gte=b[0], lat__lte=b[1], lon__gte=b[2], lon__lte=b[3]).values_list("pk", "lat", "lon")]
        return [(pk, km) for pk, km in self.rows if km <= r_out and (r_in is None or km > r_in)]


class _RingQuery:
    """The ranking query of one request, compiled by the ORM once (scope, exclusions, the
    score) with a marker where each ring's condition goes; then run once per ring as plain
    SQL, two SELECTs in a UNION ALL:

    - volunteers with their own position, `lat IN (every stored value of the box) AND lon
      BETWEEN …` — on the (lat, lon) index that is one short range per latitude (stored
      coordinates make the index a grid; a lat range would read the city's whole width)
      — and within the ring by distance: the circle, not the box's corners;
    - volunteers placed at their home node: the ring's nodes, on the partial index of
      those without a position.

    Both indexes carry every column the query reads (index-only scans: no heap reads)."""

    MARK = "/*wenming-ring*/"

    def __init__(self, plan: _Plan, scored: QuerySet, limit: int):
        query = scored.filter(_Marker(self.MARK)).order_by("-score", "pk").values_list("pk", "score")[:limit]
        sql, params = query.query.sql_with_params()
        before, _, after = sql.partition(self.MARK)
        if sql.count(self.MARK) != 1 or "%s" in after:
            raise RuntimeError("ranking query layout not understood")  # the tests run both databases
        self.before, self.after, self.params = before, after, list(params)
        q = _Sql()
        self.near_sql = plan.near_sql(q)
        self.skill_sql = plan.skill_sql(q) if plan.skills else None
        self.plan, self.col = plan, q.v

    def top(self, r_in: float | None, r_out: float, nodes: list[tuple[int, float]],
            beat: float | None = None) -> Ranked:
        """The best of the ring r_in < distance ≤ r_out. With `beat` (the k-th score so far)
        only rows that could still beat it are scored in full: first the distance alone is
        tested (all else at its best), then, for a category with skills, the skills too —
        separate conditions, so the probe runs only when the first holds."""
        plan, c = self.plan, self.col
        floor = None if beat is None else beat - plan.others_max - 1e-9  # distance points needed
        selects = []
        lat_lo, lat_hi, lon_lo, lon_hi = _box(plan.origin, r_out)
        lats = ", ".join(str(lat_lo + _STEP * i) for i in range(int((lat_hi - lat_lo) / _STEP) + 1))
        where = [f"{c['lat']} IN ({lats}) AND {c['lon']} >= {lon_lo} AND {c['lon']} <= {lon_hi}",
                 f"({self.near_sql}) >= {_num(max(distance_points(r_out), floor or 0.0))}"]
        if r_in is not None:
            where.append(f"({self.near_sql}) < {_num(distance_points(r_in))}")
        selects.append(self._select(where, beat))
        if floor is not None:
            nodes = [(pk, km) for pk, km in nodes if distance_points(km) >= floor]
        if nodes:
            selects.append(self._select([f"{c['home_node_id']} IN ({', '.join(str(int(pk)) for pk, _ in nodes)})",
                                         f"({c['lat']} IS NULL OR {c['lon']} IS NULL)"], beat))
        sql = " UNION ALL ".join(f"SELECT * FROM ({x}) ring{i}" for i, x in enumerate(selects))
        with connection.cursor() as cur:
            cur.execute(sql, self.params * len(selects))
            return [(pk, float(score)) for pk, score in cur.fetchall()]

    def _select(self, where: list[str], beat: float | None) -> str:
        if beat is not None and self.skill_sql is not None:
            need = beat - (self.plan.others_max - WEIGHTS["skill"]) - 1e-9
            where = [*where, f"({self.skill_sql}) + ({self.near_sql}) >= {_num(need)}"]
        return f"{self.before}({' AND '.join(where)}){self.after}"


class _Marker(Expression):
    """A condition that compiles to a marker comment (replaced by each ring's condition)."""

    output_field = BooleanField()

    def __init__(self, mark: str):
        super().__init__()
        self.mark = mark

    def as_sql(self, compiler, connection):
        return self.mark, []


Ranked = list[tuple[int, float]]  # (volunteer id, score), best first


def _top(qs: QuerySet, limit: int) -> Ranked:
    return list(qs.order_by("-score", "pk").values_list("pk", "score")[:limit])


def _merge(a: Ranked, b: Ranked, limit: int) -> Ranked:
    return sorted(a + b, key=lambda row: (-row[1], row[0]))[:limit]


def _ranked(plan: _Plan, pool: QuerySet, limit: int, *, small: bool = False) -> tuple[Ranked, str]:
    """The top `limit` and how far the search went. `small`: the actor's subtrees hold at
    most SMALL_SCOPE volunteers (about a station's worth): one query over all of them."""
    scored = plan.scored(pool)
    if small:
        return _top(scored, limit), "scope"
    if plan.origin is None:
        # no position anywhere up the tree: the request's own subtree, widened upwards
        path = plan.demand.node.path
        for cut in range(len(path), 0, -4):
            top = _top(scored.filter(home_node__path__startswith=path[:cut]), limit)
            if len(top) >= limit:
                return top, f"subtree {path[:cut]}"
        return _top(scored, limit), "all"
    rings, nodes = _RingQuery(plan, scored, limit), _Nodes(plan.origin)
    found = None
    if plan.skills:
        # Look for people holding a skill from the start: whoever holds none scores at most
        # `floor`. That is exact when `limit` people score at least `floor`; when the k-th
        # is below it, search again without it.
        found = _widen(plan, rings, nodes, limit, plan.others_max - WEIGHTS["skill"] + WEIGHTS["distance"])
    if found is None:
        found = _widen(plan, rings, nodes, limit, None)
    # beyond MAX_RADIUS_KM (a scope with fewer than `limit` people anywhere near): everyone
    return (_top(scored, limit), "all") if found in (None, _EXHAUSTED) else found


_EXHAUSTED = "exhausted"


def _widen(plan: _Plan, rings: _RingQuery, nodes: _Nodes, limit: int, floor: float | None):
    """Rings outwards until the top `limit` is proven: (top, "r km"); None if the k-th ends
    below `floor`; _EXHAUSTED past MAX_RADIUS_KM."""
    top: Ranked = []
    r_in, radius = None, FIRST_RADIUS_KM * (1.5 if plan.skills else 1.0)  # skilled people are fewer
    while radius <= MAX_RADIUS_KM:
        kth = top[-1][1] if len(top) >= limit else None
        beat = floor if kth is None else kth if floor is None else max(kth, floor)
        top = _merge(top, rings.top(r_in, radius, nodes.ring(r_in, radius), beat), limit)
        r_in = radius
        # Everyone not read yet is farther than `radius`, so scores less than
        # others_max + distance_points(radius): done when the k-th score beats that.
        if len(top) >= limit and top[-1][1] > plan.others_max + distance_points(radius) + 1e-9:
            if floor is not None and top[-1][1] < floor:
                return None  # someone skipped below `floor` might have been in the top
            return top, f"{radius:.2f} km"
        # else widen: straight to where the k-th score is out of reach (farther rows fail
        # the cheap distance test), or, while anyone could still beat it, double the area
        reach = plan.reach(top[-1][1]) if len(top) >= limit else math.inf
        radius = max(reach, radius * 1.05) if reach < MAX_RADIUS_KM else radius * math.sqrt(2)
    return _EXHAUSTED


@contextmanager
def _short_queries():
    """One transaction (a consistent view across the rings). On PostgreSQL, for it alone:
    no JIT — the ring queries read a few thousand index entries, but their cost estimate
    (the correlated probes) can pass jit_above_cost, and compiling takes longer (~40 ms)
    than running them; no bitmap scans — the planner likes to turn the ring's "not in the
    inner box" into a BitmapOr, which reads the heap (cold on a big table) where the
    index-only scan reads nothing but the index."""
    if connection.vendor != "postgresql":
        # SQLite: an atomic block would be BEGIN IMMEDIATE, the database-wide write lock,
        # held for a read; without it the queries read in autocommit.
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SET LOCAL jit = off; SET LOCAL enable_bitmapscan = off")
        yield


def rank_candidates(*, actor, demand: Demand, limit: int = 10, now: datetime | None = None) -> list[Candidate]:
    """The best `limit` candidates for the request, with their reasons (see the module doc)."""
    _check(actor, demand)
    limit = max(1, min(int(limit), MAX_LIMIT))
    with _short_queries():
        plan = _plan(demand, now or timezone.now())
        pool = candidate_pool(actor=actor, demand=demand)
        top, _ = _ranked(plan, pool, limit, small=_small(actor))
        from .ranking_reasons import explain  # reasons import this module's plan and weights

        return explain(plan, [pk for pk, _ in top])


def rank_search(*, actor, demand: Demand, limit: int = 10, now: datetime | None = None) -> tuple[Ranked, str]:
    """(volunteer id, score) of the top `limit` and where the widening search stopped
    ("0.5 km", "all" …): for the benchmark, which compares them with `rank_full_scan`."""
    _check(actor, demand)
    with _short_queries():
        pool = candidate_pool(actor=actor, demand=demand)
        return _ranked(_plan(demand, now or timezone.now()), pool, limit, small=_small(actor))


def rank_full_scan(*, actor, demand: Demand, limit: int = 10, now: datetime | None = None) -> Ranked:
    """The same top `limit` by one ORDER BY over every candidate (no box): the reference the
    benchmark and the tests compare `rank_candidates` with."""
    _check(actor, demand)
    plan = _plan(demand, now or timezone.now())
    return _top(plan.scored(candidate_pool(actor=actor, demand=demand)), limit)
