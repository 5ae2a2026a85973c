"""Finding one's way: on a phone, a patient's tab bar (Home, Journal, Check-in, Plan, More) with
the page they are on marked, "Need help now?" in the header of every page, and More listing
every place the desktop menu has."""

from __future__ import annotations

import re

import pytest

from tests.conftest import Personas, client_for

pytestmark = pytest.mark.django_db

TABS = ["Home", "Journal", "Check-in", "Plan", "More"]


def _tabs(page: str) -> list[tuple[str, bool]]:
    bar = re.search(r'<nav class="tab-bar" aria-label="Tabs">(.*?)</nav>', page, re.S)
    assert bar, "no tab bar"
    return [
        (label, current == ' aria-current="page"')
        for current, label in re.findall(
            r'<a href="[^"]+"( aria-current="page")?>.*?<span>([^<]+)</span>', bar[1], re.S
        )
    ]


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/", "Home"),
        ("/journal/", "Journal"),
        ("/journal/new/", "Journal"),
        ("/check-in/", "Check-in"),
        ("/plan/", "Plan"),
        ("/goals/", "Plan"),
        ("/more/", "More"),
        ("/circle/", "More"),
        ("/account/", "More"),
    ],
)
def test_a_patient_has_the_tab_bar_with_the_current_tab_marked(
    personas: Personas, path: str, current: str
) -> None:
    page = client_for(personas.patient).get(path).content.decode()

    tabs = _tabs(page)
    assert [label for label, _ in tabs] == TABS
    assert [label for label, marked in tabs if marked] == [current]
    assert 'class="help-link" href="/help/">Need help now?</a>' in page


@pytest.mark.parametrize("role", ["care_clinician", "clinic_admin", "support_person"])
def test_other_roles_keep_their_short_menu_and_no_tab_bar(personas: Personas, role: str) -> None:
    page = client_for(getattr(personas, role)).get("/more/").content.decode()

    assert 'class="tab-bar"' not in page
    assert "data-tabs" not in page
    assert 'href="/account/"' in page and "Need help now?" in page


def test_more_lists_every_place_of_the_patients_desktop_menu(personas: Personas) -> None:
    client = client_for(personas.patient)
    home = client.get("/").content.decode()
    more = client.get("/more/").content.decode()

    menu = re.search(r'<nav aria-label="Main">(.*?)</nav>', home, re.S)
    assert menu
    for href in re.findall(r'<a href="([^"]+)"', menu[1]):
        assert f'href="{href}"' in more, href


def test_the_app_manifest_lets_claywork_be_installed(personas: Personas) -> None:
    from django.test import Client

    response = Client().get("/manifest.webmanifest")
    manifest = response.json()

    assert response["Content-Type"] == "application/manifest+json"
    assert (manifest["start_url"], manifest["display"]) == ("/", "standalone")
    assert {icon["purpose"] for icon in manifest["icons"]} == {"any", "maskable"}
    page = client_for(personas.patient).get("/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page


def _png_size(path: str) -> tuple[int, int]:
    """The width and height of the PNG at a static URL, after checking it is a whole, valid
    PNG: the signature, every chunk's CRC, and image data of exactly that size."""
    import struct
    import zlib

    from django.conf import settings
    from django.contrib.staticfiles import finders

    assert path.startswith(settings.STATIC_URL), path
    found = finders.find(path.removeprefix(settings.STATIC_URL))
    assert found, path
    with open(found, "rb") as file:
        data = file.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    chunks, at = {}, 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert zlib.crc32(kind + body) == crc, (path, kind)
        chunks[kind] = chunks.get(kind, b"") + body
        at += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour) == (8, 2), path  # 8-bit RGB, as scripts/make_icons.py writes
    assert len(zlib.decompress(chunks[b"IDAT"])) == height * (1 + 3 * width), path
    assert b"IEND" in chunks, path
    return width, height


def test_the_manifest_and_the_pages_offer_png_icons_of_the_sizes_they_state(
    personas: Personas,
) -> None:
    from django.test import Client

    icons = Client().get("/manifest.webmanifest").json()["icons"]
    pngs = [icon for icon in icons if icon["type"] == "image/png"]
    assert {(icon["sizes"], icon["purpose"]) for icon in pngs} >= {
        ("192x192", "any"),
        ("512x512", "any"),
        ("512x512", "maskable"),
    }
    for icon in pngs:
        width, height = _png_size(icon["src"])
        assert icon["sizes"] == f"{width}x{height}", icon
    page = client_for(personas.patient).get("/").content.decode()
    (touch,) = re.findall(r'<link rel="apple-touch-icon" href="([^"]+)">', page)
    assert _png_size(touch) == (180, 180)
