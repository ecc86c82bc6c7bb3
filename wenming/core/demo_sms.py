"""演示短信: where the texts go when no SMS gateway is configured (issue 15).

With the embedded default (`WENMING_NOTIFY_BACKEND` = outbox or console) a one-time code is
only a row in the outbox, so a newcomer trying the demo never sees it. This page shows the
texts written for a phone number in the last hour, newest first.

It hands every code to whoever types the number, so it must never exist where real people's
phones are: it answers 404 unless all of these hold —

- not `WENMING_ENV=production` (cannot be overridden; a system check refuses the combination);
- no real SMS gateway is configured (`core.notify.real_sms_configured`);
- `WENMING_DEMO_SMS_INBOX` (setting `DEMO_SMS_INBOX`) is `on`, or `auto` (the default) and
  the database holds the demo county (`wenming seed demo` / `wenming demo` wrote its
  `seed.demo` audit row). An office-LAN install without TLS leaves WENMING_ENV unset
  (docs/deployment.md) and may run on the outbox: on its real data `auto` keeps the page
  away; `off` turns it off everywhere.
"""

import os
from datetime import timedelta

from django import forms
from django.conf import settings
from django.core import checks
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .crypto import decrypt
from .errors import CoreError
from .middleware import client_ip
from .models import AuditEntry, Notification
from .notify import real_sms_configured
from .phone_codes import PhoneMissing, mobile_number
from .ratelimit import allow

WINDOW = timedelta(hours=1)
SHOWN = 20
SCANNED = 500  # phone-only rows of the last hour looked at (each is decrypted to compare)
LOOKS_PER_CLIENT = 120  # look-ups per client address and 10 minutes
BAD_PHONE = "手机号码无效，应为 11 位中国大陆手机号"


def mode() -> str:
    value = getattr(settings, "DEMO_SMS_INBOX", None) or os.environ.get("WENMING_DEMO_SMS_INBOX", "auto")
    value = str(value).strip().lower()
    return {"1": "on", "yes": "on", "true": "on", "0": "off", "no": "off", "false": "off"}.get(value, value)


def demo_sms_enabled() -> bool:
    if getattr(settings, "PRODUCTION", False) or real_sms_configured():
        return False
    current = mode()
    if current == "on":
        return True
    if current == "auto":
        return AuditEntry.objects.filter(action="seed.demo").exists()
    return False


def demo_texts(phone: str, *, now=None) -> list[Notification]:
    """Texts to `phone` (11 digits) written in the last hour, newest first."""
    now = now or timezone.now()
    rows = (Notification.objects.filter(recipient__isnull=True, volunteer__isnull=True, created_at__gte=now - WINDOW)
            .exclude(phone_enc="").order_by("-created_at", "-id")[:SCANNED])
    found = []
    for row in rows:
        try:
            to = decrypt(row.phone_enc)
        except Exception:  # a row from before a key change: not this demo's
            continue
        if to == phone:
            found.append(row)
            if len(found) >= SHOWN:
                break
    return found


class InboxForm(forms.Form):
    phone = forms.CharField(label="手机号", max_length=20, error_messages={
        "required": "请填写手机号码", "null_characters_not_allowed": BAD_PHONE, "max_length": BAD_PHONE},
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))

    def clean_phone(self):
        try:
            return mobile_number(self.cleaned_data["phone"])
        except PhoneMissing:
            raise forms.ValidationError("请填写手机号码") from None
        except ValueError:
            raise forms.ValidationError(BAD_PHONE) from None


@never_cache
@require_http_methods(["GET", "POST"])
def inbox(request):
    """The phone number comes in a POST (never in the URL or the access log)."""
    if not demo_sms_enabled():
        raise Http404
    form = InboxForm(request.POST or None)
    texts, status, error = None, 200, None
    if request.method == "POST":
        if not allow("demo-sms", client_ip(request) or "", limit=LOOKS_PER_CLIENT, window=600):
            error, status = CoreError.RATE_LIMITED.error(), 429
        elif form.is_valid():
            texts = demo_texts(form.cleaned_data["phone"])
        else:
            status = 422
    return render(request, "core/demo_sms.html", {"form": form, "texts": texts, "error": error,
                                                  "window_minutes": int(WINDOW.total_seconds() // 60)},
                  status=status)


@checks.register(checks.Tags.security)
def check_demo_sms_not_in_production(app_configs=None, **kwargs):
    """The inbox would give every resident's code to anyone: never with WENMING_ENV=production
    (registered by accounts.apps, whose phone-code login makes this matter most)."""
    if getattr(settings, "PRODUCTION", False) and mode() == "on":
        return [checks.Error("WENMING_DEMO_SMS_INBOX=on 不能用于生产环境（演示短信页会公开所有验证码）",
                             hint="删除 WENMING_DEMO_SMS_INBOX 或设为 off；生产环境请配置短信网关（WENMING_NOTIFY_BACKEND）",
                             id="wenming.E001")]
    return []
