from __future__ import annotations

from django.conf import settings
from django.db import models


class PatientDataKey(models.Model):
    """A patient's data key, stored only wrapped by a key-encryption key from the environment.

    Deleting this row is crypto-shredding: every sealed value of the patient, in this database
    and in any backup of it, becomes unreadable.
    """

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_key"
    )
    wrapped_key = models.BinaryField()
    kek_id = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)
    rewrapped_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"data key {self.pk} (owner {self.owner_id}, wrapped by {self.kek_id})"
