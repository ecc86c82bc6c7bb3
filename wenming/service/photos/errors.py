"""Error codes of project photos (活动照片). Upload checks answer with core's `upload.*` codes."""

from wenming.core.errors import ErrorCode


class ProjectPhotoError(ErrorCode):
    FORBIDDEN = ("service.photo_forbidden", "只有项目所在阵地的工作人员或认领该项目的队长可以管理活动照片", 403)
    LIMIT = ("service.photo_limit", "每个项目最多 {limit} 张活动照片，请先删除不需要的照片", 409)
    PHASE_INVALID = ("service.photo_phase_invalid", "请选择照片类别：活动前、活动中或活动后", 422)
    CAPTION_TOO_LONG = ("service.photo_caption_too_long", "照片说明最多 {limit} 个字", 422)
