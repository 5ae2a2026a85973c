from django.urls import path

from claywork.accounts import views

app_name = "accounts"

urlpatterns = [
    path("contact/", views.my_contact, name="contact"),
]
