from django.urls import path

from claywork.clinics import consent_views, views

app_name = "clinics"

urlpatterns = [
    path("clinic/people/", views.people, name="people"),
    path("clinic/invite/", views.invite, name="invite"),
    path(
        "clinic/people/<int:person_id>/reset-factors/",
        views.staff_factors_reset,
        name="staff_factors_reset",
    ),
    path("clinic/settings/", views.clinic_settings, name="settings"),
    path("clinic/patients/<int:patient_id>/care-team/", views.care_team, name="care_team"),
    path("clinic/patients/<int:patient_id>/contact/", views.patient_contact, name="contact"),
    path("invitations/<str:token>/", views.accept, name="accept"),
    path("consents/", consent_views.my_consents, name="consents"),
    path(
        "consents/<slug:topic>/withdraw/", consent_views.consent_withdraw, name="consent_withdraw"
    ),
    path("consents/<slug:topic>/give/", consent_views.consent_give, name="consent_give"),
]
