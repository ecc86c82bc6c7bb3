"""Probes for the load balancer and the service manager.

/healthz: the process answers (no database touched). /readyz: it can do its work — the
database answers, every migration is applied, the broker and the cache are reachable,
the keys fit the data (wenming/ops/keys.py);
503 with the failing check otherwise. Neither needs a login nor reveals more than ok/not ok
and a short reason.
"""

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .health import readiness


@never_cache
@require_safe
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request):
    ready, checks = readiness()
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503,
                        json_dumps_params={"ensure_ascii": False})
