"""Errors to Sentry when WENMING_SENTRY_DSN is set: without personal data (no request
bodies, cookies, user names or addresses, no local variables of the failing frames) and
without performance traces unless asked for."""

import os


def sentry_init(dsn: str, *, environment: str) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=os.environ.get("WENMING_SENTRY_ENVIRONMENT", environment),
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        include_local_variables=False,  # a frame's locals may hold an imported row or a phone
        max_request_body_size="never",
        traces_sample_rate=float(os.environ.get("WENMING_SENTRY_TRACES", "0")),
    )
