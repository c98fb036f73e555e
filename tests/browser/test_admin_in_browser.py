"""The admin in a real browser: log in through the form, save through forms, open the outbox, rotate a
credential.

Django's test client sends no Origin header, so tests/test_admin.py could not see that the admin was
unusable: with `Referrer-Policy: no-referrer` a browser sends `Origin: null` on a same-origin form POST
and Django's CSRF check answers 403 ("CSRF-verificatie mislukt") to the login and to every save.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, Response

from regiekoppeling.models import Applicatie, Credential, Gemeente, OutboxItem
from tests.browser.conftest import PASSWORD, USERNAME, screenshot


def log_in(page: Page, *, screenshot_as: str | None = None) -> Response:
    """Log in through the admin's login form; return the answer to its POST (a redirect)."""
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", USERNAME)
    page.fill("#id_password", PASSWORD)
    if screenshot_as:
        screenshot(page, screenshot_as)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.click("#login-form [type=submit]")
    page.wait_for_load_state()
    answer = posted.value
    assert answer.status == 302, f"the login POST answered {answer.status}: {page.locator('body').inner_text()[:300]!r}"
    return answer


def test_the_login_post_carries_the_page_origin(page: Page, superuser: Any, live_server: Any) -> None:
    """What Django's CSRF check compares: the Origin of a same-origin POST must be this server, not `null`."""
    login_page = page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", USERNAME)
    page.fill("#id_password", PASSWORD)

    with page.expect_request(lambda r: r.method == "POST") as posted:
        page.click("#login-form [type=submit]")
    page.wait_for_load_state()

    headers = posted.value.all_headers()
    assert headers.get("origin") == live_server.url  # "null" under `Referrer-Policy: no-referrer`
    assert headers.get("referer", "").startswith(f"{live_server.url}/admin/login/")
    assert login_page is not None
    assert login_page.headers["referrer-policy"] == "same-origin"


def test_log_in_through_the_form_and_open_the_index(page: Page, superuser: Any, live_server: Any) -> None:
    log_in(page, screenshot_as="login")

    assert page.url == f"{live_server.url}/admin/"
    assert page.locator("#user-tools strong").text_content() == USERNAME
    assert page.locator('a[href="/admin/regiekoppeling/gemeente/"]').count() >= 1
    assert page.locator('a[href="/admin/regiekoppeling/outboxitem/"]').count() >= 1
    screenshot(page, "index")


def test_add_and_edit_a_gemeente(page: Page, superuser: Any) -> None:
    log_in(page)

    page.goto("/admin/regiekoppeling/gemeente/add/")
    page.fill("#id_code", "0363")
    page.fill("#id_naam", "Amsterdam")
    page.click("input[name=_continue]")  # "Opslaan en opnieuw bewerken": back on the change form
    page.wait_for_load_state()
    gemeente = Gemeente.objects.get(code="0363")
    assert gemeente.naam == "Amsterdam"
    assert page.url.endswith(f"/admin/regiekoppeling/gemeente/{gemeente.pk}/change/")
    assert page.locator(".messagelist .success").count() == 1

    page.fill("#id_naam", "Gemeente Amsterdam")
    page.fill("#id_herindicatie_termijn_dagen", "42")
    screenshot(page, "gemeente-change")
    page.click("input[name=_save]")
    page.wait_for_load_state()

    assert page.url.endswith("/admin/regiekoppeling/gemeente/")
    assert page.locator(".messagelist .success").count() == 1
    gemeente.refresh_from_db()
    assert (gemeente.naam, gemeente.herindicatie_termijn_dagen) == ("Gemeente Amsterdam", 42)


def test_the_outbox_list_and_its_requeue_action(page: Page, superuser: Any) -> None:
    item = OutboxItem.objects.create(handler="bericht", state=OutboxItem.State.DEAD, attempts=8, last_error="opgegeven")
    log_in(page)

    page.goto("/admin/regiekoppeling/outboxitem/")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert "Bericht aan een partij (bericht)" in rows.first.inner_text()
    screenshot(page, "outbox-list")

    rows.first.locator("input.action-select").check()
    page.select_option("select[name=action]", "requeue")
    page.click("button[name=index]")  # the actions form: a POST like a save
    page.wait_for_load_state()

    assert page.locator(".messagelist .success").count() == 1
    item.refresh_from_db()
    assert (item.state, item.attempts) == (OutboxItem.State.PENDING, 0)


def test_rotate_a_credential_and_see_the_new_secret_once(page: Page, superuser: Any) -> None:
    applicatie = Applicatie.objects.create(naam="Regie Utrecht", rol="regie")
    old = Credential.objects.create(applicatie=applicatie, client_id="regie-utrecht")
    log_in(page)

    page.goto("/admin/regiekoppeling/credential/")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert old.secret not in page.content()
    rows.first.locator("input.action-select").check()
    page.select_option("select[name=action]", "rotate")
    page.click("button[name=index]")
    page.wait_for_load_state()

    assert page.locator("#rotate-form").count() == 1  # the moment until which the old one stays valid
    page.fill("#id_oud_geldig_tot", "2099-01-31T12:00")
    page.click("#rotate-form input[name=rotate]")
    page.wait_for_load_state()

    new = Credential.objects.get(vorige=old)
    assert page.url.endswith(f"/admin/regiekoppeling/credential/{new.pk}/secret/")
    assert page.locator("#client-id").text_content() == new.client_id
    assert page.locator("#secret").text_content() == new.secret
    screenshot(page, "credential-secret")
    old.refresh_from_db()
    assert old.geldig_tot is not None and (old.geldig_tot.year, old.geldig_tot.month) == (2099, 1)

    page.reload()
    assert page.locator("#secret").count() == 0
    assert new.secret not in page.content()
    assert page.locator(".secret-shown").count() == 1
    for path in (
        f"/admin/regiekoppeling/credential/{new.pk}/change/",
        f"/admin/regiekoppeling/applicatie/{applicatie.pk}/change/",
    ):
        page.goto(path)
        assert new.client_id in page.content()
        assert new.secret not in page.content() and old.secret not in page.content()


def test_log_out(page: Page, superuser: Any, live_server: Any) -> None:
    log_in(page)

    page.click("#logout-form [type=submit]")  # a POST since Django 5
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/admin/logout/"

    page.goto("/admin/")
    assert page.url.startswith(f"{live_server.url}/admin/login/")
