"""Browser tests: Playwright's sync API driving Debian's Chromium against the live server.

Every page a test opens is checked with axe-core, and a test fails when it:

* lands on a page it did not audit (each navigation must be followed by `audit()`),
* meets an axe violation of impact "serious" or "critical",
* sees a Content-Security-Policy error in the browser console,
* or fails to load one of our static files (axe's contrast checks need the stylesheet).

Chromium comes from Debian (`make browser-deps`); these tests never download a browser.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Frame,
    Locator,
    Page,
    Response,
    sync_playwright,
)
from pytest_django.live_server_helper import LiveServer

from claywork.accounts.models import User
from claywork.journal.library import sync_prompt_library
from claywork.journal.models import Prompt
from tests import factories


@pytest.fixture(scope="session", autouse=True)
def _orm_beside_playwright() -> Iterator[None]:
    # Playwright's sync API keeps an asyncio loop running in this thread; the ORM calls the
    # tests make between browser steps are still plain synchronous code. Only for these tests.
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if before is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BLOCKING_IMPACTS = frozenset({"serious", "critical"})
# People's zone in the factories: what they type into a date-time field is read in this zone.
PEOPLE_TIMEZONE = "America/New_York"
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"chromium not installed: {CHROMIUM} is missing (run `make browser-deps`)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe() -> Axe:
    return Axe()


@pytest.fixture
def prompt_library(transactional_db: None) -> None:
    # A transactional test empties every table afterwards, the migrated prompts included.
    sync_prompt_library(Prompt)


@dataclass
class ClinicPeople:
    patient: User
    clinician: User


@pytest.fixture
def clinic_people(transactional_db: None, prompt_library: None) -> ClinicPeople:
    """A patient and the guide on their care team; both sign in with factories.PASSWORD."""
    clinic = factories.ClinicFactory(name="Harbour Clinic")
    patient = factories.PatientFactory(
        clinic=clinic, full_name="Pat Patient", email="pat@example.test"
    )
    clinician = factories.ClinicianFactory(
        clinic=clinic, full_name="Cara Clinician", email="cara@example.test"
    )
    factories.add_to_care_team(patient, clinician)
    return ClinicPeople(patient=patient, clinician=clinician)


def _describe_violations(url: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"axe-core found serious or critical violations on {url}:"]
    for violation in violations:
        lines.append(f"- [{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    target: {node['target']}")
            summary = (node.get("failureSummary") or "").replace("\n", " / ")
            if summary:
                lines.append(f"      {summary}")
    return "\n".join(lines)


class Visitor:
    """One person in their own browser context, checked on every page they open."""

    def __init__(self, context: BrowserContext, base_url: str, axe: Axe, name: str) -> None:
        self.context = context
        self.base_url = base_url
        self.name = name
        self._axe = axe
        self.page: Page = context.new_page()
        self.csp_errors: list[str] = []
        self.broken_assets: list[str] = []
        self.navigations = 0
        self._unaudited: str | None = None
        self.missed_audits: list[str] = []
        self.page.on("console", self._on_console)
        self.page.on("framenavigated", self._on_navigated)
        self.page.on("response", self._on_response)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.csp_errors.append(f"{self.page.url}: {message.text}")

    def _on_response(self, response: Response) -> None:
        # A stylesheet that fails to load would make axe's contrast checks meaningless.
        if "/static/" in response.url and response.status >= 400:
            self.broken_assets.append(f"{response.status} {response.url}")

    def _on_navigated(self, frame: Frame) -> None:
        if frame != self.page.main_frame:
            return
        self.navigations += 1
        if self._unaudited is not None:
            self.missed_audits.append(self._unaudited)
        self._unaudited = frame.url

    def url(self, path: str) -> str:
        return self.base_url + path

    def audit(self) -> None:
        """Run axe-core on the page as it is now; fail on a serious or critical violation."""
        self.page.wait_for_load_state("load")
        results = self._axe.run(self.page)
        blocking = [
            violation
            for violation in results.response["violations"]
            if violation.get("impact") in BLOCKING_IMPACTS
        ]
        self._unaudited = None
        if blocking:
            pytest.fail(_describe_violations(self.page.url, blocking))

    def goto(self, path: str) -> Response | None:
        response = self.page.goto(self.url(path))
        self.audit()
        return response

    def reload(self) -> None:
        self.page.reload()
        self.audit()

    @contextmanager
    def navigating(self) -> Iterator[None]:
        """Wrap an action that loads a new page; the new page is audited."""
        with self.page.expect_navigation(wait_until="load"):
            yield
        self.audit()

    def follow(self, target: Locator) -> None:
        """Click a link or a submit button that loads a new page."""
        with self.navigating():
            target.click()

    def nav_link(self, name: str) -> Locator:
        """A place in the menu: the desktop's main menu; on a phone, the tab bar, or the More
        page (opened, and audited, on the way) for the places the tab bar does not hold."""
        menus = [
            self.page.get_by_role("navigation", name="Main"),
            self.page.get_by_role("navigation", name="Tabs"),
        ]
        main = menus[0].get_by_role("link", name=name)  # "Alerts 1 open" and the like
        if main.count() and main.is_visible():
            return main
        tab = menus[1].get_by_role("link", name=name, exact=True)
        if tab.count() and tab.is_visible():
            return tab
        for menu in menus:
            more = menu.get_by_role("link", name="More", exact=True)
            if more.count() and more.is_visible():
                self.follow(more)
                break
        return self.page.get_by_role("navigation", name="More").get_by_role("link", name=name)

    def fits_the_screen(self) -> None:
        """Nothing wider than the viewport: no sideways scrolling."""
        overflow = self.page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{self.page.url} scrolls sideways by {overflow}px"

    def sign_in(self, person: User) -> None:
        """Sign in through allauth's login form, as a person would."""
        self.goto("/accounts/login/")
        form = self.page.locator("form").filter(has=self.page.locator("input[name=login]"))
        form.locator("input[name=login]").fill(person.email)
        form.locator("input[name=password]").fill(factories.PASSWORD)
        self.follow(form.locator("button[type=submit]"))
        assert "/accounts/login/" not in self.page.url, f"{person.email} could not sign in"

    def problems(self) -> list[str]:
        found = [f"{self.name}: CSP console error: {error}" for error in self.csp_errors]
        unaudited = [*self.missed_audits, *([self._unaudited] if self._unaudited else [])]
        found += [f"{self.name}: page opened but never audited: {url}" for url in unaudited]
        found += [f"{self.name}: static file failed: {asset}" for asset in self.broken_assets]
        return found


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


class Visit(Protocol):
    def __call__(
        self, person: User | None, *, name: str = "", viewport: dict[str, int] | None = None
    ) -> Visitor: ...


@pytest.fixture
def visit(
    browser: Browser, live_server: LiveServer, axe: Axe, transactional_db: None
) -> Iterator[Visit]:
    """`visit(person)` opens a fresh browser context and signs the person in.

    `visit(None, name=...)` opens one without signing in; `viewport=PHONE` a phone-sized one.
    After the test, every context is
    closed and any page left unaudited or any CSP console error fails the test.
    """
    visitors: list[Visitor] = []

    def open_visitor(
        person: User | None, *, name: str = "", viewport: dict[str, int] | None = None
    ) -> Visitor:
        context = browser.new_context(
            timezone_id=PEOPLE_TIMEZONE,
            locale="en-US",
            viewport=viewport or DESKTOP,
        )
        context.set_default_timeout(TIMEOUT_MS)
        visitor = Visitor(context, live_server.url, axe, name or getattr(person, "email", "anon"))
        visitors.append(visitor)
        if person is not None:
            visitor.sign_in(person)
        return visitor

    yield open_visitor
    problems = [problem for visitor in visitors for problem in visitor.problems()]
    for visitor in visitors:
        visitor.context.close()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
