"""The `wenming` command. Each verb is a Django management command; `manage` passes through.

    wenming demo                      set up the embedded database, seed the demo county, serve
    wenming serve [ADDR:PORT]         serve: gunicorn + the background worker and scheduler
    wenming web [ADDR:PORT]           only the web server (gunicorn), for a service manager
    wenming worker [--beat]           only the background worker (Celery)
    wenming beat                      only the scheduler (Celery beat; one per fleet)
    wenming backup FILE               a consistent backup while serving
    wenming restore FILE              restore into an empty install
    wenming manage ARGS…              any Django management command
    wenming seed demo|city …          generate data
    wenming import volunteers FILE    import a roster (--dry-run to check only)
    wenming import nodes FILE         import a node tree from Excel
    wenming import projects FILE      publish many projects at once from Excel
    wenming export volunteers FILE    export the volunteer list
    wenming bench import …            benchmarks
"""

import os
import sys

# verb -> management command name (verbs that are Python keywords or too generic get a longer name)
VERBS = {
    "demo": "demo",
    "serve": "serve",
    "web": "web",
    "worker": "worker",
    "beat": "beat",
    "backup": "backup",
    "restore": "restore",
    "seed": "seed",
    "import": "import_data",
    "export": "export_data",
    "bench": "bench",
}
# (verb, object) pairs handled by a command of their own
SUBVERBS = {("import", "nodes"): "import_nodes", ("import", "projects"): "import_projects"}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wenming.settings")
    from django.core.management import execute_from_command_line

    if not argv or argv[0] in ("-h", "--help", "help"):
        print(__doc__)
        return 0
    verb, rest = argv[0], argv[1:]
    if verb == "manage":
        execute_from_command_line(["wenming manage", *rest])
        return 0
    if verb not in VERBS:
        print(f"未知命令：{verb}\n{__doc__}", file=sys.stderr)
        return 2
    if rest and (verb, rest[0]) in SUBVERBS:
        execute_from_command_line(["wenming", SUBVERBS[verb, rest[0]], *rest[1:]])
        return 0
    execute_from_command_line(["wenming", VERBS[verb], *rest])
    return 0


if __name__ == "__main__":
    sys.exit(main())
