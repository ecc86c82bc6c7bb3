"""Background tasks of the dashboards."""

from wenming.core.periodic import periodic_job

from .summary import fold_all


@periodic_job("dashboards.fold_figures")
def fold_figures() -> dict:
    """Fold pending figure deltas into the node totals."""
    return {"folded": fold_all()}
