"""After a restore: can every encrypted value be read with the keys now in use, do the blind
indexes match, and what is in the database."""

from cryptography.fernet import InvalidToken
from django.apps import apps
from django.db import models

from wenming.core.crypto import blind_index, decrypt_strict

# (app label, model) counted in the report, in this order
SUMMARY = [("orgs", "Node"), ("accounts", "User"), ("volunteers", "Volunteer"), ("service", "Project"),
           ("service", "Enrollment"), ("demands", "Demand")]


def encrypted_columns() -> list[tuple[type[models.Model], str]]:
    """Every `*_enc` text column of every model: the project's naming for Fernet ciphertext."""
    return [(model, f.attname) for model in apps.get_models() for f in model._meta.concrete_fields
            if f.name.endswith("_enc") and isinstance(f, models.TextField | models.CharField)]


def unreadable(bar) -> tuple[int, dict[str, int]]:
    """(values checked, {"app.Model.field": values that do not decrypt})."""
    checked, failed = 0, {}
    columns = encrypted_columns()
    total = sum(model._base_manager.exclude(**{column: ""}).count() for model, column in columns)
    with bar("检查加密字段", total, unit="项") as b:
        for model, column in columns:
            values = model._base_manager.exclude(**{column: ""}).values_list(column, flat=True)
            for token in values.iterator(chunk_size=5000):
                try:
                    decrypt_strict(token)
                except InvalidToken:
                    label = f"{model._meta.label}.{column}"
                    failed[label] = failed.get(label, 0) + 1
                checked += 1
                b.update(1)
    return checked, failed


def stale_blind_indexes() -> int:
    """Volunteers whose ID-number index does not match their decrypted ID number: the index
    key differs from the one they were made with (uniqueness and search would silently fail)."""
    from wenming.volunteers.models import ID_PURPOSE, Volunteer

    stale = 0
    for token, index in Volunteer._base_manager.values_list("id_number_enc", "id_number_hash").iterator(5000):
        try:
            plain = decrypt_strict(token)
        except InvalidToken:
            continue  # counted as unreadable already
        stale += blind_index(plain, ID_PURPOSE) != index
    return stale


def summary() -> list[tuple[str, int]]:
    out = []
    for label, name in SUMMARY:
        try:
            model = apps.get_model(label, name)
        except LookupError:
            continue
        out.append((str(model._meta.verbose_name_plural), model._base_manager.count()))
    return out
