"""ZGW sandbox: a small, stateful stand-in for Open Zaak 1.30, for development (`make run`) and tests.

THIS IS A DEVELOPMENT AND TEST DOUBLE. It must never be enabled by production settings; it has no
settings at all, and only the launcher or a test decides to start it. Production points the
zgw-consumers `Service` rows at a real Open Zaak.

It serves, over real HTTP on its own port, the parts of the ZGW APIs the service uses, with Open Zaak's
URL layout (`/zaken/api/v1/`, `/catalogi/api/v1/`, `/documenten/api/v1/`, `/besluiten/api/v1/`), ZGW
JWT authentication, CRS headers, ETags, bestandsdelen and notifications, behaving like the captured
Open Zaak traffic in `shared/zgw-samples/`. `contract.py` validates exchanges against the official
OpenAPI documents in `shared/zgw-oas/`, so tests notice when either side drifts from the standard.

The package is plain Python (no Django), so it can also run as its own process:

    python -m zgw_sandbox --port 8001 --client-id X --secret Y [--data PATH]

From Python:

    sandbox = start_sandbox(clients={"regiekoppeling": "secret"})
    sandbox.base_url, sandbox.seed["zaaktypen"]["WMO-VOORZIENING"], sandbox.requests
    sandbox.add_fault("/zaken/api/v1/rollen", "500", method="POST")
    sandbox.stop()
"""

from .seed import seed_urls
from .server import DEFAULT_CHUNK_SIZE, Sandbox, start_sandbox

__all__ = ["DEFAULT_CHUNK_SIZE", "Sandbox", "seed_urls", "start_sandbox"]
