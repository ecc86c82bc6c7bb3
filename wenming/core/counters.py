from django.db import transaction
from django.db.models import F

from .models import Counter


def counter_take(name: str, count: int = 1) -> int:
    """Reserve `count` numbers; returns the first. The UPDATE locks the row until commit."""
    with transaction.atomic():
        Counter.objects.get_or_create(name=name)
        Counter.objects.filter(name=name).update(value=F("value") + count)
        last = Counter.objects.values_list("value", flat=True).get(name=name)
    return last - count + 1
