import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def loaded(transactional_db, django_capture_on_commit_callbacks):
    from incidents.services.reference import reference_data_load

    reference_data_load()
    get_user_model().objects.create_superuser("admin", "a@example.org", "admin-pass-1")


def _login(page, live_server):
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url
    page.fill("#id_username", "admin")
    page.fill("#id_password", "admin-pass-1")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_login_list_and_open_alibaba_incident(page, live_server, loaded):
    _login(page, live_server)
    page.goto(f"{live_server.url}{reverse('incident-list')}")
    assert page.locator("article.incident-card").count() == 2
    page.click("text=Alibaba / Qwen distillation campaign against Claude")
    page.wait_for_url("**/incidents/alibaba-qwen-2026/")
    row = page.locator('tr[data-campaign="alibaba-qwen"]')
    assert row.locator('[data-field="exchanges"]').inner_text().startswith("28.8 million")
    assert row.locator('[data-field="accounts"]').inner_text().startswith("about 25,000")
    assert row.locator('[data-field="period"]').inner_text().startswith("22 April – 5 June 2026")
    # Following a footnote lands on a listed source with its quoted span.
    row.locator('[data-field="exchanges"] sup.fn a').first.click()
    target = page.locator(":target")
    assert target.count() == 1
    assert target.locator("q").count() >= 1
    page.screenshot(path=str(live_server_screenshot_path()))


def live_server_screenshot_path():
    import tempfile
    from pathlib import Path

    return Path(tempfile.gettempdir()) / "kb-incident-page.png"


def test_wrong_password_shows_error(page, live_server, loaded):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").inner_text().startswith("Your username and password")
