"""Forms of the report pages. They check shapes only; the services check the rules again
(author side, state, limits) and answer with `reporting.*` codes shown next to the field."""

from django import forms

from wenming.core.params import parse_pk

from .models import MAX_IMAGES, ReportStatus
from .services import BODY_MAX, COMMENT_MAX, TITLE_MAX

IMAGE_TYPES = "image/jpeg,image/png,image/webp"
MONTH = forms.TextInput(attrs={"type": "month", "placeholder": "2026-05", "pattern": r"\d{4}-\d{2}"})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several images at once (each checked by core.uploads when stored)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": IMAGE_TYPES, "multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        one = super().clean
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        cleaned = [one(f, initial) for f in files if f]
        if len(cleaned) > MAX_IMAGES:
            raise forms.ValidationError(f"每篇报送最多 {MAX_IMAGES} 张图片")
        return cleaned


class ReportForm(forms.Form):
    author = forms.ChoiceField(label="报送单位", help_text="以哪个文明单位或阵地的名义报送",
                               error_messages={"required": "请选择报送单位", "invalid_choice": "请选择报送单位"})
    title = forms.CharField(label="标题", max_length=TITLE_MAX)
    category = forms.TypedChoiceField(label="类别", coerce=int, error_messages={"required": "请选择类别"})
    period = forms.CharField(label="报送期间（月份）", max_length=7, widget=MONTH,
                             help_text="报送的工作所属月份，如 2026-05")
    body = forms.CharField(label="正文", required=False, max_length=BODY_MAX,
                           widget=forms.Textarea(attrs={"rows": 14}),
                           help_text="纯文本，空一行分段；提交前须填写")
    images = MultipleImageField(label="图片", required=False,
                                help_text=f"可多选，JPEG/PNG/WebP，每篇最多 {MAX_IMAGES} 张；"
                                          "照片中的拍摄地点等信息会被自动清除")

    def __init__(self, *args, author_choices=None, category_choices=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—— 请选择 ——"), *category_choices]
        if editing:
            del self.fields["author"]
        else:
            self.fields["author"].choices = list(author_choices or [])

    def author_ids(self) -> dict:
        """{"unit_id": …} or {"node_id": …} from the chosen "unit:<id>" / "node:<id>"."""
        kind, _, raw = self.cleaned_data["author"].partition(":")
        return {f"{kind}_id": parse_pk(raw)}


class ImageForm(forms.Form):
    images = MultipleImageField(label="图片", error_messages={"required": "请选择要上传的图片"})


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label="审核结果", widget=forms.RadioSelect,
                                 choices=[("approve", "审核通过"), ("return", "退回修改")],
                                 error_messages={"required": "请选择审核结果"})
    comment = forms.CharField(label="审核意见", required=False, max_length=COMMENT_MAX,
                              widget=forms.Textarea(attrs={"rows": 3}), help_text="退回时必填")


class CommentForm(forms.Form):
    comment = forms.CharField(label="撤回原因", max_length=COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 2}),
                              error_messages={"required": "请填写撤回原因"})


class AdoptionForm(forms.Form):
    """刊播采用: which outlet adopted the report, when, and the link if any."""

    outlet = forms.ChoiceField(label="刊播平台")
    adopted_on = forms.DateField(label="刊播日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    link = forms.CharField(label="链接", max_length=500, required=False, help_text="选填，如稿件在平台上的网址")

    def __init__(self, *args, outlets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outlet"].choices = [("", "请选择")] + [(str(o.pk), o.name) for o in outlets]


class FilterForm(forms.Form):
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *ReportStatus.choices])
    category = forms.TypedChoiceField(label="类别", required=False, coerce=int, empty_value=None)
    period_from = forms.CharField(label="期间自", required=False, max_length=7, widget=MONTH)
    period_to = forms.CharField(label="期间至", required=False, max_length=7, widget=MONTH)
    search = forms.CharField(label="标题", required=False, max_length=100)

    def __init__(self, *args, category_choices=(), with_status=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "全部"), *category_choices]
        if not with_status:
            del self.fields["status"]


class CountsForm(forms.Form):
    node = forms.TypedChoiceField(label="阵地", required=False, coerce=int, empty_value=None)
    period_from = forms.CharField(label="期间自", required=False, max_length=7, widget=MONTH)
    period_to = forms.CharField(label="期间至", required=False, max_length=7, widget=MONTH)

    def __init__(self, *args, node_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = [("", "——"), *node_choices]
