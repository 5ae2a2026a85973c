from django.urls import path

from claywork.clinics import views

app_name = "clinics"

urlpatterns = [
    path("clinic/people/", views.people, name="people"),
    path("clinic/invite/", views.invite, name="invite"),
    path("clinic/settings/", views.clinic_settings, name="settings"),
    path("clinic/patients/<int:patient_id>/care-team/", views.care_team, name="care_team"),
    path("invitations/<str:token>/", views.accept, name="accept"),
]
