from django.conf import settings

from .context import current_ip


def client_ip(request) -> str | None:
    """The visitor's address. Behind a reverse proxy every request comes from the proxy, so
    WENMING_CLIENT_IP_HEADER (e.g. X-Real-IP) names the header the proxy sets; it is trusted
    only when configured, because a client can send any header it likes."""
    header = settings.CLIENT_IP_HEADER
    if header:
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        first = value.split(",")[0].strip()
        if first:
            return first[:45]
    return request.META.get("REMOTE_ADDR")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)
