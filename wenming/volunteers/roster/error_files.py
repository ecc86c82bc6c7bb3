"""Where the error workbooks of in-request roster imports are kept: the uploads storage,
roster_errors/<token>.xlsx, a week. The hourly housekeeping job removes older ones (it used
to run in every upload request, listing the whole folder: on S3, one request per file)."""

import logging
from datetime import timedelta

from django.utils import timezone

from wenming.core.files import file_delete, upload_storage

log = logging.getLogger(__name__)
ERRORS_DIR = "roster_errors"
MAX_AGE = timedelta(days=7)


def error_file_name(token) -> str:
    return f"{ERRORS_DIR}/{token}.xlsx"


def error_files_sweep(*, now=None) -> int:
    """Remove error workbooks older than MAX_AGE; returns how many."""
    storage = upload_storage()
    limit = (now or timezone.now()) - MAX_AGE
    try:
        _, names = storage.listdir(ERRORS_DIR)
    except (OSError, NotImplementedError):
        return 0
    removed = 0
    for name in names:
        try:
            if name.endswith(".xlsx") and storage.get_modified_time(f"{ERRORS_DIR}/{name}") < limit:
                file_delete(f"{ERRORS_DIR}/{name}")
                removed += 1
        except (OSError, NotImplementedError, ValueError):
            log.debug("roster error workbook %s not swept", name)
    return removed
