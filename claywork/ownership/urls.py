from django.urls import path

from claywork.ownership import views

app_name = "ownership"

urlpatterns = [
    path("account/data/", views.data_page, name="data"),
    path("account/data/export.zip", views.export_download, name="export"),
    path("account/data/delete/", views.delete_request, name="delete"),
    path("account/data/delete/cancel/", views.delete_cancel, name="delete_cancel"),
]
