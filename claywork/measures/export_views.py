"""Downloads of a patient's scores (CSV, FHIR R4 JSON), for the patient and their care team."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe

from claywork.accounts.models import User
from claywork.audit.services import audit_record
from claywork.care.access import get_patient_for_user
from claywork.core import policy
from claywork.core.http import AuthedRequest
from claywork.measures import export, selectors


def _patient_whose_scores(request: AuthedRequest, patient_id: int) -> User:
    """The patient, if this user may read their scores; 404 otherwise (existence never leaks)."""
    patient = get_patient_for_user(request.user, patient_id)
    if not policy.may_read_scores(request.user, patient.pk):
        raise Http404("No such patient.")
    audit_record(
        actor=request.user,
        patient=patient,
        action="export",
        resource="measures.scores",
        object_id=patient.pk,
        request=request,
    )
    return patient


def _attachment(body: str, *, content_type: str, patient: User, suffix: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    filename = f"claywork-scores-{patient.pk}-{selectors.patient_today(patient)}.{suffix}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_safe
def scores_csv(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _patient_whose_scores(request, patient_id)
    return _attachment(
        export.scores_csv(patient),
        content_type="text/csv; charset=utf-8",
        patient=patient,
        suffix="csv",
    )


@login_required
@require_safe
def scores_fhir(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = _patient_whose_scores(request, patient_id)
    # Compact: half the size of indented JSON, and encoded by json's C accelerator.
    bundle = json.dumps(export.fhir_bundle(patient), ensure_ascii=False, separators=(",", ":"))
    return _attachment(
        bundle + "\n",
        content_type="application/fhir+json",
        patient=patient,
        suffix="fhir.json",
    )
