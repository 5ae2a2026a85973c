"""Background tasks of the themes app: thin, each calls a service."""

from __future__ import annotations

from django_tasks import task

from claywork.themes.services import themes_recompute_if_dirty


@task()
def recompute_patient_themes(patient_id: int) -> str:
    """Queued a few minutes after a patient's writing changes (one per burst of saves)."""
    return themes_recompute_if_dirty(patient_id=patient_id)
