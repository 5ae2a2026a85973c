from __future__ import annotations

from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models

from claywork.vault.fields import SealedText


class Role(models.TextChoices):
    PATIENT = "patient", "Patient"
    CLINICIAN = "clinician", "Clinician"
    CLINIC_ADMIN = "clinic_admin", "Clinic admin"
    SUPPORT = "support", "Support person"


class ClinicianKind(models.TextChoices):
    GUIDE = "guide", "Guide"
    INTEGRATION_THERAPIST = "integration_therapist", "Integration therapist"


class SuperuserRefused(ValueError):
    """Claywork has no superusers: every account has a role and signs in through one door."""


class UserManager(DjangoUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra: Any
    ) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra: Any
    ) -> User:
        """Refused. A superuser would skip every role rule and (its role defaulting to patient)
        the staff second factor; the first clinic admin comes from ``claywork create-clinic``."""
        raise SuperuserRefused(
            "Claywork has no superusers. Run `claywork create-clinic` to create a clinic and "
            "invite its first clinic admin."
        )


class Language(models.TextChoices):
    # Only English for now; the choice is kept so pages can follow it once translated.
    ENGLISH = "en", "English"


class User(AbstractUser):
    """Everyone who signs in. The role decides which pages exist for them."""

    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PATIENT)
    clinician_kind = models.CharField(max_length=30, choices=ClinicianKind.choices, blank=True)
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.PROTECT, null=True, blank=True, related_name="people"
    )
    # A canonical IANA name (core/timezones.py), chosen on the profile or reminder page.
    timezone = models.CharField(max_length=64, default="UTC")
    language = models.CharField(max_length=10, choices=Language.choices, default=Language.ENGLISH)
    # The enrolment terms a patient accepted, and when, are consent records
    # (``clinics.ConsentRecord``, ``clinics/consent.py``).

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = UserManager()  # type: ignore[misc]

    class Meta:
        indexes = [models.Index(fields=["clinic", "role"])]
        constraints = [
            # No account may hold Django's all-permissions flags: there is no admin site, and a
            # superuser would pass any permission check a library might still make.
            models.CheckConstraint(
                condition=models.Q(is_superuser=False, is_staff=False),
                name="accounts_user_no_superuser",
            )
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_patient(self) -> bool:
        return self.role == Role.PATIENT

    @property
    def is_clinician(self) -> bool:
        return self.role == Role.CLINICIAN

    @property
    def is_clinic_admin(self) -> bool:
        return self.role == Role.CLINIC_ADMIN

    @property
    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone)
        except (ValueError, KeyError):
            return ZoneInfo("UTC")


class PatientContact(models.Model):
    """How the care team reaches a patient, and whom to call if they cannot: shown on an alert
    as tap-to-call links. Sealed like health text (a phone number and a named emergency contact
    say a lot about someone); numbers are stored in E.164 (``accounts/phones.py``). Edited by
    the patient and by their clinic's admin."""

    patient = models.OneToOneField(User, on_delete=models.CASCADE, related_name="contact")
    phone_sealed = models.TextField(blank=True, default="")
    phone = SealedText("phone_sealed", context="accounts.contact.phone")
    emergency_name_sealed = models.TextField(blank=True, default="")
    emergency_name = SealedText("emergency_name_sealed", context="accounts.contact.emergency_name")
    emergency_relationship_sealed = models.TextField(blank=True, default="")
    emergency_relationship = SealedText(
        "emergency_relationship_sealed", context="accounts.contact.emergency_relationship"
    )
    emergency_phone_sealed = models.TextField(blank=True, default="")
    emergency_phone = SealedText(
        "emergency_phone_sealed", context="accounts.contact.emergency_phone"
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"contact details of patient {self.patient_id}"


class EmailChange(models.Model):
    """A change of sign-in address waiting for its confirmation link to be followed.

    The link's token is e-mailed to the new address and stored only as a SHA-256 hash. One
    pending change per person (asking again replaces it); it works once, within
    ``EMAIL_CHANGE_VALID_HOURS``, and only while the account still has the address it was
    asked from."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="email_change")
    new_email = models.EmailField()
    from_email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    requested_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"address change of user {self.user_id}"


class SignInSession(models.Model):
    """One browser where someone is signed in: what the "Where you are signed in" page lists
    and can end (``accounts/sign_ins.py``). ``sid`` is a random id kept in the session itself;
    ``session_key`` lets an ended row delete the session from the store, so the browser is
    signed out on its next request. Rows are the person's own; removed with the account."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sign_in_sessions")
    sid = models.CharField(max_length=32, unique=True)
    session_key = models.CharField(max_length=40)
    created_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    # The browser's own description and the address it came from, shown as "device" and
    # "place" (no geolocation: the address is shown as it is).
    user_agent = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "ended_at"], name="sign_in_live_by_user")]

    def __str__(self) -> str:
        return f"sign-in {self.sid[:6]} of user {self.user_id}"

    @property
    def device(self) -> str:
        """ "Firefox on Android": enough to recognise one's own browser, from its own words."""
        agent = self.user_agent
        browser = next((name for token, name in _BROWSERS if token in agent), "An unknown browser")
        system = next((name for token, name in _SYSTEMS if token in agent), "")
        return f"{browser} on {system}" if system else browser


# Order matters: Edge and Chrome also say "Safari", Chrome on iOS says "CriOS".
_BROWSERS = (
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "a Mac"),
    ("Linux", "Linux"),
)
