from django.urls import path

from claywork.onboarding import views

app_name = "onboarding"

urlpatterns = [
    path("start/", views.start, name="start"),
    path("start/guide/", views.guide, name="guide"),
    path("start/<slug:key>/skip/", views.step_skip, name="skip"),
    path("start/<slug:key>/resume/", views.step_resume, name="resume"),
]
