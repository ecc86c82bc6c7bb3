"""What the Redis broker holds, read straight from kombu's keys (the workers do not log each
task: settings keep Celery's per-task lines at WARNING).

kombu's Redis transport keeps each queue as a list named after it (settings: `default` and
`jobs`; every list in the bench's own Redis db is one) and every message a worker has taken
but not yet acknowledged in the hash `unacked` (delivery tag -> message), indexed by delivery
time in `unacked_index`. With acks_late a message stays there until its task has
run; a killed worker's messages stay until the visibility time-out has passed and a sweep
puts them back in the queue.
"""

import json
import threading
import time

UNACKED = "unacked"
NOTIFY_TASK = "wenming.core.deliver_notifications_now"


def _task(message: dict) -> tuple[str, str]:
    return message["headers"]["id"], message["headers"]["task"]


def contents(redis) -> tuple[list[tuple[str, str]], dict[str, tuple[str, str]]]:
    """(queued [(task id, task name)], unacked {delivery tag: (task id, task name)})."""
    queued = [_task(json.loads(raw)) for queue in redis.scan_iter(_type="list")
              for raw in redis.lrange(queue, 0, -1)]
    unacked = {tag.decode(): _task(json.loads(raw)[0]) for tag, raw in redis.hgetall(UNACKED).items()}
    return queued, unacked


def wait_notification_in_hand(redis, timeout: float) -> dict[str, tuple[str, str]]:
    """Wait until workers hold notification tasks, so that a kill right after lands while work
    is in hand; the unacked messages at that moment. Nothing in Redis says which worker holds
    a message: two in hand at once make it likely that the one to be killed holds one (first
    half of `timeout`), then one will do."""
    deadline = time.time() + timeout
    while True:
        unacked = contents(redis)[1]
        in_hand = sum(task == NOTIFY_TASK for _, task in unacked.values())
        if in_hand >= (2 if time.time() < deadline - timeout / 2 else 1) or time.time() > deadline:
            return unacked
        time.sleep(0.002)


class OrphanWatch(threading.Thread):
    """After a worker is killed: its messages are those still unacknowledged under the same
    delivery tag `settle` seconds later (the live worker's tasks here take milliseconds, and
    nothing is put back before the 20 s visibility time-out). Then, polling until stopped,
    when each went back to the queue (its tag left `unacked`: only a sweep removes a dead
    worker's tag) and when it was gone from Redis altogether (taken again and acknowledged:
    run, or discarded as expired by design)."""

    def __init__(self, redis, at_kill: dict[str, tuple[str, str]], killed_at: float, settle: float = 10.0):
        super().__init__(daemon=True)
        self.redis, self.at_kill, self.killed_at, self.settle = redis, at_kill, killed_at, settle
        self.orphans: dict[str, dict] = {}  # task id -> {"task", "tag", "requeued_s", "done_s"}
        self.stopping = threading.Event()

    def run(self) -> None:
        self.stopping.wait(max(0.0, self.killed_at + self.settle - time.time()))
        unacked = contents(self.redis)[1]
        for tag, (task_id, task) in self.at_kill.items():
            if tag in unacked:
                self.orphans[task_id] = {"task": task, "tag": tag, "requeued_s": None, "done_s": None}
        while self.orphans and not self.stopping.is_set():
            queued, unacked = contents(self.redis)
            present = {i for i, _ in queued} | {i for i, _ in unacked.values()}
            now = time.time() - self.killed_at
            for task_id, o in self.orphans.items():
                if o["requeued_s"] is None and o["tag"] not in unacked:
                    o["requeued_s"] = now
                if o["done_s"] is None and o["requeued_s"] is not None and task_id not in present:
                    o["done_s"] = now
            if all(o["done_s"] is not None for o in self.orphans.values()):
                break
            self.stopping.wait(0.2)
