"""A request id for every request, and one access-log line for it.

The id comes from the proxy's X-Request-ID header when it is a plain token (nginx sets
`$request_id`, docs/deployment.md), otherwise it is made here; it is sent back in the
response so a user's report can be matched to the log. The access line holds the method,
the path without its query string (a search may carry a phone number), the status, the
time taken and the user id: no personal data.
"""

import logging
import re
import time
import uuid

from wenming.core.context import current_request, current_request_id

log = logging.getLogger("wenming.request")
_TOKEN = re.compile(r"[A-Za-z0-9._-]{8,64}")
QUIET_PATHS = ("/healthz", "/readyz")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.headers.get("X-Request-ID", "")
        request_id = offered if _TOKEN.fullmatch(offered) else uuid.uuid4().hex
        request.request_id = request_id
        tokens = current_request_id.set(request_id), current_request.set(request)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            if request.path not in QUIET_PATHS:
                log.info("%s %s %s", request.method, request.path[:200], response.status_code, extra={
                    "method": request.method, "path": request.path[:200], "status": response.status_code,
                    "ms": round((time.monotonic() - started) * 1000, 1)})
            return response
        finally:
            current_request_id.reset(tokens[0])
            current_request.reset(tokens[1])
