"""A node tree planned in memory, then inserted level by level with bulk_create.

The rows get exactly the `path`, `depth` and `child_seq` that orgs.services.node_create
would give them one by one: the n-th child of a node gets step n, and a parent's
`child_seq` is its number of children (so later node_create calls continue the sequence).
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from wenming.orgs.models import Node, NodeStatus
from wenming.orgs.tree import encode_step


@dataclass(eq=False)
class Plan:
    name: str
    kind: str
    code: str
    admin_code: str = ""
    address: str = ""
    lat: float | None = None
    lon: float | None = None
    contact_name: str = ""
    contact_phone: str = ""
    tag: str = ""  # the generator's own label, e.g. "urban" / "village"
    short: str = ""  # the bare place name (九里村) for naming children
    children: list["Plan"] = field(default_factory=list)
    node: Node | None = None  # the saved row, once inserted

    def add(self, child: "Plan") -> "Plan":
        self.children.append(child)
        return child

    def walk(self) -> Iterator["Plan"]:
        yield self
        for child in self.children:
            yield from child.walk()

    def kids(self, kind: str) -> list["Plan"]:
        return [c for c in self.children if c.kind == kind]


def coord(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(f"{value:.6f}")


def _row(plan: Plan, parent: Node | None, path: str, depth: int) -> Node:
    return Node(
        parent=parent, name=plan.name, kind=plan.kind, path=path, depth=depth, child_seq=len(plan.children),
        code=plan.code, admin_code=plan.admin_code, address=plan.address, lat=coord(plan.lat),
        lon=coord(plan.lon), contact_name=plan.contact_name, contact_phone=plan.contact_phone,
        status=NodeStatus.OPEN,
    )


def insert_tree(root: Plan) -> int:
    """Insert `root` as a new top-level node with its whole subtree; returns the row count."""
    last = Node.objects.filter(depth=1).order_by("-path").values_list("path", flat=True).first()
    level = [(root, None, encode_step(int(last, 36) + 1 if last else 1), 1)]
    total = 0
    while level:
        rows = [_row(plan, parent, path, depth) for plan, parent, path, depth in level]
        Node.objects.bulk_create(rows, batch_size=500)
        if any(row.pk is None for row in rows):  # a backend that cannot return ids
            ids = dict(Node.objects.filter(path__in=[r.path for r in rows]).values_list("path", "pk"))
            for row in rows:
                row.pk = ids[row.path]
        for (plan, *_), row in zip(level, rows, strict=True):
            plan.node = row
        total += len(rows)
        level = [(child, plan.node, plan.node.path + encode_step(i), plan.node.depth + 1)
                 for plan, *_ in level for i, child in enumerate(plan.children, start=1)]
    return total
