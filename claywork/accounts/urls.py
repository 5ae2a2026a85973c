from django.urls import path

from claywork.accounts import profile_views, sign_in_views, views

app_name = "accounts"

urlpatterns = [
    path("contact/", views.my_contact, name="contact"),
    path("", profile_views.profile_page, name="profile"),
    path("email/", profile_views.email_change, name="email"),
    path("email/confirm/<str:token>/", profile_views.email_confirm, name="email_confirm"),
    path("sessions/", sign_in_views.sign_in_list, name="sign_ins"),
    path("sessions/<int:pk>/end/", sign_in_views.sign_in_end_view, name="sign_in_end"),
    path(
        "sessions/end-others/", sign_in_views.sign_ins_end_others_view, name="sign_ins_end_others"
    ),
]
