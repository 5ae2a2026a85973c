"""Settings for the test suite: the real settings, with test-only environment defaults."""

import os

os.environ.setdefault("CLAYWORK_TESTING", "1")
# A fixed, test-only key-encryption key (32 bytes, base64url).
os.environ.setdefault("CLAYWORK_FIELD_KEYS", "test1:Y2xheXdvcmstdGVzdC1vbmx5LWtlay0zMi1ieXRlcyE")

from claywork.settings import *  # noqa: E402, F403
