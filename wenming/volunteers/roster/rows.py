"""Where the importer's rows come from: this process, or a reader child process.

Parsing the XML of a large workbook costs about as much as validating, encrypting and
writing its rows, so for a big file on a machine with more than one core a child process
reads (openpyxl read_only) while this one validates and writes: the two overlap. The child
sends the layout first (or the layout error: nothing has been written yet), then batches of
raw rows through a bounded queue, so memory stays flat. Small files and in-memory uploads
are read in this process.
"""

import logging
import os
import queue as queue_module
from collections.abc import Iterator
from pathlib import Path

from wenming.core.errors import DomainError

from .errors import RosterError
from .reader import Layout, RosterSheet

log = logging.getLogger(__name__)
PARALLEL_MIN_BYTES = 1 << 20  # ~10,000 rows; below this a child process is not worth starting
QUEUE_BATCHES = 8


def open_rows(source, *, batch_size: int, parallel: bool | None = None):
    """A row source for `source` (a path or a binary file). parallel=None decides by size and cores."""
    if parallel is None:
        parallel = _worth_a_child(source)
    if parallel and isinstance(source, (str, Path)):
        try:
            return ParallelRows(source, batch_size)
        except ChildLost:  # no child possible here (daemonic worker, a __main__ it cannot re-import)
            log.warning("roster reader process could not start; reading in this process")
    return SequentialRows(source, batch_size)


def _worth_a_child(source) -> bool:
    if not isinstance(source, (str, Path)) or (os.cpu_count() or 1) < 2:
        return False
    try:
        return os.path.getsize(source) >= PARALLEL_MIN_BYTES
    except OSError:
        return False


def peak_rss_mb() -> float | None:
    """This process's peak resident memory (Linux VmHWM), in MiB."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


class SequentialRows:
    peak_mb = None  # no reader process

    def __init__(self, source, batch_size: int):
        self.sheet = RosterSheet(source)
        self.layout: Layout = self.sheet.layout
        self.batch_size = batch_size

    def batches(self) -> Iterator[list[tuple[int, tuple]]]:
        return self.sheet.batches(self.batch_size)

    def close(self) -> None:
        self.sheet.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class ChildLost(Exception):
    """The reader process ended before saying anything."""


class ParallelRows:
    """Rows read by a child process (multiprocessing, spawn: no inherited database connections)."""

    def __init__(self, path, batch_size: int):
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        self.queue = context.Queue(maxsize=QUEUE_BATCHES)
        self.process = context.Process(target=read_in_child, args=(str(path), batch_size, self.queue),
                                       daemon=True, name="roster-reader")
        try:
            self.process.start()
        except Exception:  # e.g. inside a daemonic worker process, which may not have children
            self.queue.close()
            raise ChildLost() from None
        self.last_row = 0
        self.peak_mb: float | None = None  # the reader's peak memory, reported when it is done
        try:
            self.layout: Layout = self._next("layout")
        except BaseException:
            self.close()
            raise
        self.last_row = self.layout.header_row

    def _next(self, expected: str | None = None):
        while True:
            try:
                kind, payload = self.queue.get(timeout=1)
            except queue_module.Empty:
                if not self.process.is_alive():
                    if expected == "layout":
                        raise ChildLost() from None
                    raise RosterError.READ_FAILED.error("file", row=self.last_row) from None
                continue
            if kind == "error":
                code, message, status, field = payload
                raise DomainError(code, message, status, field)
            if expected and kind != expected:
                raise RosterError.READ_FAILED.error("file", row=0)
            if kind == "done":
                self.peak_mb = payload
                return None
            return payload

    def batches(self) -> Iterator[list[tuple[int, tuple]]]:
        while True:
            batch = self._next()
            if batch is None:
                return
            self.last_row = batch[-1][0]
            yield batch

    def close(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join(timeout=10)
        self.queue.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def read_in_child(path: str, batch_size: int, queue) -> None:
    """The child's work: layout first, then batches, then "done" (or one "error")."""
    try:
        with RosterSheet(path) as sheet:
            queue.put(("layout", sheet.layout))
            for batch in sheet.batches(batch_size):
                queue.put(("rows", batch))
        queue.put(("done", peak_rss_mb()))
    except DomainError as err:
        queue.put(("error", (err.code, err.message, err.status, err.field)))
    except Exception:
        error = RosterError.READ_FAILED.error("file", row=0)
        queue.put(("error", (error.code, error.message, error.status, error.field)))
