"""Forms of the honours back office: they shape input and give Chinese messages, several at
once where they can; the services validate again, check the actor and the stage, and name
the field of any error (shown next to it by core.decorators.form_submit)."""

from django import forms

from wenming.core.errors import DomainError
from wenming.evaluation.services.attachments import ACCEPT as FILE_ACCEPT
from wenming.volunteers.models import IdType
from wenming.volunteers.validation import normalize_phone, parse_identity

from ..models import Decision, NomineeKind, ReviewStage
from ..services.nominations import MAX_FILES, MAX_PHOTOS

DATE = {"type": "date"}
DATETIME = {"type": "datetime-local"}
BAD_DATE = {"invalid": "请填写正确的日期"}
BAD_TIME = {"invalid": "请填写正确的日期和时间"}
NUMBER = {"inputmode": "numeric"}


def _date(label, **kw):
    return forms.DateField(label=label, widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
                           error_messages=BAD_DATE, **kw)


def _time(label, **kw):
    return forms.DateTimeField(label=label, required=False, error_messages=BAD_TIME,
                               widget=forms.DateTimeInput(attrs=DATETIME, format="%Y-%m-%dT%H:%M"), **kw)


def _int(label, low, high, **kw):
    return forms.IntegerField(label=label, min_value=low, max_value=high, widget=forms.NumberInput(attrs=NUMBER),
                              error_messages={"invalid": f"请填写 {low} 到 {high} 之间的整数"}, **kw)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    """Several files from one <input multiple>: the list of uploads, at most `limit` (the
    services check each file's content)."""

    def __init__(self, *args, limit: int, accept: str, **kwargs):
        self.limit = limit
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept, "multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        items = [d for d in data if d] if isinstance(data, list | tuple) else ([data] if data else [])
        if len(items) > self.limit:
            raise forms.ValidationError(f"最多上传 {self.limit} 个")
        return [super(FilesField, self).clean(d, initial) for d in items]


# --- campaigns ------------------------------------------------------------------------------

# the form's field groups, in order, for the page
CAMPAIGN_GROUPS = [
    ("基本信息", ["category", "node", "name", "year", "places"]),
    ("推荐报名", ["nominate_from", "nominate_until", "by_units", "by_nodes", "self_nomination",
              "recommenders_required", "priority_label"]),
    ("网络投票", ["vote_enabled", "vote_from", "vote_until", "votes_per_nominee_per_day", "votes_per_day",
              "votes_per_address_per_hour", "vote_weight_percent"]),
    ("公示与说明", ["notice_days", "intro"]),
]
RULE_FIELDS = ["name", "places", "nominate_from", "nominate_until", "by_units", "by_nodes", "self_nomination",
               "recommenders_required", "priority_label", "vote_enabled", "vote_from", "vote_until",
               "votes_per_nominee_per_day", "votes_per_day", "votes_per_address_per_hour", "vote_weight_percent",
               "notice_days", "intro"]


class CampaignForm(forms.Form):
    category = forms.ChoiceField(label="典型类别")
    node = forms.ChoiceField(label="主办文明办", help_text="县级及以上文明办；级别（县级/市级/省级）随之确定")
    name = forms.CharField(label="评选名称", max_length=100, help_text="如：2024年度宜昌好人评选")
    year = _int("年度", 2000, 2100)
    places = _int("名额", 1, 1000, help_text="最多评出的人数（拟表彰不能超过名额）")
    nominate_from = _date("推荐开始")
    nominate_until = _date("推荐截止")
    by_units = forms.BooleanField(label="文明单位可推荐", required=False, initial=True)
    by_nodes = forms.BooleanField(label="各级文明办、阵地可推荐", required=False, initial=True)
    self_nomination = forms.BooleanField(label="可个人自荐（在公众页面）", required=False)
    recommenders_required = _int("自荐须联名推荐人数", 0, 20, initial=3)
    priority_label = forms.CharField(label="优先推荐标识", max_length=30, required=False, initial="抗疫一线",
                                     help_text="如：抗疫一线；推荐时可勾选，名单中排在前面")
    vote_enabled = forms.BooleanField(label="设网络投票", required=False, initial=True,
                                      help_text="不设投票时，初审后直接进入复审")
    vote_from = _time("投票开始", help_text="不填则在进入投票阶段时开始")
    vote_until = _time("投票截止", help_text="进入投票阶段前须设好（晚于当时）")
    votes_per_nominee_per_day = _int("每个手机号每天可投同一人", 1, 10, initial=1)
    votes_per_day = _int("每个手机号每天最多投票", 1, 100, initial=5)
    votes_per_address_per_hour = _int("同一网络地址每小时最多投票", 1, 100_000, initial=60)
    vote_weight_percent = _int("投票占复审参考比重（%）", 0, 100, initial=20)
    notice_days = _int("公示天数", 1, 30, initial=7)
    intro = forms.CharField(label="评选说明", max_length=5000, required=False,
                            widget=forms.Textarea(attrs={"rows": 4}), help_text="评选条件、推荐要求等，公众页面可见")

    def __init__(self, *args, categories=(), node_choices=(), edit=False, **kwargs):
        super().__init__(*args, **kwargs)
        if edit:  # the category, the office and the year are the campaign's identity
            for name in ("category", "node", "year"):
                del self.fields[name]
        else:
            self.fields["category"].choices = [("", "请选择")] + list(categories)
            self.fields["node"].choices = [("", "请选择")] + list(node_choices)

    def groups(self):
        return [(title, [self[n] for n in names if n in self.fields]) for title, names in CAMPAIGN_GROUPS]

    def clean(self):
        data = super().clean()
        start, end = data.get("nominate_from"), data.get("nominate_until")
        if start and end and end < start:
            self.add_error("nominate_until", "推荐截止不能早于推荐开始")
        start, end = data.get("vote_from"), data.get("vote_until")
        if start and end and end <= start:
            self.add_error("vote_until", "投票截止须晚于投票开始")
        return data


class CriterionForm(forms.Form):
    name = forms.CharField(label="评审标准", max_length=60, help_text="如：事迹突出、群众认可")
    points = _int("满分", 1, 100)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=200, widget=forms.Textarea(attrs={"rows": 2}))


# --- nominations ----------------------------------------------------------------------------

STORY_HELP = "至少 20 字：做了什么、持续多久、帮助了多少人、群众评价"
CONSENT_LABEL = "被推荐人（或其监护人、单位）已同意推荐，并同意公示其事迹"
PHOTO_ACCEPT = "image/jpeg,image/png,image/webp"


class StoryFields(forms.Form):
    title = forms.CharField(label="事迹标题", max_length=100, help_text="如：抗疫一线的守护者")
    story = forms.CharField(label="主要事迹", max_length=20000, min_length=20, widget=forms.Textarea(attrs={"rows": 8}),
                            help_text=STORY_HELP, error_messages={"min_length": "主要事迹请至少写 20 个字"})
    priority = forms.BooleanField(label="优先推荐", required=False)
    priority_note = forms.CharField(label="优先推荐说明", max_length=200, required=False,
                                    help_text="如：2020年1月起在九里村卡点连续值守六十天")
    consent = forms.BooleanField(label=CONSENT_LABEL, error_messages={"required": "请确认被推荐人已同意推荐并公示其事迹"})

    def __init__(self, *args, priority_label="", **kwargs):
        super().__init__(*args, **kwargs)
        if priority_label:
            self.fields["priority"].label = f"优先推荐（{priority_label}）"


class NominationEditForm(StoryFields):
    """The nominator corrects a submitted or returned nomination (it goes back to the initial
    review)."""


class NominateForm(StoryFields):
    nominated_by = forms.ChoiceField(label="推荐方式", widget=forms.RadioSelect)
    nominating_node = forms.ChoiceField(label="以哪个文明办/阵地的名义推荐", required=False)
    nominating_unit = forms.ChoiceField(label="推荐单位", required=False)
    kind = forms.ChoiceField(label="推荐对象", widget=forms.RadioSelect)
    volunteer = forms.CharField(label="志愿者（编号或姓名）", max_length=50, required=False,
                                help_text="填志愿者编号最准确；同名时须填编号。单位推荐本单位名单以外的志愿者，请同时填编号和姓名，如“WM0000000123 张三”")
    unit = forms.ChoiceField(label="被推荐单位", required=False)
    team = forms.ChoiceField(label="被推荐队伍", required=False)
    name = forms.CharField(label="姓名（家庭填户主姓名）", max_length=50, required=False)
    id_number = forms.CharField(label="身份证号码", max_length=40, required=False,
                                help_text="加密保存，页面和导出只显示脱敏号码；用于防止重复推荐")
    phone = forms.CharField(label="联系电话", max_length=40, required=False, widget=forms.TextInput(attrs=NUMBER))
    place = forms.ChoiceField(label="所在地", required=False)
    work_unit = forms.ChoiceField(label="工作单位", required=False, help_text="可不填；评审时据此回避")
    photos = FilesField(label="照片", required=False, limit=MAX_PHOTOS, accept=PHOTO_ACCEPT,
                        help_text=f"最多 {MAX_PHOTOS} 张")
    files = FilesField(label="证明材料", required=False, limit=MAX_FILES, accept=FILE_ACCEPT,
                       help_text=f"最多 {MAX_FILES} 个（PDF、Word、Excel、图片、ZIP）")

    field_order = ["nominated_by", "nominating_node", "nominating_unit", "kind", "volunteer", "unit", "team", "name",
                   "id_number", "phone", "place", "work_unit", "title", "story", "priority", "priority_note",
                   "photos", "files", "consent"]

    def __init__(self, *args, ways=(), nodes=(), units=(), kinds=(), unit_choices=(), teams=(), places=(),
                 **kwargs):
        super().__init__(*args, **kwargs)
        f = self.fields
        f["nominated_by"].choices = list(ways)
        if len(ways) == 1:
            f["nominated_by"].initial = ways[0][0]
        f["nominating_node"].choices = [("", "请选择")] + list(nodes)
        f["nominating_unit"].choices = [("", "请选择")] + list(units)
        f["kind"].choices = list(kinds)
        if len(kinds) == 1:
            f["kind"].initial = kinds[0][0]
        f["unit"].choices = [("", "请选择")] + list(unit_choices)
        f["work_unit"].choices = [("", "（不填）")] + list(unit_choices)
        f["team"].choices = [("", "请选择")] + list(teams)
        f["place"].choices = [("", "请选择")] + list(places)
        if len(nodes) == 1:
            f["nominating_node"].initial = nodes[0][0]
        if len(units) == 1:
            f["nominating_unit"].initial = units[0][0]

    def clean(self):
        """Everything a form can tell at once: which nominator, the fields the kind needs, the
        ID number's checksum and the phone's shape."""
        data = super().clean()
        how, kind = data.get("nominated_by"), data.get("kind")
        if how == "node" and not data.get("nominating_node"):
            self.add_error("nominating_node", "请选择推荐的文明办或阵地")
        if how == "unit" and not data.get("nominating_unit"):
            self.add_error("nominating_unit", "请选择推荐单位")
        if kind == NomineeKind.VOLUNTEER and not data.get("volunteer"):
            self.add_error("volunteer", "请填写被推荐志愿者的编号或姓名")
        if kind == NomineeKind.UNIT and not data.get("unit"):
            self.add_error("unit", "请选择被推荐的单位")
        if kind == NomineeKind.TEAM and not data.get("team"):
            self.add_error("team", "请选择被推荐的队伍")
        if kind in (NomineeKind.RESIDENT, NomineeKind.FAMILY):
            if not data.get("name"):
                self.add_error("name", "请填写姓名")
            if not data.get("place"):
                self.add_error("place", "请选择所在地")
            try:
                parse_identity(IdType.RESIDENT, data.get("id_number") or "")
            except DomainError as exc:
                self.add_error("id_number", exc.message)
            if data.get("phone"):
                try:
                    normalize_phone(data["phone"])
                except DomainError as exc:
                    self.add_error("phone", exc.message)
        return data


# --- review, selection, votes, objections ---------------------------------------------------

class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label="评审意见", widget=forms.RadioSelect)
    reason = forms.CharField(label="理由", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="退回修改或不通过须写明理由")

    def __init__(self, *args, stage: str, criteria=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(Decision.PASS, "通过"), (Decision.RETURN, "退回修改"), (Decision.REJECT, "不通过")]
        if stage == ReviewStage.FINAL:
            choices = [(Decision.PASS, "同意表彰"), (Decision.REJECT, "不同意")]
            self.fields["reason"].help_text = "不同意须写明理由"
        self.fields["decision"].choices = choices
        self.criteria = list(criteria)
        for c in self.criteria:
            self.fields[f"score_{c.pk}"] = forms.CharField(
                label=f"{c.name}（满分 {c.points}）", max_length=12, required=False,
                widget=forms.TextInput(attrs={"inputmode": "decimal"}), help_text="通过时必填，可有一位小数")

    def scores(self) -> dict:
        data = self.cleaned_data
        return {str(c.pk): data[f"score_{c.pk}"] for c in self.criteria if data.get(f"score_{c.pk}")}


class SelectRejectForm(forms.Form):
    reason = forms.CharField(label="不予表彰的理由", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class VoidForm(forms.Form):
    kind = forms.CharField(max_length=20, widget=forms.HiddenInput)
    key = forms.CharField(max_length=80, widget=forms.HiddenInput)
    votes = forms.CharField(max_length=300_000, widget=forms.HiddenInput)
    reason = forms.CharField(label="作废原因", max_length=200,
                             help_text="如：同一网络地址六个虚拟号段手机号集中投票", error_messages={
                                 "required": "作废投票须填写原因"})


class ObjectionAnswerForm(forms.Form):
    answer = forms.CharField(label="答复", max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="写明核实情况和处理意见")
    upheld = forms.BooleanField(label="异议成立（撤销该对象的拟表彰）", required=False)
