from django.contrib import admin
from django.urls import include, path

from claywork.core import views as core_views
from claywork.ops import views as ops_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("help/", core_views.help_now, name="help_now"),
    path("privacy/", core_views.privacy, name="privacy"),
    path("healthz", ops_views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("account/", include("claywork.accounts.urls")),
    path("journal/", include("claywork.journal.urls")),
    path("", include("claywork.chart.urls")),
    path("", include("claywork.care.urls")),
    path("", include("claywork.clinics.urls")),
    path("", include("claywork.measures.urls")),
    path("alerts/", include("claywork.safety.urls")),
    path("", include("claywork.crisis.urls")),
    path("", include("claywork.reminders.urls")),
    path("", include("claywork.practice.urls")),
    path("", include("claywork.calendar_feed.urls")),
    path("", include("claywork.audit.urls")),
    path("", include("claywork.sharing.urls")),
    path("", include("claywork.circle.urls")),
    path("", include("claywork.themes.urls")),
    path("django-admin/", admin.site.urls),
]
