"""The outside SMS gateway's stand-in for `wenming bench topology`.

The fleet runs with WENMING_NOTIFY_BACKEND=bench.topology.sms.RecordingSms: every send
appends one line "<notification id> <pid>" to the file named by WENMING_BENCH_SMS_LOG. One
write(2) on an O_APPEND descriptor per line, so lines from several web and worker processes
never interleave, and a line is in the file before the sender marks its row sent — the same
order as a real gateway that has accepted the text. Counting lines per id gives how many
times each notification reached "the phone".
"""

import os

from wenming.core.notify import SmsBackend


class RecordingSms(SmsBackend):
    def deliver(self, row) -> None:
        self._row_id = row.pk  # send_sms only sees the phone and the text; the id is what we count
        super().deliver(row)

    def send_sms(self, phone: str, text: str) -> None:
        fd = os.open(os.environ["WENMING_BENCH_SMS_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, f"{self._row_id} {os.getpid()}\n".encode())
        finally:
            os.close(fd)

