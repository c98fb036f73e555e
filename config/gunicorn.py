"""gunicorn configuration of the product: `gunicorn -c python:config.gunicorn config.wsgi:application`.

Logging is part of the product's privacy rules, so it lives here and not in a launcher: the access log
never carries a query string or referer, and gunicorn's own error messages are scrubbed of them too.
Bind address and worker count come from gunicorn's usual options or GUNICORN_CMD_ARGS.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from gunicorn import util
from gunicorn.glogging import Logger as GunicornLogger

from config.logsafety import scrub
from config.version import API_VERSION

# Never %(r)s (request line), %(q)s (query string) or %(f)s (referer, a full URL): a query string may
# carry personal data. %(U)s is the path alone, scrubbed (`PrivacyLogger.atoms`).
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
_QUERY = re.compile(r"\?[^\s'\"]*")


class PrivacyLogger(GunicornLogger):
    """gunicorn's error log names the full request URI, query string included, when a request fails
    in gunicorn itself ("Error handling request /x?bsn=..", "Invalid request from ip=..: ..")."""

    def _scrub(self, msg: object, args: tuple[object, ...]) -> tuple[object, tuple[object, ...]]:
        def clean(value: object) -> object:
            return scrub(_QUERY.sub("?<redacted>", value)) if isinstance(value, str) else value

        return clean(msg), tuple(clean(a) for a in args)

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        # gunicorn decodes the path (PATH_INFO): `%0A` is a newline by now, and a BSN typed into a path
        # is plain digits. The method is a token gunicorn already checked.
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = scrub(atoms["U"] or "")
        return dict(atoms)

    def warning(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        msg, args = self._scrub(msg, args)
        super().warning(msg, *args, **kwargs)

    def error(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        msg, args = self._scrub(msg, args)
        super().error(msg, *args, **kwargs)

    def exception(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        msg, args = self._scrub(msg, args)
        super().exception(msg, *args, **kwargs)


_DETAILS = {
    400: "Het HTTP-verzoek kon niet worden gelezen (request line of headers).",
    414: "De request line is te lang.",
    431: "De headers zijn te groot.",
}


def write_problem(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn answers what it refuses itself (a request line over its limit, a malformed header)
    with an HTML page; an API client expects problem+json with API-Version like every other answer.
    gunicorn's message is not echoed: it quotes the request line, which may carry personal data."""
    code = reason.lower().replace(" ", "_")
    body = json.dumps(
        {
            "type": f"https://regiekoppeling.example.nl/fouten/{code}",
            "code": code,
            "title": reason,
            "status": status_int,
            "detail": _DETAILS.get(status_int, "Het verzoek is geweigerd."),
            "instance": f"urn:uuid:{uuid.uuid4()}",
        }
    ).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: application/problem+json\r\n"
        f"API-Version: {API_VERSION}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


# gunicorn's workers call util.write_error for the requests they refuse before any application code.
util.write_error = write_problem

# gunicorn reads these module-level names as its settings.
accesslog = "-"
access_log_format = ACCESS_LOG_FORMAT
logger_class = "config.gunicorn.PrivacyLogger"
graceful_timeout = 10
