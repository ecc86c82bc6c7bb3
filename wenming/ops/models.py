"""Tables of the operations app. (The module also makes Django send this app
`post_migrate`, which creates the shared cache's table: apps.py.)"""

from django.db import models


class KeyRecord(models.Model):
    """Fingerprints of the field keys and the blind-index key the data was written with (one
    row). A server started with other keys — var/secrets.json lost or replaced, a wrong
    environment — would show every ID number as （无法解密） and make every new one
    unfindable; it refuses to start instead (wenming/ops/keys.py)."""

    field_keys = models.JSONField("字段密钥指纹", default=list)
    blind_index_key = models.CharField("索引密钥指纹", max_length=64)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "密钥指纹"
        verbose_name_plural = "密钥指纹"

    def __str__(self):
        return f"密钥指纹 {self.blind_index_key[:12]}…"
