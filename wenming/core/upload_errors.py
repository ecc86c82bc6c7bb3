"""Error codes of image uploads (core/uploads.py, docs/uploads.md)."""

from wenming.core.errors import ErrorCode


class UploadError(ErrorCode):
    EMPTY = ("upload.empty", "上传的文件是空的", 422)
    TOO_LARGE = ("upload.too_large", "图片过大，上限为 {limit}", 413)
    UNSUPPORTED_TYPE = ("upload.unsupported_type", "无法识别的图片格式，仅支持 JPEG、PNG、WebP 图片", 415)
    CORRUPT = ("upload.corrupt", "图片文件已损坏或不完整，请重新上传", 422)
    TOO_MANY_PIXELS = ("upload.too_many_pixels", "图片像素过多（上限 {limit} 万像素），请缩小后再上传", 422)
    DIMENSIONS = ("upload.dimensions", "图片尺寸过大（上限 {limit}×{limit} 像素），请缩小后再上传", 422)
