from django.urls import path

from claywork.accounts import profile_views, views

app_name = "accounts"

urlpatterns = [
    path("contact/", views.my_contact, name="contact"),
    path("", profile_views.profile_page, name="profile"),
    path("email/", profile_views.email_change, name="email"),
    path("email/confirm/<str:token>/", profile_views.email_confirm, name="email_confirm"),
]
