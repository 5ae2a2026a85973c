from django.urls import path

from claywork.measures import export_views, views

app_name = "measures"

urlpatterns = [
    path("check-in/", views.check_in, name="check_in"),
    path("scales/", views.scale_list, name="scales"),
    path("scales/<slug:code>/", views.scale_form, name="scale_form"),
    path("scales/responses/<int:response_id>/", views.response_detail, name="response_detail"),
    path("progress/", views.my_progress, name="my_progress"),
    path("patients/<int:patient_id>/progress/", views.progress, name="progress"),
    path("patients/<int:patient_id>/scores.csv", export_views.scores_csv, name="scores_csv"),
    path(
        "patients/<int:patient_id>/scores.fhir.json", export_views.scores_fhir, name="scores_fhir"
    ),
]
