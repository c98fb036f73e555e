"""Encryption at rest of the API's client secrets: Fernet (AES-128-CBC + HMAC-SHA256, `cryptography`)
with the keys of `CREDENTIAL_ENCRYPTION_KEYS`. MultiFernet encrypts with the first key and decrypts with
any of them, so the key itself can be rotated (`manage.py credential_reencrypt`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class SecretDecryptionError(RuntimeError):
    """A stored secret does not decrypt with any configured key: the configuration is wrong (a key was
    dropped too early or the wrong key is set). A server error, not a client's."""


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.CREDENTIAL_ENCRYPTION_KEYS))


def encrypt_secret(secret: str) -> str:
    return _current().encrypt(secret.encode()).decode()


def decrypt_secret(token: str) -> str:
    return _with_keys(_current().decrypt, token)


def reencrypt_secret(token: str) -> str:
    """The same secret, encrypted with the first (current) key."""
    return _with_keys(_current().rotate, token)


def _with_keys(operation: Callable[[bytes], bytes], token: str) -> str:
    try:
        return operation(token.encode()).decode()
    except InvalidToken:
        raise SecretDecryptionError(
            "A stored credential secret does not decrypt with CREDENTIAL_ENCRYPTION_KEYS (wrong or dropped key)."
        ) from None
