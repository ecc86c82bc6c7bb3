"""Who runs a project on the ground: staff over its node, or the leader of the team that
claimed it (open recruiting, cancel for others, no-shows, manual check-in, verify hours)."""

from wenming.accounts.roles import Perm
from wenming.accounts.scope import scope_for


def may_run_project(actor, project) -> bool:
    scope = scope_for(actor)
    return scope.allows(Perm.PROJECT_EDIT, project.node.path) or project.claimed_by_id in scope.led_team_ids()
