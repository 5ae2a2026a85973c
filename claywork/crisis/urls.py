from django.urls import path

from claywork.crisis import views

app_name = "crisis"

urlpatterns = [
    path("sw.js", views.service_worker, name="service_worker"),
    path("safety-plan/", views.my_plan, name="my_plan"),
    path("patients/<int:patient_id>/safety-plan/", views.plan, name="plan"),
    path("patients/<int:patient_id>/safety-plan/edit/", views.plan_edit, name="plan_edit"),
    path("patients/<int:patient_id>/safety-plan/print/", views.plan_print, name="plan_print"),
    path(
        "patients/<int:patient_id>/safety-plan/versions/<int:number>/",
        views.plan_version,
        name="plan_version",
    ),
    path("clinic/crisis-resources/", views.clinic_resources, name="clinic_resources"),
    path("grounding/", views.grounding, name="grounding"),
    path("grounding/<slug:slug>/", views.grounding_exercise, name="grounding_exercise"),
]
