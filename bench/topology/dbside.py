"""The parts of `wenming bench topology` that need Django on the fleet's database.

    python -m bench.topology.dbside seed OUT.json --volunteers 800 --shifts 40
    python -m bench.topology.dbside verify ANSWERS.json OUT.json

Run as a child process with the fleet's environment (DATABASE_URL of the throwaway database,
the run's keys): the process that runs the benchmark is configured for whatever database the
operator has, and the volunteers' phones must be encrypted with the fleet's keys.
"""

import argparse
import json
import secrets
import sys


def seed(*, volunteers: int, shifts: int) -> dict:
    """The sign-up storm's data (bench/signup.py: a county, a recruiting project, `shifts`
    shifts with room for half the volunteers, volunteers with API tokens), plus two accounts
    with a password for the session and lockout checks and a token for the staff admin."""
    from django.conf import settings

    from bench.signup import _setup
    from wenming.accounts.models import User
    from wenming.accounts.services import token_issue, user_create
    from wenming.core import notify
    from wenming.reporting.models import ReportCategory
    from wenming.service.models import Shift

    world = _setup(volunteers=volunteers, capacity=10, shifts=shifts)
    admin = User.objects.get(username="bench_signup_admin")
    _, admin_token = token_issue(user=admin, name="topology")
    password = "Topo-" + secrets.token_urlsafe(12)
    for username in ("topo_session", "topo_lockout"):
        user_create(actor=admin, username=username, password=password)
    return {
        "tokens": world["tokens"],
        "shifts": world["many"],
        "admin_token": admin_token,
        "station_id": Shift.objects.get(pk=world["hot"]).project.node_id,
        "report_category_id": ReportCategory.objects.filter(active=True).order_by("pk").first().pk,
        "password": password,
        "login_max_failures": settings.LOGIN_MAX_FAILURES,
        "periodic_jobs": settings.PERIODIC_JOBS,
        "lease_seconds": notify.LEASE.total_seconds(),
    }


def verify(answers: dict) -> dict:
    """What the database holds after the storm, for the answers the clients received."""
    from collections import Counter

    from bench.signup import _overbooking
    from wenming.core.models import Notification, PeriodicRun
    from wenming.service.models import Enrollment

    signups = answers["signups"]  # [enrollment id, shift id, volunteer index] per 201 answer
    cancels = answers["cancels"]  # enrollment ids answered 200 "cancelled"
    rows = {pk: (shift_id, status) for pk, shift_id, status in Enrollment.objects.filter(
        pk__in=[s[0] for s in signups]).values_list("pk", "shift_id", "status")}
    lost = [s for s in signups if rows.get(s[0], (None,))[0] != s[1]]
    not_cancelled = [pk for pk in cancels if rows.get(pk, (None, None))[1] != "cancelled"]
    storm = Enrollment.objects.filter(shift_id__in=answers["shifts"])
    statuses = Counter(storm.values_list("status", flat=True))
    unacknowledged = storm.exclude(pk__in=list(rows)).count()
    notifications = [
        {"id": pk, "sent": sent_at is not None, "attempts": attempts,
         "due_at": due.timestamp() if due else None, "leased": bool(lease)}
        for pk, sent_at, attempts, due, lease in Notification.objects.order_by("pk").values_list(
            "pk", "sent_at", "attempts", "next_attempt_at", "lease")]
    runs = [{"name": name, "started_at": started.timestamp(), "outcome": outcome, "worker": worker}
            for name, started, outcome, worker in PeriodicRun.objects.order_by("started_at").values_list(
                "name", "started_at", "outcome", "worker")]
    return {"acknowledged_signups": len(signups), "lost_signups": lost, "acknowledged_cancels": len(cancels),
            "not_cancelled": not_cancelled, "enrollment_statuses": dict(statuses),
            "unacknowledged_written": unacknowledged,
            "overbooked": _overbooking(answers["shifts"]), "notifications": notifications, "runs": runs}


def main(argv: list[str] | None = None) -> int:
    import django

    django.setup()
    parser = argparse.ArgumentParser(prog="python -m bench.topology.dbside")
    sub = parser.add_subparsers(dest="step", required=True)
    p = sub.add_parser("seed")
    p.add_argument("out")
    p.add_argument("--volunteers", type=int, required=True)
    p.add_argument("--shifts", type=int, required=True)
    p = sub.add_parser("verify")
    p.add_argument("answers")
    p.add_argument("out")
    args = parser.parse_args(argv)
    if args.step == "seed":
        result = seed(volunteers=args.volunteers, shifts=args.shifts)
    else:
        with open(args.answers) as fh:
            result = verify(json.load(fh))
    with open(args.out, "w") as fh:
        json.dump(result, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
