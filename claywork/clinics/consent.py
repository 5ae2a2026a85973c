"""The terms a patient accepts when they join through an invitation.

The words are ``templates/clinics/_consent_terms.html``. Each patient account records the
version it accepted and when (``User.consent_version``, ``User.consented_at``). Changing the
words makes a new version: increase ``CONSENT_VERSION`` and record the new text's SHA-256 in
``CONSENT_TEXT_SHA256``; ``tests/test_enrolment_consent.py`` fails until both are done.
"""

from __future__ import annotations

CONSENT_VERSION = "1"
CONSENT_TEXT_SHA256 = "7ff8c3a7a80b1f0e77d662b258a94373b3011694986b4f1234a135faf9fcde69"
CONSENT_TEMPLATE = "clinics/_consent_terms.html"
