"""The demo shows the support circle: Ana reads what Maya shares with her, nothing more."""

from __future__ import annotations

import pytest

from claywork.accounts.models import Role, User
from claywork.core.demo import seed_demo_clinic
from tests.conftest import client_for


@pytest.mark.django_db
def test_demo_support_person_sees_only_what_maya_shares_with_her() -> None:
    logins = seed_demo_clinic()

    assert "ana@clayhill.example" in [login.email for login in logins]
    ana = User.objects.get(email="ana@clayhill.example")
    maya = User.objects.get(email="maya@clayhill.example")
    assert ana.role == Role.SUPPORT
    page = client_for(ana).get(f"/supporting/{maya.pk}/").content.decode()
    assert "held rather than swallowed" in page  # "The ocean", shared with Ana
    assert "waiting to be allowed" not in page  # "The half-open door", care team only
    assert "Soup is in your freezer" in page
