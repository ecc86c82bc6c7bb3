"""Pages for 志愿服务记录证明: the public verification page (no login) and the PDF download.

The public page shows only what SPEC 4.4 allows: validity, number, issuing node, date, total
hours, the masked name and the volunteer number; never an ID number or a phone. Unknown and
malformed codes or numbers answer the same 404 page.

The QR code carries a random verification code. Typing the certificate number instead needs
the volunteer number printed beside it as well, and is rate-limited per IP address, so
sequential certificate numbers cannot be walked to list who holds certificates.
"""

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from wenming.core.decorators import error_page, login_page
from wenming.core.errors import CoreError
from wenming.core.middleware import client_ip
from wenming.core.ratelimit import allow

from . import certificate_services as services
from .certificate_pdf import certificate_filename

NOT_FOUND_MESSAGE = "未找到该证明，请核对证书编号或核验码"
LOOKUPS_PER_WINDOW, WINDOW_SECONDS = 20, 600  # typed lookups per IP address


def _not_found(request, number: str = "", volunteer_no: str = ""):
    return render(request, "service/certificate_verify.html",
                  {"not_found": NOT_FOUND_MESSAGE, "number": number[:20], "volunteer_no": volunteer_no[:20]},
                  status=404)


def _result(request, cert):
    return render(request, "service/certificate_verify.html", {"cert": services.public_fields(cert)})


def certificate_verify_code(request, code: str):
    cert = services.certificate_by_code(code)
    return _result(request, cert) if cert else _not_found(request)


def certificate_verify_form(request):
    number = (request.GET.get("number") or "").strip()
    volunteer_no = (request.GET.get("volunteer_no") or "").strip()
    if not number and not volunteer_no:
        return render(request, "service/certificate_verify.html", {})
    if not allow("certificate-lookup", client_ip(request) or "", limit=LOOKUPS_PER_WINDOW,
                 window=WINDOW_SECONDS):
        return error_page(request, CoreError.RATE_LIMITED.error())
    cert = services.certificate_by_number(number, volunteer_no=volunteer_no)
    if cert is None:
        return _not_found(request, number, volunteer_no)
    return redirect("service:certificate_verify", code=cert.verify_code)


@never_cache
@login_page
def certificate_pdf(request, certificate_id: int):
    cert = services.certificate_get_for_actor(actor=request.user, certificate_id=certificate_id)
    # The QR link keeps the address (and port) this page was asked on, unless a public one is set.
    response = HttpResponse(services.certificate_pdf(cert, services.site_url(request)), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{certificate_filename(services.certificate_data(cert))}"'
    return response
