import threading
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from wenming.core.errors import DomainError
from wenming.orgs.models import Node
from wenming.service.models import ProjectCategory
from wenming.service.project_services import (
    project_create,
    project_open_recruiting,
    project_publish,
    shift_add,
)
from wenming.volunteers.inputs import build_values, skills_index
from wenming.volunteers.models import Volunteer
from wenming.volunteers.services import volunteer_register
from wenming.volunteers.tests.factories import volunteer_input


def recruiting_shift(world, *, capacity=3, starts_in=timedelta(days=2), hours=3, **project_fields):
    category = ProjectCategory.objects.get(code="civility")
    project = project_create(actor=world.root, node=world.station_a, title="文明劝导进社区", category=category,
                             **project_fields)
    start = timezone.now() + starts_in
    shift = shift_add(actor=world.root, project=project, title="上午岗", starts_at=start,
                      ends_at=start + timedelta(hours=hours), capacity=capacity)
    project_publish(actor=world.root, project=project)
    project_open_recruiting(actor=world.root, project=project)
    shift.refresh_from_db()
    return shift


def many_volunteers(world, count: int, node=None) -> list[Volunteer]:
    """Distinct people: (age, order code) pairs are unique for count < 4,000."""
    node = node or world.station_a
    skills = skills_index()
    out = []
    for i in range(count):
        data = volunteer_input(node, name="志愿者", age=20 + (i // 100) % 40, phone=f"135{i:08d}")
        data["id_number"] = _unique_id(i)
        values = build_values(data, resolve_node=lambda k: Node.objects.get(pk=k), skills_by_key=skills)
        out.append(volunteer_register(actor=world.root, values=values))
    return out


def _unique_id(i: int) -> str:
    from wenming.core.testing import make_id_number, years_ago

    return make_id_number(years_ago(20 + (i // 100) % 40, days=40), seq=i % 100, male=bool(i % 2), area="420527")


def storm(jobs, threads=16):
    """Run callables from `threads` threads at once; each returns a status or error code."""
    results, lock, barrier = [], threading.Lock(), threading.Barrier(threads)
    queue = list(jobs)

    def worker():
        barrier.wait()
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    job = queue.pop()
                try:
                    outcome = job()
                except DomainError as exc:
                    outcome = exc.code
                with lock:
                    results.append(outcome)
        finally:
            connection.close()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return results
