"""Background tasks of residents' requests."""

from wenming.core.periodic import periodic_job

from .sla import demand_sla_tick


@periodic_job("demands.sla_tick")
def sla_tick() -> dict:
    """Escalate requests past their timers, pass expired offers on, close rated-late ones."""
    return demand_sla_tick()
