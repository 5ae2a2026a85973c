"""The Content-Security-Policy forbids inline script, and our own pages never need any.

Every browser test already fails on a CSP console error (see conftest); these tests add the
patient's pages the story does not pass through, check that a script smuggled into an entry is
shown as text, and prove the console check would notice a blocked inline script.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ClinicPeople, Visit

SMUGGLED = "<script>window.pwned=1</script><b>bold</b>"


@pytest.mark.browser
def test_patient_pages_run_without_csp_errors(visit: Visit, clinic_people: ClinicPeople) -> None:
    me = visit(clinic_people.patient)
    for path in ["/", "/integration/", "/journal/", "/journal/new/", "/journal/prompts/", "/help/"]:
        response = me.goto(path)
        assert response is not None and response.ok, path
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy, path
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, path
        # htmx and claywork.js are loaded and working under the policy.
        assert me.page.evaluate("() => typeof window.htmx") == "object", path
    assert me.csp_errors == []


@pytest.mark.browser
def test_a_script_in_an_entry_is_shown_as_text_and_never_runs(
    visit: Visit, clinic_people: ClinicPeople
) -> None:
    me = visit(clinic_people.patient)
    me.goto("/journal/new/")
    me.page.get_by_label("Title").fill("Trying something")
    me.page.get_by_label("Your words").fill(SMUGGLED)
    me.follow(me.page.get_by_role("button", name="Save entry"))
    body = me.page.locator(".entry-body")
    expect(body).to_have_text(SMUGGLED)
    expect(body.locator("script, b")).to_have_count(0)
    assert me.page.evaluate("() => typeof window.pwned") == "undefined"

    me.follow(me.page.get_by_role("link", name="Back to journal"))
    me.page.get_by_label("Search your journal").fill("pwned")
    me.follow(me.page.get_by_role("button", name="Search"))
    hit = me.page.locator("ul.entries li")
    expect(hit).to_contain_text(SMUGGLED)
    expect(hit.locator("script, b")).to_have_count(0)
    assert me.page.evaluate("() => typeof window.pwned") == "undefined"
    assert me.csp_errors == []


@pytest.mark.browser
def test_the_policy_blocks_inline_script_and_the_console_check_sees_it(
    visit: Visit,
) -> None:
    stranger = visit(None, name="anonymous")
    stranger.goto("/help/")
    with stranger.page.expect_console_message(lambda message: message.type == "error"):
        stranger.page.evaluate(
            """() => {
                const script = document.createElement("script");
                script.textContent = "window.inlineRan = 1";
                document.body.append(script);
            }"""
        )
    assert stranger.page.evaluate("() => typeof window.inlineRan") == "undefined"
    assert len(stranger.csp_errors) == 1
    assert "script-src 'self'" in stranger.csp_errors[0]
    # This error was provoked on purpose; the fixture fails a test on any other.
    stranger.csp_errors.clear()
