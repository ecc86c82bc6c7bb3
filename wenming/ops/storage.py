"""Where uploads are kept: the local disk under UPLOAD_DIR by default (read from the
settings on every use, so tests and the CLI may point it elsewhere), or any storage that
STORAGES["default"] names (an S3-compatible bucket through django-storages)."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class UploadStorage(FileSystemStorage):
    def __init__(self, **kwargs):
        kwargs.setdefault("file_permissions_mode", 0o640)
        kwargs.setdefault("directory_permissions_mode", 0o750)
        super().__init__(**kwargs)

    @property
    def base_location(self):
        return str(settings.UPLOAD_DIR)

    @property
    def location(self):
        from pathlib import Path

        return str(Path(self.base_location).resolve())

    @property
    def base_url(self):
        return None  # never served directly: the owning feature's view streams the file
