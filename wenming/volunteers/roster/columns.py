"""The roster's columns: one list shared by the template, the importer, the error workbook and the export."""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str  # the key build_values() reads
    header: str  # as printed in the template (a trailing * marks a required column)
    help: str  # one line for the 填写说明 sheet
    width: int = 14
    aliases: tuple[str, ...] = ()

    @property
    def required(self) -> bool:
        return self.header.endswith("*")

    @property
    def label(self) -> str:
        return normalize_header(self.header)


COLUMNS: list[Column] = [
    Column("name", "姓名*", "2–30 个汉字或字母", 10),
    Column("id_type", "证件类型", "居民身份证（默认）、港澳台居民居住证、护照", 14),
    Column("id_number", "证件号码*", "18 位居民身份证号码，末位可为 X；请以文本格式填写", 22,
           ("身份证号码", "身份证号")),
    Column("birth_date", "出生日期", "仅非居民身份证须填，格式 YYYY-MM-DD；身份证号码自动推算", 12),
    Column("sex", "性别", "男 / 女；仅非居民身份证须填", 6),
    Column("phone", "手机号码*", "11 位中国大陆手机号", 14, ("手机号", "联系电话")),
    Column("home_node", "所属阵地编码*", "阵地编码（见系统“阵地”列表），须在您的管理范围内", 14, ("阵地编码",)),
    Column("grid", "网格编码", "所属阵地下的网格编码，可不填", 12),
    Column("political_status", "政治面貌", "可填：{political}；不填视为群众", 10),
    Column("skills", "技能特长", "技能目录中的名称，多个用“、”分隔，可填：{skills}", 20),
    Column("address", "居住地址", "可不填；加密保存", 24),
    Column("lon", "经度", "与纬度同时填写，须同意位置信息", 10),
    Column("lat", "纬度", "与经度同时填写，须同意位置信息", 10),
    Column("availability", "可服务时间", "可填：{availability}；多个用“、”分隔", 18),
    Column("is_reserve", "应急储备(是/否)", "是 / 否，不填视为否", 10, ("应急储备",)),
    Column("insurance_valid_until", "保险有效期至", "格式 YYYY-MM-DD，可不填", 12),
    Column("consent_location", "同意位置信息(是/否)", "是 / 否；填了经纬度须为“是”", 10, ("同意位置信息",)),
    Column("consent_health", "同意健康信息(是/否)", "是 / 否", 10, ("同意健康信息",)),
    Column("guardian_name", "监护人姓名", "14–17 周岁须填", 10),
    Column("guardian_phone", "监护人电话", "14–17 周岁须填，11 位手机号", 14),
    Column("guardian_consent", "监护人同意(是/否)", "14–17 周岁须为“是”", 10, ("监护人同意",)),
]

BY_KEY = {c.key: c for c in COLUMNS}
REQUIRED_KEYS = [c.key for c in COLUMNS if c.required]
SENSITIVE_KEYS = {"id_number", "phone", "guardian_phone", "address"}

_BRACKETS = re.compile(r"[（(][^)）]*[)）]")


def normalize_header(text) -> str:
    """'手机号码*' / ' 应急储备（是/否） ' -> '手机号码' / '应急储备'."""
    value = _BRACKETS.sub("", str(text or ""))
    return re.sub(r"[\s*＊]", "", value)


HEADER_LOOKUP: dict[str, str] = {}
for _c in COLUMNS:
    HEADER_LOOKUP[_c.label] = _c.key
    for _alias in _c.aliases:
        HEADER_LOOKUP[normalize_header(_alias)] = _c.key


def match_headers(row) -> dict[str, int]:
    """{key: column index} for the cells of a header row that name a known column."""
    found: dict[str, int] = {}
    for index, cell in enumerate(row or ()):
        key = HEADER_LOOKUP.get(normalize_header(cell))
        if key and key not in found:
            found[key] = index
    return found
