from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from wenming.mobilization import services
from wenming.volunteers.tests.factories import volunteer

CENTER = (Decimal("30.800"), Decimal("110.900"))


def reserve(world, node=None, *, skills="medical、rescue", availability=8, lat="30.801", lon="110.901",
            is_reserve=True, **extra):
    fields = {"skills": skills, "availability": availability, "is_reserve": is_reserve, **extra}
    if lat is not None:
        fields.update(lat=lat, lon=lon, consent_location=True)
    return volunteer(world.root, node or world.station_a, **fields)


def make_call(world, shift, *, actor=None, needed=2, skills=(), radius_km=None, availability_mask=0, **fields):
    from wenming.volunteers.models import Skill

    area = {}
    if radius_km is not None:
        area = {"center_lat": CENTER[0], "center_lon": CENTER[1], "radius_km": Decimal(str(radius_km))}
    return services.call_create(
        actor=actor or world.manager_a, node=world.station_a, shift=shift, title="防汛应急集结", needed=needed,
        deadline=timezone.now() + timedelta(days=1), skills=list(Skill.objects.filter(code__in=skills)),
        availability_mask=availability_mask, **area, **fields,
    )
