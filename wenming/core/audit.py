"""Writing the audit log. Services call these inside their own transaction."""

from django.db import models

from .context import current_ip
from .models import AuditEntry


def _actor_fields(actor) -> dict:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"actor": None, "actor_label": "匿名" if actor is None else str(actor)}
    return {"actor": actor, "actor_label": actor.get_username()}


def audit_entry(*, actor, action: str, obj: models.Model | None = None, changes: dict | None = None,
                node_path: str = "") -> AuditEntry:
    return AuditEntry(
        **_actor_fields(actor),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        node_path=node_path,
        changes=changes or {},
        ip=current_ip.get(),
    )


def audit_record(**kwargs) -> AuditEntry:
    entry = audit_entry(**kwargs)
    entry.save()
    return entry
