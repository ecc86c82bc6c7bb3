"""The sign-up storm of `wenming bench topology`, through nginx, with a crash in the middle.

Phase 1: one sign-up per volunteer over the storm's shifts (half of them end up waitlisted,
as in bench/signup.py's many-shift storm). Phase 2: every other confirmed volunteer cancels,
which promotes the head of that shift's waitlist and notifies the promoted volunteer — a
sign-up itself notifies nobody, so this is the write that feeds the outbox. Each phase can
run an action once when a given share of its requests is answered (the kill -9s).

The clients keep every answer: what a client was told is what must be in the database.
"""

import http.client
import json
import threading
import time
from collections import Counter
from collections.abc import Callable


def run_phase(port: int, clients: int, jobs: list[tuple[str, str, dict]], *, at: float = 0.0,
              action: Callable[[], None] | None = None) -> dict:
    """Each job is (path, token, meta), sent as POST {} with the token. `action` runs in its
    own thread once `at` × len(jobs) answers are in (so the clients go on meanwhile)."""
    lock = threading.Lock()
    queue = list(reversed(jobs))
    answers: list[tuple[dict, int, dict | None, float]] = []
    trigger_after = int(at * len(jobs))
    fired: list[threading.Thread] = []

    def note(meta, status, body):
        with lock:
            answers.append((meta, status, body, time.time()))
            if action is not None and not fired and len(answers) >= trigger_after:
                fired.append(threading.Thread(target=action, daemon=True))
                fired[0].start()

    def client():
        conn = None
        while True:
            with lock:
                if not queue:
                    break
                path, token, meta = queue.pop()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request("POST", path, body="{}", headers={"Authorization": f"Bearer {token}",
                                                               "Content-Type": "application/json"})
                response = conn.getresponse()
                raw = response.read()
            except (OSError, http.client.HTTPException) as exc:
                note(meta, 0, {"error": type(exc).__name__})
                if conn is not None:
                    conn.close()
                conn = None
                continue
            try:
                body = json.loads(raw)
            except ValueError:  # nginx's own error pages are HTML
                body = None
            note(meta, response.status, body)
        if conn:
            conn.close()

    started = time.time()
    pool = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    for t in fired:
        t.join()
    wall = time.time() - started
    outcomes = Counter(_outcome(status, body) for _, status, body, _ in answers)
    return {"answers": answers, "wall": wall, "outcomes": dict(outcomes), "requests": len(answers),
            "per_s": len(answers) / wall if wall else 0.0}


def _outcome(status: int, body: dict | None) -> str:
    if status == 0:
        return f"no answer ({body['error']})"
    if body and body.get("status"):
        return f"{status} {body['status']}"
    if body and body.get("code"):
        return f"{status} {body['code']}"
    return f"{status}"


def signup_jobs(world: dict) -> list[tuple[str, str, dict]]:
    shifts = world["shifts"]
    picks = [(i, token, shifts[i % len(shifts)]) for i, token in enumerate(world["tokens"])]
    return [(f"/api/v1/shifts/{shift}/enrollments", token, {"i": i, "shift": shift})
            for i, token, shift in picks]


def cancel_jobs(world: dict, signups: dict) -> list[tuple[str, str, dict]]:
    """Every other volunteer whose sign-up was answered `confirmed` cancels it."""
    return [(f"/api/v1/enrollments/{body['id']}/cancel", world["tokens"][meta["i"]],
             {"i": meta["i"], "id": body["id"]})
            for meta, status, body, _ in signups["answers"]
            if status == 201 and body["status"] == "confirmed" and meta["i"] % 2 == 0]


def acknowledged(signups: dict, cancels: dict) -> dict:
    """The writes the clients were told succeeded: [enrollment id, shift id, volunteer index]
    per 201 sign-up, enrollment ids per 200 `cancelled`."""
    return {
        "signups": [[body["id"], meta["shift"], meta["i"]] for meta, status, body, _ in signups["answers"]
                    if status == 201],
        "cancels": [meta["id"] for meta, status, body, _ in cancels["answers"]
                    if status == 200 and body and body.get("status") == "cancelled"],
    }
