from django.urls import path

from claywork.audit import views

app_name = "audit"

urlpatterns = [
    path("privacy/access-log/", views.my_access_log, name="my_access_log"),
    path("clinic/access-log/", views.clinic_log, name="clinic_log"),
    path(
        "clinic/access-log/lists/<int:event_id>/",
        views.clinic_log_event,
        name="clinic_log_event",
    ),
]
