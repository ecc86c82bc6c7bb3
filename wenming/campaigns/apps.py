from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "wenming.campaigns"
    verbose_name = "宣传统计与移风易俗"

    def ready(self):
        from wenming.orgs.signals import subtree_moved, subtree_moving

        from .reform_totals import reform_totals_after_move, reform_totals_before_move

        # 移风易俗 month totals cover a subtree: a move settles them again (reform_totals.py)
        subtree_moving.connect(reform_totals_before_move, dispatch_uid="campaigns-reform-totals-moving")
        subtree_moved.connect(reform_totals_after_move, dispatch_uid="campaigns-reform-totals-moved")
