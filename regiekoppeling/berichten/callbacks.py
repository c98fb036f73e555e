"""Which callback URLs may receive webhooks: the defence against server-side request forgery.

A callback URL names a host in `WEBHOOK_ALLOWED_HOSTS`. `*` there admits any host, but only over
https and only when every address it resolves to is public. A host listed by its exact name is a
deliberate choice of the operator (a receiver inside the municipal network, a test receiver): it may
use http and non-public addresses. The same check runs at creation and again before every delivery,
and the delivery also checks the address it actually connected to (DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

WILDCARD = "*"


class CallbackRefused(Exception):
    """The callback URL may not be called; the message says why (shown to the subscriber)."""


def _allowed_hosts() -> set[str]:
    return {host.strip().lower().rstrip(".") for host in settings.WEBHOOK_ALLOWED_HOSTS}


def _normalise(host: str) -> str:
    return host.lower().rstrip(".").strip("[]")


def host_listed(host: str) -> bool:
    """The operator named this exact host (the wildcard does not count)."""
    return _normalise(host) in _allowed_hosts()


def address_allowed(host: str, address: str) -> bool:
    """May `host`, found at `address`, be called? Non-public addresses only for a listed host."""
    if host_listed(host):
        return True
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback, whatever the IPv6 checks say
    return ip.is_global and not ip.is_multicast


def check_callback_url(url: str) -> None:
    """Raise `CallbackRefused` for a URL that may not be called.

    Resolves the host: a DNS failure surfaces as `OSError` (`socket.gaierror`), which the caller
    decides about (refused at creation, retried at delivery).
    """
    parts = urlsplit(url)
    host = _normalise(parts.hostname or "")
    if parts.scheme not in {"https", "http"} or not host:
        raise CallbackRefused("De callbackUrl moet een https-URL met een host zijn.")
    if parts.username or parts.password:
        raise CallbackRefused("Geen gebruikersnaam of wachtwoord in de callbackUrl; gebruik het veld auth.")
    try:
        port = parts.port
    except ValueError:
        raise CallbackRefused("De poort in de callbackUrl is ongeldig.") from None
    listed = host_listed(host)
    if not listed and WILDCARD not in _allowed_hosts():
        raise CallbackRefused(f"Host {host} staat niet op de lijst van toegestane webhook-hosts.")
    if parts.scheme != "https" and not listed:
        raise CallbackRefused("De callbackUrl moet https gebruiken.")
    if listed:
        return
    default_port = 443 if parts.scheme == "https" else 80
    infos = socket.getaddrinfo(host, port or default_port, type=socket.SOCK_STREAM)
    if not infos:
        raise CallbackRefused(f"Host {host} heeft geen adres.")
    for info in infos:
        address = str(info[4][0])
        if not address_allowed(host, address):
            raise CallbackRefused(f"Host {host} wijst naar een niet-publiek adres ({address}).")
