"""Every call carries a ZGW-style JWT; roles and gemeenten bound what an application may do."""

from __future__ import annotations

import datetime as dt
import time
from unittest import mock

import jwt
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from regiekoppeling.api.authentication import forget_credentials
from regiekoppeling.crypto import encrypt_secret
from regiekoppeling.models import Aanvraag, Credential
from regiekoppeling.tokens import make_token
from tests.conftest import aanvraag_body

pytestmark = pytest.mark.django_db


def get_with(token: str | None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    return APIClient().get("/api/v1/aanvragen", **headers)


def assert_problem(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert response["API-Version"] == "1.0.0"


def test_missing_token_is_401(regie):
    response = get_with(None)
    assert_problem(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_other_scheme_is_401(regie):
    response = APIClient().get("/api/v1/aanvragen", HTTP_AUTHORIZATION="Basic YWRtaW46YWRtaW4=")
    assert_problem(response, 401, "invalid-authorization-header")


def test_garbage_token_is_401(regie):
    assert_problem(get_with("not-a-jwt"), 401, "jwt-decode-error")


def test_wrong_secret_is_401(regie):
    assert_problem(
        get_with(make_token("regie-test", "wrong-secret-wrong-secret-wrong-secret")), 401, "invalid-jwt-signature"
    )


def test_unknown_client_id_is_401(regie):
    assert_problem(get_with(make_token("nobody", "x" * 40)), 401, "invalid-client-identifier")


def test_token_older_than_the_maximum_age_is_401(regie, settings):
    settings.JWT_MAX_AGE_SECONDS = 60
    old = make_token("regie-test", regie.credential.secret, iat=time.time() - 3600)
    assert_problem(get_with(old), 401, "jwt-expired")


def test_token_from_the_future_is_401(regie):
    future = make_token("regie-test", regie.credential.secret, iat=time.time() + 3600)
    assert_problem(get_with(future), 401, "jwt-iat-future")


def test_token_without_iat_is_401(regie):
    token = jwt.encode({"client_id": "regie-test"}, regie.credential.secret, algorithm="HS256")
    assert_problem(get_with(token), 401, "missing-iat")


def test_alg_none_is_refused(regie):
    token = jwt.encode({"client_id": "regie-test", "iat": int(time.time())}, None, algorithm="none")
    assert_problem(get_with(token), 401, "jwt-algorithm")


def test_deactivated_credential_is_401(regie):
    regie.credential.actief = False
    regie.credential.save()
    assert_problem(get_with(make_token("regie-test", regie.credential.secret)), 401, "invalid-client-identifier")


def test_expired_credential_is_401(regie):
    regie.credential.geldig_tot = timezone.now() - dt.timedelta(seconds=1)
    regie.credential.save()
    assert_problem(get_with(make_token("regie-test", regie.credential.secret)), 401, "credential-expired")


def test_credential_with_a_future_expiry_is_accepted(regie):
    regie.credential.geldig_tot = timezone.now() + dt.timedelta(minutes=5)
    regie.credential.save()
    assert get_with(make_token("regie-test", regie.credential.secret)).status_code == 200


def test_expiry_is_told_only_to_the_holder_of_the_secret(regie):
    regie.credential.geldig_tot = timezone.now() - dt.timedelta(seconds=1)
    regie.credential.save()
    assert_problem(get_with(make_token("regie-test", "x" * 40)), 401, "invalid-jwt-signature")


def test_inactive_application_is_401(regie):
    regie.applicatie.actief = False
    regie.applicatie.save()
    assert_problem(get_with(make_token("regie-test", regie.credential.secret)), 401, "invalid-client-identifier")


class TestCredentialCache:
    """The credential is cached per process for CREDENTIAL_CACHE_SECONDS; a change in this process empties
    the cache at once, a change it does not see (another process) counts after the time-out."""

    def test_a_deactivation_saved_here_counts_at_once(self, regie):
        assert get_with(make_token("regie-test", regie.credential.secret)).status_code == 200  # cached now
        regie.credential.actief = False
        regie.credential.save()
        assert_problem(get_with(make_token("regie-test", regie.credential.secret)), 401, "invalid-client-identifier")

    def test_an_application_deactivated_here_counts_at_once(self, regie):
        assert get_with(make_token("regie-test", regie.credential.secret)).status_code == 200
        regie.applicatie.actief = False
        regie.applicatie.save()
        assert_problem(get_with(make_token("regie-test", regie.credential.secret)), 401, "invalid-client-identifier")

    def test_a_change_made_elsewhere_counts_after_the_time_out(self, regie, settings):
        settings.CREDENTIAL_CACHE_SECONDS = 10
        token = make_token("regie-test", regie.credential.secret)
        assert get_with(token).status_code == 200
        Credential.objects.filter(pk=regie.credential.pk).update(actief=False)  # no signal: as in another process
        assert get_with(token).status_code == 200  # still cached
        later = time.monotonic() + 11
        with mock.patch("regiekoppeling.api.authentication.time.monotonic", return_value=later):
            assert_problem(get_with(token), 401, "invalid-client-identifier")

    def test_no_cache_with_zero_seconds(self, regie, settings):
        settings.CREDENTIAL_CACHE_SECONDS = 0
        token = make_token("regie-test", regie.credential.secret)
        assert get_with(token).status_code == 200
        Credential.objects.filter(pk=regie.credential.pk).update(actief=False)
        assert_problem(get_with(token), 401, "invalid-client-identifier")

    def test_one_query_for_the_credential_then_none(self, regie):
        token = make_token("regie-test", regie.credential.secret)
        forget_credentials()
        with CaptureQueriesContext(connection) as first:
            assert get_with(token).status_code == 200
        with CaptureQueriesContext(connection) as second:
            assert get_with(token).status_code == 200
        credential_queries = [q for q in first.captured_queries if "regiekoppeling_credential" in q["sql"]]
        assert len(credential_queries) == 1
        assert not [q for q in second.captured_queries if "regiekoppeling_credential" in q["sql"]]


class TestVerifiedTokens:
    """A token sent again is not decoded again while its credential is the cached one; what depends on
    the moment (its age, the credential's validity) is checked on every request."""

    def decodes(self, token: str, times: int = 1) -> int:
        with mock.patch("regiekoppeling.api.authentication.jwt.decode", wraps=jwt.decode) as decode:
            for _ in range(times):
                assert get_with(token).status_code == 200
        return decode.call_count

    def test_a_token_sent_again_is_not_decoded_again(self, regie):
        token = make_token("regie-test", regie.credential.secret)
        assert self.decodes(token) == 2  # unverified for its client id, then verified
        assert self.decodes(token, times=3) == 0
        assert self.decodes(make_token("regie-test", regie.credential.secret, iat=time.time() - 5)) == 2

    def test_a_changed_credential_verifies_again(self, regie):
        token = make_token("regie-test", regie.credential.secret)
        assert self.decodes(token) == 2
        regie.credential.save()  # empties the caches in this process
        assert self.decodes(token) == 2
        later = time.monotonic() + 11  # the credential cache expired: a new instance, so verified again
        with mock.patch("regiekoppeling.api.authentication.time.monotonic", return_value=later):
            assert self.decodes(token) == 2
            assert self.decodes(token) == 0

    @pytest.mark.parametrize("where", ["here", "elsewhere"])
    def test_a_rotated_secret_refuses_a_token_verified_before(self, regie, where):
        token = make_token("regie-test", regie.credential.secret)
        assert get_with(token).status_code == 200
        if where == "here":
            regie.credential.secret = "n" * 40
            regie.credential.save()
            assert_problem(get_with(token), 401, "invalid-jwt-signature")
            return
        rotated = encrypt_secret("n" * 40)
        Credential.objects.filter(pk=regie.credential.pk).update(secret_encrypted=rotated)  # no signal here
        assert get_with(token).status_code == 200  # this process has not seen it yet
        later = time.monotonic() + 11
        with mock.patch("regiekoppeling.api.authentication.time.monotonic", return_value=later):
            assert_problem(get_with(token), 401, "invalid-jwt-signature")

    def test_age_and_validity_are_checked_on_every_request(self, regie, settings):
        token = make_token("regie-test", regie.credential.secret)
        assert get_with(token).status_code == 200
        late = time.time() + settings.JWT_MAX_AGE_SECONDS + settings.JWT_LEEWAY_SECONDS + 1
        with mock.patch("regiekoppeling.api.authentication.time.time", return_value=late):
            assert_problem(get_with(token), 401, "jwt-expired")
        assert get_with(token).status_code == 200
        regie.credential.geldig_tot = timezone.now() + dt.timedelta(seconds=5)
        regie.credential.save()
        assert self.decodes(token) == 2
        assert self.decodes(token) == 0  # the same credential instance, its validity ends in 5 s
        with mock.patch("django.utils.timezone.now", return_value=timezone.now() + dt.timedelta(seconds=6)):
            assert_problem(get_with(token), 401, "credential-expired")

    def test_a_token_with_exp_is_decoded_every_time(self, regie):
        payload = {"client_id": "regie-test", "iat": int(time.time()), "exp": int(time.time()) + 600}
        token = jwt.encode(payload, regie.credential.secret, algorithm="HS256")
        assert self.decodes(token) == 2
        assert self.decodes(token) == 2

    def test_the_kept_tokens_are_bounded(self, regie):
        from regiekoppeling.api import authentication

        for i in range(authentication._VERIFIED_MAX + 20):
            assert get_with(make_token("regie-test", regie.credential.secret, user_id=f"u{i}")).status_code == 200
        assert len(authentication._verified) == authentication._VERIFIED_MAX


def test_valid_token_is_accepted(regie):
    assert get_with(make_token("regie-test", regie.credential.secret)).status_code == 200


def test_backoffice_may_not_send_an_aanvraag(backoffice):
    response = backoffice.post("/api/v1/aanvragen", aanvraag_body())
    assert_problem(response, 403, "permission_denied")
    assert Aanvraag.objects.count() == 0


class TestIsolation:
    """OWASP API1: a foreign object answers 404, and lists show only what the caller may see."""

    @pytest.fixture
    def aanvraag(self, regie) -> dict:
        response = regie.post("/api/v1/aanvragen", aanvraag_body())
        assert response.status_code == 201
        return response.json()

    def test_other_regie_sees_nothing(self, aanvraag, andere_regie):
        assert andere_regie.get("/api/v1/aanvragen").json()["results"] == []
        assert andere_regie.get("/api/v1/voorzieningen").json()["results"] == []
        assert andere_regie.get(f"/api/v1/aanvragen/{aanvraag['uuid']}").status_code == 404
        line = aanvraag["voorzieningen"][0]["uuid"]
        assert andere_regie.get(f"/api/v1/voorzieningen/{line}").status_code == 404

    def test_other_regie_cannot_withdraw(self, aanvraag, andere_regie):
        response = andere_regie.post(f"/api/v1/aanvragen/{aanvraag['uuid']}/intrekken", {})
        assert_problem(response, 404, "not_found")
        assert Aanvraag.objects.get().status == "ontvangen"

    def test_backoffice_of_the_gemeente_sees_it(self, aanvraag, backoffice):
        listing = backoffice.get("/api/v1/aanvragen").json()
        assert [a["uuid"] for a in listing["results"]] == [aanvraag["uuid"]]
        assert backoffice.get(f"/api/v1/aanvragen/{aanvraag['uuid']}").status_code == 200

    def test_backoffice_of_another_gemeente_sees_nothing(self, aanvraag, vreemde_backoffice):
        assert vreemde_backoffice.get("/api/v1/aanvragen").json()["results"] == []
        assert vreemde_backoffice.get(f"/api/v1/aanvragen/{aanvraag['uuid']}").status_code == 404

    def test_backoffice_may_not_withdraw(self, aanvraag, backoffice):
        response = backoffice.post(f"/api/v1/aanvragen/{aanvraag['uuid']}/intrekken", {})
        assert_problem(response, 403, "permission_denied")
