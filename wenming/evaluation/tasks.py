from wenming.core.periodic import periodic_job

from .services.rectification import overdue_tick


@periodic_job("evaluation.overdue_tick")
def evaluation_overdue_tick() -> dict:
    """Remind units of rectification past its deadline; send the long-overdue to the office."""
    return overdue_tick()
