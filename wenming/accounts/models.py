from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q

from wenming.core.crypto import blind_index, decrypt, encrypt, mask_phone

from .roles import Role

PHONE_PURPOSE = "user.phone"


class User(AbstractUser):
    """An account. Phones are personal data: encrypted, with a blind index for phone login."""

    display_name = models.CharField("姓名", max_length=50, blank=True)
    phone_enc = models.TextField("手机号（密文）", blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    phone_masked = models.CharField("手机号", max_length=20, blank=True, editable=False)
    # When the holder last proved the phone with a text code (phone-code login). Requests
    # made with a phone become "mine" only for an account whose phone was proven this way.
    phone_verified_at = models.DateTimeField("手机号验证时间", null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        "self", verbose_name="创建人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        editable=False,
    )

    objects = UserManager()

    class Meta:
        verbose_name = "账号"
        verbose_name_plural = "账号"

    def __str__(self):
        return self.display_name or self.username

    def set_phone(self, phone: str) -> None:
        new_hash = blind_index(phone, PHONE_PURPOSE) or None
        if new_hash != self.phone_hash:
            self.phone_verified_at = None  # a new number is not proven until a code says so
        self.phone_enc = encrypt(phone)
        self.phone_hash = new_hash
        self.phone_masked = mask_phone(phone)

    def reveal_phone(self) -> str:
        return decrypt(self.phone_enc)


class RoleAssignment(models.Model):
    """A role held at a node; its scope is the node's whole subtree (or the team, or the unit)."""

    user = models.ForeignKey(User, verbose_name="账号", on_delete=models.CASCADE, related_name="assignments")
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    node = models.ForeignKey("orgs.Node", verbose_name="阵地", on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(
        "volunteers.Team", verbose_name="队伍", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name="文明单位", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    may_reveal_pii = models.BooleanField("可查看个人敏感信息", default=False)
    granted_by = models.ForeignKey(
        User, verbose_name="授权人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField("授权时间", auto_now_add=True)

    class Meta:
        verbose_name = "角色分配"
        verbose_name_plural = "角色分配"
        constraints = [
            # NULLs never collide in a unique index, so each shape gets its own partial constraint.
            models.UniqueConstraint(
                fields=["user", "role", "node", "team"], condition=Q(team__isnull=False),
                name="assignment_unique_team",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "node", "unit"], condition=Q(unit__isnull=False),
                name="assignment_unique_unit",
            ),
            models.CheckConstraint(condition=Q(team__isnull=True) | Q(unit__isnull=True),
                                   name="assignment_team_or_unit"),
            models.UniqueConstraint(
                fields=["user", "role", "node"], condition=Q(team__isnull=True, unit__isnull=True),
                name="assignment_unique_plain",
            ),
            models.CheckConstraint(
                condition=~Q(role="team_leader") | Q(team__isnull=False), name="team_leader_has_team"
            ),
            models.CheckConstraint(
                condition=~Q(role="unit_liaison") | Q(unit__isnull=False), name="unit_liaison_has_unit"
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.node}"


class ApiToken(models.Model):
    """A bearer token for the API. Only a SHA-256 of the secret is stored."""

    user = models.ForeignKey(User, verbose_name="账号", on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField("前缀", max_length=12, editable=False)
    name = models.CharField("用途", max_length=100, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    expires_at = models.DateTimeField("过期时间")
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"

    def __str__(self):
        return f"{self.prefix}… ({self.user})"


class LoginAttempt(models.Model):
    """Failed logins, kept to lock out guessing. Identifier is a blind index, not the raw name."""

    identifier_hash = models.CharField(max_length=64, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "登录失败记录"
        verbose_name_plural = "登录失败记录"

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.ip or ''}"
