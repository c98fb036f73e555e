"""Fixtures for the ZGW sandbox tests: a sandbox on a free port, and HTTP sessions whose every exchange
is validated by the contract checker against the official OpenAPI documents.

No database: the sandbox is plain Python and the tests talk to it over real HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from zgw_sandbox import DEFAULT_CHUNK_SIZE, Sandbox, start_sandbox
from zgw_sandbox.contract import ContractChecker

from .helpers import CLIENT_ID, SECRET, Receiver, Zgw


@pytest.fixture(scope="session")
def checker() -> ContractChecker:
    contract = ContractChecker()
    contract.warm_up()
    return contract


@pytest.fixture(scope="session")
def _running_sandbox() -> Iterator[Sandbox]:
    sandbox = start_sandbox(clients={CLIENT_ID: SECRET})
    yield sandbox
    sandbox.stop()


@pytest.fixture
def sandbox(_running_sandbox: Sandbox) -> Iterator[Sandbox]:
    """The session's sandbox, fresh for every test (data, faults, logs and settings reset)."""
    _running_sandbox.reset()
    _running_sandbox.set_chunk_size(DEFAULT_CHUNK_SIZE)
    _running_sandbox.set_notification_callback(None)
    yield _running_sandbox
    _running_sandbox.clear_faults()


@pytest.fixture
def zgw(sandbox: Sandbox, checker: ContractChecker) -> Iterator[Zgw]:
    session = Zgw(sandbox, checker)
    yield session
    session.close()


@pytest.fixture
def receiver(sandbox: Sandbox) -> Iterator[Receiver]:
    """A notification receiver, already configured as the sandbox's notification callback."""
    capture = Receiver()
    sandbox.set_notification_callback(capture.url)
    yield capture
    sandbox.set_notification_callback(None)
    capture.stop()
