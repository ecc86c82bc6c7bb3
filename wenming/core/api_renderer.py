"""The API's JSON renderer: aware datetimes in the site's time zone (core.local_time)."""

import datetime as dt

from django.utils import timezone
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from .local_time import local_iso


class LocalTimeEncoder(NinjaJSONEncoder):
    """Aware datetimes in the site's time zone with their offset (+08:00) instead of UTC "Z":
    the same instant for a program, the clock on the wall for a person."""

    def default(self, o):
        if isinstance(o, dt.datetime) and timezone.is_aware(o):
            return local_iso(o)
        return super().default(o)


class LocalTimeRenderer(JSONRenderer):
    encoder_class = LocalTimeEncoder
