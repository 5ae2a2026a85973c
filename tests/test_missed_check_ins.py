from datetime import timedelta
from decimal import Decimal

from django.test import override_settings
from django.utils import timezone

from claywork.measures.services import CheckInValues, check_in_save
from claywork.safety.missed_check_ins import alerts_for_missed_check_ins
from claywork.safety.models import Alert, AlertKind
from claywork.safety.sweep import outbox_sweep
from tests.conftest import Personas

VALUES = CheckInValues(mood=5, anxiety=4, energy=5, sleep_hours=Decimal("7"))


def _check_in_days_ago(personas: Personas, days: int) -> None:
    check_in_save(
        patient=personas.patient, day=timezone.now().date() - timedelta(days=days), values=VALUES
    )


@override_settings(CLAYWORK_MISSED_CHECK_INS_DAYS=3)
def test_a_patient_who_went_quiet_is_flagged_once_per_lapse(personas: Personas) -> None:
    _check_in_days_ago(personas, 6)

    assert alerts_for_missed_check_ins(now=timezone.now()) == 1
    assert alerts_for_missed_check_ins(now=timezone.now()) == 0

    alert = Alert.objects.get(kind=AlertKind.MISSED_CHECK_INS)
    assert alert.patient == personas.patient
    assert alert.severity == "low"
    assert "3 days" in alert.title


@override_settings(CLAYWORK_MISSED_CHECK_INS_DAYS=3)
def test_a_recent_check_in_raises_nothing(personas: Personas) -> None:
    _check_in_days_ago(personas, 1)

    assert alerts_for_missed_check_ins(now=timezone.now()) == 0
    assert not Alert.objects.filter(kind=AlertKind.MISSED_CHECK_INS).exists()


@override_settings(CLAYWORK_MISSED_CHECK_INS_DAYS=3)
def test_a_patient_who_never_checked_in_is_not_missing_anything(personas: Personas) -> None:
    assert alerts_for_missed_check_ins(now=timezone.now()) == 0


@override_settings(CLAYWORK_MISSED_CHECK_INS_DAYS=3)
def test_coming_back_and_lapsing_again_raises_a_new_alert(personas: Personas) -> None:
    _check_in_days_ago(personas, 10)
    alerts_for_missed_check_ins(now=timezone.now())
    _check_in_days_ago(personas, 6)

    alerts_for_missed_check_ins(now=timezone.now())

    assert Alert.objects.filter(kind=AlertKind.MISSED_CHECK_INS).count() == 2


@override_settings(CLAYWORK_MISSED_CHECK_INS_DAYS=3)
def test_the_worker_sweep_flags_missed_check_ins(personas: Personas) -> None:
    _check_in_days_ago(personas, 6)

    outbox_sweep()

    assert Alert.objects.filter(kind=AlertKind.MISSED_CHECK_INS, patient=personas.patient).exists()
