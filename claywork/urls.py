from django.urls import include, path, reverse_lazy
from django.views.generic import RedirectView

from claywork.core import views as core_views
from claywork.ops import views as ops_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("help/", core_views.help_now, name="help_now"),
    path("privacy/", core_views.privacy, name="privacy"),
    path("more/", core_views.more, name="more"),
    path("manifest.webmanifest", core_views.manifest, name="manifest"),
    path("healthz", ops_views.healthz, name="healthz"),
    # allauth's own address pages manage a list of addresses (primary, "Unverified", Remove);
    # a Claywork account has one address, changed on the account page (decision 0012).
    path("accounts/email/", RedirectView.as_view(pattern_name="accounts:email")),
    path("accounts/confirm-email/", RedirectView.as_view(url=reverse_lazy("accounts:profile"))),
    path(
        "accounts/confirm-email/<str:key>/",
        RedirectView.as_view(url=reverse_lazy("accounts:profile")),
    ),
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
    path("", include("claywork.onboarding.urls")),
    path("", include("claywork.ownership.urls")),
    path("", include("claywork.push.urls")),
    path("", include("claywork.messaging.urls")),
]
