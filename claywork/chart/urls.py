from django.urls import path

from claywork.chart import views

app_name = "chart"

urlpatterns = [
    path("patients/<int:patient_id>/", views.patient_page, name="patient"),
]
