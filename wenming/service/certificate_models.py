"""志愿服务记录证明 (SPEC 4.4): an issued certificate and the ledger snapshot it certifies.

The PDF is not stored: it is rendered on demand from this row (certificate_services.certificate_pdf).
The snapshot (`lines`, `total_hours`, period) is frozen at issue time, so a later correction of
the ledger never changes a certificate already handed out; a wrong certificate is revoked and a
new one issued. `lines` holds no personal data: date, project title, node name, hours.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Certificate(models.Model):
    number = models.CharField("证书编号", max_length=20, unique=True)
    volunteer = models.ForeignKey("volunteers.Volunteer", verbose_name="志愿者", on_delete=models.PROTECT,
                                  related_name="service_certificates")
    node = models.ForeignKey("orgs.Node", verbose_name="出具单位", on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField("出具时间")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="出具人", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    total_hours = models.DecimalField("累计服务时长", max_digits=9, decimal_places=2)
    period_from = models.DateField("服务起始日期")
    period_to = models.DateField("服务截止日期")
    # Unguessable token for the public verification URL (secrets.token_urlsafe); not the number.
    verify_code = models.CharField("核验码", max_length=32, unique=True)
    # [{"date": "2025-03-01", "project": "…", "node": "…", "hours": "3.00"}, …]
    lines = models.JSONField("服务明细快照", default=list)
    revoked_at = models.DateTimeField("作废时间", null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="作废人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    revoke_reason = models.CharField("作废原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "志愿服务记录证明"
        verbose_name_plural = "志愿服务记录证明"
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["volunteer", "issued_at"], name="service_cert_vol_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(total_hours__gt=0), name="service_cert_positive_hours"),
            models.CheckConstraint(condition=Q(period_to__gte=models.F("period_from")),
                                   name="service_cert_period_order"),
        ]

    def __str__(self):
        return self.number

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
