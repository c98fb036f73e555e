"""`zaken.configcache`: a gemeente's ZGW-configuratie kept per process, a change seen at once."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import caches
from zgw_consumers.models import Service

from zaken import configcache
from zaken.models import ZGWConfig

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty(settings: Any) -> None:
    settings.ZGW_CONFIG_CACHE_SECONDS = 30
    configcache.forget()


def test_a_second_read_needs_no_query_and_has_the_services(zgw: ZGWConfig, django_assert_num_queries: Any) -> None:
    first = configcache.config_of(zgw.gemeente_id)
    assert first is not None and first.pk == zgw.pk
    with django_assert_num_queries(0):
        again = configcache.config_of(zgw.gemeente_id)
        assert again is first
        assert again.zaken_service.api_root == zgw.zaken_service.api_root  # loaded with it, no query


def test_a_save_of_the_configuration_is_seen_at_once_in_this_process(zgw: ZGWConfig) -> None:
    assert configcache.config_of(zgw.gemeente_id).initiele_status_zetten is True  # type: ignore[union-attr]
    zgw.initiele_status_zetten = False
    zgw.save()
    assert configcache.config_of(zgw.gemeente_id).initiele_status_zetten is False  # type: ignore[union-attr]


def test_a_save_of_a_service_is_seen_at_once(zgw: ZGWConfig) -> None:
    configcache.config_of(zgw.gemeente_id)
    service = Service.objects.get(pk=zgw.zaken_service_id)
    service.timeout = 3
    service.save()
    assert configcache.config_of(zgw.gemeente_id).zaken_service.timeout == 3  # type: ignore[union-attr]


def test_a_committed_change_moves_the_token_other_processes_compare(
    zgw: ZGWConfig, django_capture_on_commit_callbacks: Any, django_assert_num_queries: Any
) -> None:
    configcache.config_of(zgw.gemeente_id)
    token = caches["zgw"].get("configuratie-generatie")
    with django_capture_on_commit_callbacks(execute=True):
        zgw.save()
    assert caches["zgw"].get("configuratie-generatie") not in (None, token)
    # Another process's copy, kept under the old token, is not used: it reads the database again.
    configcache.config_of(zgw.gemeente_id)
    caches["zgw"].set("configuratie-generatie", "moved elsewhere", timeout=None)
    with django_assert_num_queries(1):
        configcache.config_of(zgw.gemeente_id)


def test_a_copy_is_used_no_longer_than_the_setting(
    zgw: ZGWConfig, monkeypatch: pytest.MonkeyPatch, django_assert_num_queries: Any
) -> None:
    now = [1000.0]
    monkeypatch.setattr(configcache.time, "monotonic", lambda: now[0])
    configcache.config_of(zgw.gemeente_id)
    ZGWConfig.objects.filter(pk=zgw.pk).update(vertrouwelijkheidaanduiding="geheim")  # no signal
    now[0] += 29.5
    with django_assert_num_queries(0):
        assert configcache.config_of(zgw.gemeente_id).vertrouwelijkheidaanduiding == "vertrouwelijk"  # type: ignore[union-attr]
    now[0] += 0.5  # exactly ZGW_CONFIG_CACHE_SECONDS after it was read: no longer
    with django_assert_num_queries(1):
        assert configcache.config_of(zgw.gemeente_id).vertrouwelijkheidaanduiding == "geheim"  # type: ignore[union-attr]


@pytest.mark.parametrize("seconds", [0, 1])
def test_the_setting_zero_reads_every_time_one_keeps(
    zgw: ZGWConfig, settings: Any, monkeypatch: pytest.MonkeyPatch, django_assert_num_queries: Any, seconds: int
) -> None:
    settings.ZGW_CONFIG_CACHE_SECONDS = seconds
    monkeypatch.setattr(configcache.time, "monotonic", lambda: 1000.0)  # the same instant: only the setting decides
    configcache.config_of(zgw.gemeente_id)
    with django_assert_num_queries(1 if seconds == 0 else 0):
        configcache.config_of(zgw.gemeente_id)


def test_without_the_shared_cache_it_reads_the_database(
    zgw: ZGWConfig, monkeypatch: pytest.MonkeyPatch, django_assert_num_queries: Any
) -> None:
    configcache.config_of(zgw.gemeente_id)

    def down(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("redis away")

    monkeypatch.setattr(caches["zgw"], "get", down)
    with django_assert_num_queries(1):
        assert configcache.config_of(zgw.gemeente_id) is not None


def test_a_gemeente_without_configuration_is_none_and_not_kept(gemeente: Any, django_assert_num_queries: Any) -> None:
    assert configcache.config_of(gemeente.pk) is None
    with django_assert_num_queries(1):
        assert configcache.config_of(gemeente.pk) is None
