from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from wenming.core.crypto import decrypt
from wenming.core.dates import age_on

ID_PURPOSE = "volunteer.id_number"
PHONE_PURPOSE = "volunteer.phone"


class IdType(models.TextChoices):
    RESIDENT = "resident", "居民身份证"
    HMT_RESIDENCE = "hmt_residence", "港澳台居民居住证"
    PASSPORT = "passport", "护照"


class Sex(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class PoliticalStatus(models.TextChoices):
    PARTY_MEMBER = "party_member", "中共党员"
    PROBATIONARY = "probationary", "中共预备党员"
    LEAGUE_MEMBER = "league_member", "共青团员"
    DEMOCRATIC_PARTY = "democratic_party", "民主党派"
    MASSES = "masses", "群众"


class Availability(models.IntegerChoices):
    """Bit flags; a volunteer's availability is their sum."""

    WEEKDAY_DAY = 1, "工作日白天"
    WEEKDAY_EVENING = 2, "工作日晚上"
    WEEKEND = 4, "周末节假日"
    EMERGENCY = 8, "应急随时"


class VolunteerStatus(models.TextChoices):
    ACTIVE = "active", "在册"
    SUSPENDED = "suspended", "暂停"
    WITHDRAWN = "withdrawn", "已退出"


class Source(models.TextChoices):
    SELF = "self", "自主注册"
    STAFF = "staff", "工作人员录入"
    IMPORT = "import", "批量导入"
    SEED = "seed", "演示数据"


class Skill(models.Model):
    code = models.CharField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=32, unique=True)
    sort = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "技能"
        verbose_name_plural = "技能"
        ordering = ["sort", "id"]

    def __str__(self):
        return self.name


class Volunteer(models.Model):
    """A real-name volunteer. ID number and phones are encrypted; *_hash are keyed blind indexes."""

    name = models.CharField("姓名", max_length=50)
    name_pinyin = models.CharField("姓名拼音", max_length=200, db_index=True, editable=False)
    name_initials = models.CharField("姓名首字母", max_length=50, db_index=True, editable=False)
    id_type = models.CharField("证件类型", max_length=16, choices=IdType.choices, default=IdType.RESIDENT)
    id_number_enc = models.TextField("证件号码（密文）", editable=False)
    id_number_hash = models.CharField(max_length=64, editable=False)  # unique: see Meta
    id_number_masked = models.CharField("证件号码", max_length=32, editable=False)
    birth_date = models.DateField("出生日期")
    sex = models.CharField("性别", max_length=1, choices=Sex.choices)
    phone_enc = models.TextField("手机号（密文）", editable=False)
    phone_hash = models.CharField(max_length=64, editable=False)
    phone_masked = models.CharField("手机号", max_length=20, editable=False)
    volunteer_no = models.CharField("志愿者编号", max_length=20, editable=False)
    political_status = models.CharField(
        "政治面貌", max_length=20, choices=PoliticalStatus.choices, default=PoliticalStatus.MASSES
    )
    skills = models.ManyToManyField(Skill, verbose_name="技能特长", blank=True, related_name="volunteers")
    home_node = models.ForeignKey(
        "orgs.Node", verbose_name="所属阵地", on_delete=models.PROTECT, related_name="volunteers"
    )
    grid = models.ForeignKey(
        "orgs.Node", verbose_name="所在网格", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    address_enc = models.TextField("居住地址（密文）", blank=True, editable=False)
    # Coarse (3 decimals, ~100 m) and only with location consent: enough to rank by distance.
    lat = models.DecimalField("纬度", max_digits=7, decimal_places=3, null=True, blank=True)
    lon = models.DecimalField("经度", max_digits=7, decimal_places=3, null=True, blank=True)
    availability = models.PositiveSmallIntegerField("可服务时间", default=0)
    is_reserve = models.BooleanField("应急储备", default=False)
    insurance_valid_until = models.DateField("保险有效期至", null=True, blank=True)
    consent_terms_at = models.DateTimeField("同意服务协议时间", null=True, blank=True)
    consent_location_at = models.DateTimeField("同意位置信息处理时间", null=True, blank=True)
    consent_health_at = models.DateTimeField("同意健康信息处理时间", null=True, blank=True)
    guardian_name = models.CharField("监护人姓名", max_length=50, blank=True)
    guardian_phone_enc = models.TextField("监护人电话（密文）", blank=True, editable=False)
    guardian_phone_masked = models.CharField("监护人电话", max_length=20, blank=True, editable=False)
    guardian_consent_at = models.DateTimeField("监护人同意时间", null=True, blank=True)
    status = models.CharField("状态", max_length=16, choices=VolunteerStatus.choices, default=VolunteerStatus.ACTIVE)
    source = models.CharField("来源", max_length=16, choices=Source.choices, default=Source.STAFF)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="登录账号", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="volunteer",
    )
    registered_at = models.DateTimeField("注册时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "志愿者"
        verbose_name_plural = "志愿者"
        ordering = ["-id"]
        # Hashes and numbers are matched exactly, never with LIKE: plain indexes and
        # constraints, so PostgreSQL does not add a second "_like" index to each.
        indexes = [
            models.Index(fields=["home_node", "status"], name="volunteer_node_status_idx"),
            models.Index(fields=["political_status"], name="volunteer_political_idx"),
            models.Index(fields=["phone_hash"], name="volunteer_phone_hash_idx"),
            # Candidate ranking (demands/ranking.py) reads volunteers near a request from these
            # two alone (index-only scans on PostgreSQL, no heap reads): by their own position,
            # or, without one, by their home node's.
            models.Index(fields=["lat", "lon"], name="volunteer_position_idx",
                         include=["id", "status", "availability", "is_reserve", "home_node", "user"]),
            models.Index(fields=["home_node", "status"], name="volunteer_unplaced_node_idx",
                         include=["id", "lat", "lon", "availability", "is_reserve", "user"],
                         condition=Q(lat__isnull=True) | Q(lon__isnull=True)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["id_number_hash"], name="volunteer_id_number_unique"),
            models.UniqueConstraint(fields=["volunteer_no"], name="volunteer_no_unique"),
            models.CheckConstraint(
                condition=Q(lat__isnull=True) | Q(consent_location_at__isnull=False),
                name="volunteer_location_needs_consent",
            ),
            models.CheckConstraint(
                condition=Q(availability__gte=0) & Q(availability__lte=15), name="volunteer_availability_flags"
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.volunteer_no}）"

    @property
    def age(self) -> int:
        """Age today. Shown instead of the birth date, which would unmask the ID number."""
        return age_on(self.birth_date, timezone.localdate())

    def reveal_id_number(self) -> str:
        return decrypt(self.id_number_enc)

    def reveal_phone(self) -> str:
        return decrypt(self.phone_enc)

    def reveal_address(self) -> str:
        return decrypt(self.address_enc)

    def reveal_guardian_phone(self) -> str:
        return decrypt(self.guardian_phone_enc)

    def availability_labels(self) -> list[str]:
        return [label for value, label in Availability.choices if self.availability & value]


class VolunteerSpell(models.Model):
    """The history the as-of figures need (issue 14): from `since` on, until the next row, the
    volunteer belonged to `node` with these flags. Appended whenever one of them changes
    (dashboards: a past period's 在册/储备/党员 counts are recomputed from these rows)."""

    volunteer = models.ForeignKey(Volunteer, verbose_name="志愿者", on_delete=models.CASCADE, related_name="+")
    since = models.DateField("起始日期")
    node = models.ForeignKey("orgs.Node", verbose_name="所属阵地", on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField("在册")
    reserve = models.BooleanField("应急储备")
    party = models.BooleanField("党员")
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "志愿者状态历史"
        verbose_name_plural = "志愿者状态历史"
        ordering = ["volunteer", "since", "id"]
        indexes = [models.Index(fields=["volunteer", "since"], name="volunteers_spell_vol_idx")]

    def __str__(self):
        return f"{self.volunteer_id} @ {self.since}"


class VolunteerCertificate(models.Model):
    """A qualification a volunteer holds (e.g. 红十字救护员证), with its expiry."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="certificates")
    name = models.CharField("证书名称", max_length=100)
    number = models.CharField("证书编号", max_length=64, blank=True)
    issuer = models.CharField("发证机构", max_length=100, blank=True)
    issued_on = models.DateField("发证日期", null=True, blank=True)
    expires_on = models.DateField("有效期至", null=True, blank=True)

    class Meta:
        verbose_name = "资格证书"
        verbose_name_plural = "资格证书"
        ordering = ["expires_on"]

    def __str__(self):
        return self.name


class TeamLevel(models.TextChoices):
    CORPS = "corps", "总队"
    DETACHMENT = "detachment", "支队"
    DIVISION = "division", "分队"
    SQUAD = "squad", "小队"


TEAM_LEVEL_RANK = {TeamLevel.CORPS: 1, TeamLevel.DETACHMENT: 2, TeamLevel.DIVISION: 3, TeamLevel.SQUAD: 4}


class TeamKind(models.TextChoices):
    GENERAL = "general", "综合队伍"
    PARTY = "party", "党员志愿服务队"
    PROFESSIONAL = "professional", "专业队伍"


class Team(models.Model):
    name = models.CharField("队伍名称", max_length=100)
    level = models.CharField("层级", max_length=16, choices=TeamLevel.choices)
    kind = models.CharField("类型", max_length=16, choices=TeamKind.choices, default=TeamKind.GENERAL)
    parent = models.ForeignKey(
        "self", verbose_name="上级队伍", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    node = models.ForeignKey("orgs.Node", verbose_name="所属阵地", on_delete=models.PROTECT, related_name="teams")
    description = models.TextField("简介", blank=True)
    skill = models.ForeignKey(
        Skill, verbose_name="专业方向", null=True, blank=True, on_delete=models.SET_NULL, related_name="teams"
    )
    archived_at = models.DateTimeField("归档时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "志愿服务队伍"
        verbose_name_plural = "志愿服务队伍"
        ordering = ["node__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["node", "name"], name="team_unique_name_per_node"),
        ]

    def __str__(self):
        return self.name


class MemberRole(models.TextChoices):
    LEADER = "leader", "队长"
    DEPUTY = "deputy", "副队长"
    MEMBER = "member", "队员"


class TeamMember(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField("职务", max_length=16, choices=MemberRole.choices, default=MemberRole.MEMBER)
    joined_at = models.DateTimeField("加入时间", auto_now_add=True)

    class Meta:
        verbose_name = "队员"
        verbose_name_plural = "队员"
        constraints = [
            models.UniqueConstraint(fields=["team", "volunteer"], name="team_member_unique"),
        ]

    def __str__(self):
        return f"{self.team} · {self.volunteer}"


from .change_models import ChangeKind, ChangeStatus, ProfileChange  # noqa: E402,F401
