"""Duplicate taps and concurrent requests: the database decides, not a Python check."""

import threading

import pytest
from django.db import connection

from wenming.core.errors import DomainError
from wenming.orgs.models import Node
from wenming.volunteers.inputs import build_values, skills_index
from wenming.volunteers.models import Volunteer
from wenming.volunteers.services import volunteer_register
from wenming.volunteers.tests.factories import build_world, volunteer_input


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_registrations_of_one_id_make_one_volunteer():
    world = build_world()
    data = volunteer_input(world.station_a, name="并发测试")
    values = build_values(data, resolve_node=lambda k: Node.objects.get(pk=k), skills_by_key=skills_index())
    before = Volunteer.objects.count()
    outcomes, barrier = [], threading.Barrier(8)

    def register():
        try:
            barrier.wait()
            volunteer_register(actor=world.root, values=values)
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=register) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1
    assert set(outcomes) == {"ok", "volunteer.id_duplicate"}
    assert Volunteer.objects.count() == before + 1
    numbers = list(Volunteer.objects.values_list("volunteer_no", flat=True))
    assert len(numbers) == len(set(numbers))
