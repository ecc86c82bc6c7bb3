from django.apps import AppConfig


class GridsConfig(AppConfig):
    name = "wenming.grids"
    verbose_name = "网格与入户排查"

    def ready(self):
        from wenming.orgs.signals import subtree_moved, subtree_moving

        from .screening_totals import screening_totals_after_move, screening_totals_before_move

        # screening totals cover a subtree: a move settles them again (screening_totals.py)
        subtree_moving.connect(screening_totals_before_move, dispatch_uid="grids-screening-totals-moving")
        subtree_moved.connect(screening_totals_after_move, dispatch_uid="grids-screening-totals-moved")
