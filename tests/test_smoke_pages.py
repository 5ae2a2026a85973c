from tests.conftest import Personas, client_for


def test_patient_pages_render_for_the_patient(personas: Personas) -> None:
    client = client_for(personas.patient)
    for url in [
        "/",
        "/journal/",
        "/journal/new/",
        f"/sessions/{personas.completed.pk}/",
        f"/sessions/{personas.completed.pk}/timeline/",
        "/integration/",
    ]:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
