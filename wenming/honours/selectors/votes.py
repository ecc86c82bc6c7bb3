"""The vote as staff and voters see it: a voter's own votes, and the clusters of votes that
look like stuffing, for staff to check and void.

Clusters (each lists its live votes, so staff see exactly what they would void):
- `address`: one client address behind votes of many phones (a vote farm behind one NAT);
- `device`: one device id behind votes of several phones (phones swapped on one handset);
- `burst`: a nominee receiving far more votes in ten minutes than in a usual ten minutes;
- `new_phones`: a run of phones verified for the first time, voting within a short window
  for one nominee (bulk-created numbers), and virtual-operator numbers (170/171/16x).
Thresholds are module constants, stated in docs/honours.md.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median

from ..models import LIVE_VOTE, HonourCampaign, Vote, VoterPass

ADDRESS_PHONES = 5  # distinct phones behind one address
DEVICE_PHONES = 3  # distinct phones on one device
BURST_WINDOW = timedelta(minutes=10)
BURST_MIN, BURST_TIMES_USUAL = 30, 5  # at least 30 votes, and 5× the nominee's usual window
NEW_PHONE_WINDOW = timedelta(minutes=30)
NEW_PHONES = 10  # first-time phones for one nominee within the window
VIRTUAL_PHONES = 5


@dataclass
class Cluster:
    kind: str
    label: str
    key: str
    vote_ids: list[int] = field(default_factory=list)
    phones: set = field(default_factory=set)
    nominations: set = field(default_factory=set)
    first: datetime | None = None
    last: datetime | None = None

    def add(self, row) -> None:
        self.vote_ids.append(row["id"])
        self.phones.add(row["phone_hash"])
        self.nominations.add(row["nomination_id"])
        self.first = min(self.first or row["created_at"], row["created_at"])
        self.last = max(self.last or row["created_at"], row["created_at"])


def my_votes(campaign: HonourCampaign, voter_pass: VoterPass):
    return (Vote.objects.filter(campaign=campaign, phone_hash=voter_pass.phone_hash).select_related("nomination")
            .order_by("-created_at", "-id"))


def vote_clusters(campaign: HonourCampaign) -> list[Cluster]:
    rows = list(Vote.objects.filter(LIVE_VOTE, campaign=campaign).order_by("created_at", "id").values(
        "id", "nomination_id", "phone_hash", "address_hash", "device_hash", "created_at",
        "voter_pass__first_seen", "voter_pass__virtual_segment"))
    out: list[Cluster] = []
    for what, limit, label in (("address", ADDRESS_PHONES, "同一网络地址多个手机号投票"),
                               ("device", DEVICE_PHONES, "同一设备多个手机号投票")):
        groups: dict[str, list] = defaultdict(list)
        for row in rows:
            if row[f"{what}_hash"]:
                groups[row[f"{what}_hash"]].append(row)
        for key, group in groups.items():
            if len({r["phone_hash"] for r in group}) >= limit:
                cluster = Cluster(what, label, key)
                for r in group:
                    cluster.add(r)
                out.append(cluster)
    out += _bursts(rows) + _new_phones(rows)
    return sorted(out, key=lambda c: -len(c.vote_ids))


def _bucket(when: datetime) -> int:
    return int(when.timestamp() // BURST_WINDOW.total_seconds())


def _bursts(rows) -> list[Cluster]:
    by_nominee: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        by_nominee[row["nomination_id"]][_bucket(row["created_at"])].append(row)
    out = []
    for nomination_id, buckets in by_nominee.items():
        usual = median(len(b) for b in buckets.values())
        for bucket, group in buckets.items():
            if len(group) >= max(BURST_MIN, BURST_TIMES_USUAL * usual):
                cluster = Cluster("burst", "短时间内集中投票", f"{nomination_id}:{bucket}")
                for r in group:
                    cluster.add(r)
                out.append(cluster)
    return out


def _new_phones(rows) -> list[Cluster]:
    out = []
    by_nominee: dict[int, list] = defaultdict(list)
    virtual: dict[int, list] = defaultdict(list)
    for row in rows:
        if row["voter_pass__first_seen"]:
            by_nominee[row["nomination_id"]].append(row)
        if row["voter_pass__virtual_segment"]:
            virtual[row["nomination_id"]].append(row)
    for nomination_id, group in by_nominee.items():
        start = 0
        picked: set[int] = set()
        for end, row in enumerate(group):  # a sliding window over first-time phones' votes
            while row["created_at"] - group[start]["created_at"] > NEW_PHONE_WINDOW:
                start += 1
            if end - start + 1 >= NEW_PHONES:
                picked.update(range(start, end + 1))
        if picked:
            cluster = Cluster("new_phones", "大量新号码集中投票", str(nomination_id))
            for i in sorted(picked):
                cluster.add(group[i])
            out.append(cluster)
    for nomination_id, group in virtual.items():
        if len({r["phone_hash"] for r in group}) >= VIRTUAL_PHONES:
            cluster = Cluster("virtual", "虚拟运营商号段集中投票", str(nomination_id))
            for r in group:
                cluster.add(r)
            out.append(cluster)
    return out
