from importlib import import_module

from django.apps import AppConfig

# Each app's metrics live in its own figures.py (registered on import): the catalogue, the
# deltas its services record, and the source `rebuild` recomputes them from.
FIGURE_MODULES = [
    "wenming.volunteers.figures",
    "wenming.service.figures",
    "wenming.demands.figures",
    "wenming.hotline.figures",
    "wenming.grids.figures",
    "wenming.reporting.figures",
    "wenming.campaigns.figures",
    "wenming.evaluation.figures",
]


def load_figure_modules() -> None:
    for name in FIGURE_MODULES:
        try:
            import_module(name)
        except ModuleNotFoundError as exc:
            if not (name == exc.name or name.startswith(f"{exc.name}.")):
                raise  # a broken import inside an existing module must not hide


class DashboardsConfig(AppConfig):
    name = "wenming.dashboards"
    verbose_name = "数据看板"

    def ready(self):
        load_figure_modules()
