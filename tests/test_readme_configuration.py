"""Every environment variable the settings read is documented in the README's table."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _variables_read_by_settings() -> set[str]:
    source = (ROOT / "claywork" / "settings.py").read_text()
    return set(re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z0-9_]+)"', source))


def _variables_in_readme_table() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    return set(re.findall(r"^\| `([A-Z0-9_]+)` \|", readme, flags=re.MULTILINE))


def test_settings_read_the_variables_we_expect_to_find() -> None:
    # Guards the regex itself: if it found nothing, the next test would pass vacuously.
    assert {"DATABASE_URL", "SECRET_KEY", "EMAIL_URL", "CLAYWORK_FIELD_KEYS"} <= (
        _variables_read_by_settings()
    )


def test_every_setting_read_from_the_environment_is_in_the_readme_table() -> None:
    missing = _variables_read_by_settings() - _variables_in_readme_table()
    assert not missing, f"add these to the README's configuration table: {sorted(missing)}"


def test_readme_table_lists_no_variable_that_settings_do_not_read() -> None:
    stale = _variables_in_readme_table() - _variables_read_by_settings()
    assert not stale, f"the README documents variables nothing reads: {sorted(stale)}"
