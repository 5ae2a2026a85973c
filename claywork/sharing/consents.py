"""Standing shares are consents: each one given or withdrawn is a row in the consent ledger
(``clinics.consent``), with the version of the words the patient saw on the sharing page
(``templates/sharing/_category_terms.html``)."""

from __future__ import annotations

from claywork.clinics import consent
from claywork.sharing.models import Share

# Increase when the words in ``sharing/_category_terms.html`` change.
CATEGORY_TERMS_VERSION = "1"


def subject_for(share: Share) -> str:
    """Names one standing share in the ledger, e.g. ``weekly_mood:care_team``."""
    return f"{share.category}:{share.audience_key}"


def record_given(share: Share) -> None:
    consent.consent_give(
        user=share.patient,
        topic=consent.SHARE,
        version=CATEGORY_TERMS_VERSION,
        subject=subject_for(share),
    )


def record_withdrawn(share: Share) -> None:
    consent.consent_withdraw(user=share.patient, topic=consent.SHARE, subject=subject_for(share))
