"""Streaming import of a volunteer roster (SPEC 4.3): re-runnable upsert by ID number.

    report = import_roster(actor=user, source="roster.xlsx", errors_path="roster.errors.xlsx")

Rows are read with openpyxl read_only and handled in batches: validation (the same
build_values/check_values as every other way in), duplicates inside the file, then one
transaction per batch for the database. A refused row is listed with its Excel row number
and Chinese reason and never half-written; the good rows land. A file that is unusable as a
whole raises a DomainError (RosterError) before anything is written.
"""

import logging
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for
from wenming.core.audit import audit_record
from wenming.core.crypto import blind_index
from wenming.core.errors import DomainError
from wenming.orgs.models import Node

from ..errors import VolunteerError
from ..inputs import build_values, skills_index
from ..models import ID_PURPOSE
from ..validation import check_values
from .columns import BY_KEY, SENSITIVE_KEYS
from .errorbook import ErrorBook
from .errors import RosterError
from .persist import Pending, persist_batch
from .rows import open_rows

log = logging.getLogger(__name__)
BATCH_SIZE = 1000
LONG_DIGITS = re.compile(r"\d{7,}")
Progress = Callable[[int, int | None], None]


@dataclass(slots=True)
class RowError:
    row: int  # as numbered in Excel
    field: str  # input key, e.g. "id_number"
    column: str  # the column's Chinese name
    code: str
    message: str


@dataclass
class ImportReport:
    filename: str = ""
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[RowError] = field(default_factory=list)
    errors_path: str = ""  # the error workbook, when one was asked for and there were bad rows
    aborted: bool = False  # the file broke midway (READ_FAILED): the rows before were handled
    reader_peak_mb: float | None = None  # peak memory of the reader process, when one was used
    seconds: float = 0.0

    def summary(self) -> str:
        verb = "检查" if self.dry_run else "导入"
        text = (f"{verb}完成：共 {self.rows} 行，新增 {self.created} 人，更新 {self.updated} 人，"
                f"未变化 {self.unchanged} 人，有误 {self.failed} 行")
        return text + ("（试运行，未写入任何数据）" if self.dry_run else "")

    def counts(self) -> dict:
        return {k: getattr(self, k) for k in ("rows", "created", "updated", "unchanged", "failed")}

    def as_dict(self) -> dict:
        return asdict(self)


class NodeResolver:
    """Node by code, only among open nodes where the actor may edit volunteers; one query per
    batch for the codes not seen before."""

    def __init__(self, scope):
        self.scope = scope
        self.cache: dict[str, Node | None] = {}

    def prefetch(self, codes: set[str]) -> None:
        missing = {c for c in codes if c not in self.cache}
        if not missing:
            return
        for node in Node.objects.filter(code__in=missing, archived_at__isnull=True):
            self.cache[node.code] = node if self.scope.allows(Perm.VOLUNTEER_EDIT, node.path) else None
        for code in missing:
            self.cache.setdefault(code, None)

    def __call__(self, key) -> Node | None:
        code = str(key).strip()
        if code not in self.cache:
            self.prefetch({code})
        return self.cache[code]


class RosterImporter:
    def __init__(self, *, actor, dry_run: bool = False, batch_size: int = BATCH_SIZE):
        self.actor = actor
        self.scope = scope_for(actor)
        if not self.scope.has(Perm.VOLUNTEER_EDIT):
            raise RosterError.NO_EDIT_SCOPE.error()
        self.dry_run = dry_run
        self.batch_size = batch_size
        self.nodes = NodeResolver(self.scope)
        self.skills = skills_index()
        self.seen: dict[str, int] = {}  # ID blind index -> first row number in this file
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.book: ErrorBook | None = None  # opened at the first refused row
        self.errors_path: Path | str | None = None
        self.refused: list[tuple[int, str, tuple]] = []  # this batch's refused rows, for the workbook

    def run(self, source, *, errors_path: Path | str | None = None, filename: str = "",
            progress: Progress | None = None, parallel: bool | None = None) -> ImportReport:
        try:
            return self._run(source, errors_path=errors_path, filename=filename, progress=progress,
                             parallel=parallel)
        except Exception:
            report = getattr(self, "report", None)
            if report is not None and not self.dry_run and (report.created or report.updated):
                self._audit_summary(aborted=True)  # batches already committed stay accounted for
            raise
        finally:
            if self.book is not None:  # not saved: the import failed
                self.book.discard()
                self.book = None

    def _run(self, source, *, errors_path, filename, progress, parallel) -> ImportReport:
        started = time.perf_counter()
        report = self.report = ImportReport(filename=filename or _name_of(source), dry_run=self.dry_run)
        with open_rows(source, batch_size=self.batch_size, parallel=parallel) as rows:
            self.layout = rows.layout
            self.last_row = rows.layout.header_row
            total = rows.layout.total_rows
            self.errors_path = errors_path
            try:
                for batch in rows.batches():  # the first batch raises NO_DATA before anything is written
                    self._batch(batch)
                    if progress:
                        progress(report.rows, total)
            except DomainError as err:
                if err.code != RosterError.READ_FAILED.code:
                    raise
                report.errors.append(RowError(self.last_row + 1, "", "", err.code, err.message))
                report.aborted = True
            report.reader_peak_mb = rows.peak_mb
        if progress:
            progress(report.rows, report.rows)
        report.errors.sort(key=lambda e: e.row)
        if self.book is not None:
            self.book.save(errors_path)
            self.book = None
            report.errors_path = str(errors_path)
        report.seconds = round(time.perf_counter() - started, 3)
        if not self.dry_run:
            self._audit_summary()
        log.info("roster import by user %s: %s", getattr(self.actor, "pk", None), report.counts())
        return report

    def _batch(self, rows: list[tuple[int, tuple]]) -> None:
        self.last_row = rows[-1][0]
        self.nodes.prefetch(self.layout.node_codes(rows))
        pending: list[Pending] = []
        for number, raw in rows:
            item = self._check(number, raw)
            if item is not None:
                pending.append(item)
        self.report.rows += len(rows)
        if pending:
            result = persist_batch(actor=self.actor, scope=self.scope, batch=pending, now=self.now,
                                   dry_run=self.dry_run)
            self.report.created += result.created
            self.report.updated += result.updated
            self.report.unchanged += result.unchanged
            for p, err in result.failed:
                self._fail(p.row, p.raw, err)
        if self.refused:  # into the error workbook in row order (database refusals come last)
            if self.book is None:
                self.book = ErrorBook(self.layout.header, self.layout.colmap)
            for number, reason, raw in sorted(self.refused, key=lambda item: item[0]):
                self.book.add(number, reason, raw)
            self.refused.clear()
        if connection.queries_logged:
            connection.queries_log.clear()  # DEBUG mode must not hold 100,000 rows of SQL

    def _check(self, number: int, raw: tuple) -> Pending | None:
        try:
            values = build_values(self.layout.row_input(raw), resolve_node=self.nodes, skills_by_key=self.skills)
            check_values(values, self.today)
        except DomainError as err:
            self._fail(number, raw, err)
            return None
        except (ValueError, TypeError, ArithmeticError):  # a cell of a type no parser expects
            self._fail(number, raw, RosterError.ROW_UNREADABLE.error())
            return None
        id_hash = blind_index(values.identity.number, ID_PURPOSE)
        first = self.seen.get(id_hash)
        if first is not None:
            self._fail(number, raw, VolunteerError.ID_DUPLICATE_IN_FILE.error("id_number", row=first))
            return None
        self.seen[id_hash] = number
        return Pending(number, raw, values, id_hash)

    def _fail(self, number: int, raw: tuple, err: DomainError) -> None:
        key = err.field or ""
        message = safe_message(err)
        column = BY_KEY[key].label if key in BY_KEY else ""
        self.report.failed += 1
        self.report.errors.append(RowError(number, key, column, err.code, message))
        if self.errors_path is not None:
            self.refused.append((number, f"{column}：{message}" if column else message, raw))

    def _audit_summary(self, aborted: bool = False) -> None:
        """One row for the whole import. On PostgreSQL this commit is synchronous: it makes every
        batch before it durable (see persist._relax_durability)."""
        paths = self.scope.paths(Perm.VOLUNTEER_EDIT)
        changes = {"file": LONG_DIGITS.sub("***", self.report.filename)[:200], **self.report.counts()}
        if aborted or self.report.aborted:
            changes["aborted"] = True
        with transaction.atomic():
            audit_record(actor=self.actor, action="volunteer.import", node_path=paths[0] if len(paths) == 1 else "",
                         changes=changes)


def safe_message(err: DomainError) -> str:
    """The row's reason without the offending value when that value is (or could be) an ID number or
    phone: the field holds one, or the text carries a run of 7+ digits (e.g. a shifted column)."""
    if err.field in SENSITIVE_KEYS or LONG_DIGITS.search(err.message):
        for member in VolunteerError:
            if member.code == err.code and "{value}" in member.template:
                return member.template.replace("“{value}”", "").replace("{value}", "")
        if LONG_DIGITS.search(err.message):
            return LONG_DIGITS.sub("***", err.message)
    return err.message


def _name_of(source) -> str:
    if isinstance(source, (str, Path)):
        return Path(source).name
    return Path(getattr(source, "name", "") or "").name


def import_roster(*, actor, source, dry_run: bool = False, errors_path: Path | str | None = None,
                  filename: str = "", progress: Progress | None = None, batch_size: int = BATCH_SIZE,
                  parallel: bool | None = None) -> ImportReport:
    """Import (or with dry_run only check) a roster workbook; see the module docstring.
    parallel: read in a child process (None: when the file is big and there is a second core)."""
    importer = RosterImporter(actor=actor, dry_run=dry_run, batch_size=batch_size)
    return importer.run(source, errors_path=errors_path, filename=filename, progress=progress,
                        parallel=parallel)
