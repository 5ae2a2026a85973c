from django.urls import path

from claywork.messaging import views

app_name = "messaging"

urlpatterns = [
    path("messages/", views.inbox, name="inbox"),
    path("messages/new/", views.thread_new, name="thread_new"),
    path("messages/unread/", views.unread_badge, name="unread"),
    path("messages/<int:thread_id>/", views.thread_detail, name="thread"),
    path("messages/<int:thread_id>/earlier/", views.thread_earlier, name="earlier"),
    path("messages/<int:thread_id>/hand-over/", views.thread_hand_over, name="hand_over"),
    path(
        "patients/<int:patient_id>/messages/new/",
        views.thread_new_for_patient,
        name="thread_new_for_patient",
    ),
    path("clinic/messaging/", views.clinic_messaging, name="clinic_settings"),
]
