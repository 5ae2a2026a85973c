"""The clinician's page for one patient: what they need to act, in a constant number of
queries."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render

from claywork.audit.services import audit_read
from claywork.care.access import get_patient_for_user
from claywork.care.forms import CourseForm
from claywork.chart.selectors import patient_chart
from claywork.core import policy
from claywork.core.http import AuthedRequest
from claywork.core.page_cache import cached_page
from claywork.safety.forms import AcknowledgeForm
from claywork.safety.selectors import attach_hand_over_choices


@login_required
@cached_page
def patient_page(request: AuthedRequest, patient_id: int) -> HttpResponse:
    patient = get_patient_for_user(request.user, patient_id)
    if not policy.may_plan_care(request.user, patient.pk):
        raise Http404
    audit_read(request, patient, "care.record", patient.pk)
    chart = patient_chart(patient=patient, viewer=request.user)
    attach_hand_over_choices(chart.risk.open_alerts, request.user)
    return render(
        request,
        "chart/patient.html",
        {
            "patient": patient,
            "chart": chart,
            "form": AcknowledgeForm(),
            "course_form": CourseForm(),
        },
    )
