"""Summaries the dashboards read (ARCHITECTURE rule 4).

`Figure` holds, for every node, the value of a metric over the node's **whole subtree** for
one period: a month (flows such as hours served or requests solved, period = the month's
first day), one day (the volunteers' last-active histogram), or STOCK (a current count such
as registered volunteers, period = 2000-01-01). A dashboard reads a few hundred of these
rows for one node, whatever the size of its subtree.

Writers never touch `Figure`: the service that changes the data appends a `FigureDelta`
(the node where the data lives, metric, period, +/- value) in its own transaction, so no
ancestor row becomes a hot spot. `summary.fold_pending()` (periodic, single writer) adds the
pending deltas to the node and each of its ancestors (the materialized path gives them)
and deletes them; readers add whatever is still pending in the subtree, so figures are
exact at any moment. `rebuild.rebuild_figures()` recomputes everything from the raw rows.
"""

from django.db import models


class Figure(models.Model):
    node = models.ForeignKey("orgs.Node", on_delete=models.CASCADE, related_name="+")
    metric = models.CharField("指标", max_length=48)
    period = models.DateField("期间")
    value = models.DecimalField("数值", max_digits=18, decimal_places=2)

    class Meta:
        verbose_name = "看板汇总"
        verbose_name_plural = "看板汇总"
        constraints = [models.UniqueConstraint(fields=["node", "metric", "period"], name="figure_once")]

    def __str__(self):
        return f"{self.node_id} {self.metric} {self.period:%Y-%m-%d} = {self.value}"


class FigureDelta(models.Model):
    node = models.ForeignKey("orgs.Node", on_delete=models.CASCADE, related_name="+")
    metric = models.CharField("指标", max_length=48)
    period = models.DateField("期间")
    value = models.DecimalField("变化", max_digits=18, decimal_places=2)

    class Meta:
        verbose_name = "看板待汇总变化"
        verbose_name_plural = "看板待汇总变化"

    def __str__(self):
        return f"{self.node_id} {self.metric} {self.period:%Y-%m-%d} {self.value:+}"
