"""Gunicorn's access log without tracking codes or report secrets (S14).

Used by ``gunicorn.conf.py`` at the project root, which gunicorn reads from its working
directory. Gunicorn writes no access log unless told to (``--access-logfile``); when it does,
the request line, path and referrer pass through the same redaction as Django's own logs, and a
report's secret header is never written even if a log format asks for it.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from isigurt.lib.logfilters import redact_path

_PATH_ATOMS = ("r", "U", "f")
_SECRET_HEADERS = ("{x-report-secret}i", "{cookie}i", "{authorization}i")


class RedactingLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> Any:
        atoms = super().atoms(resp, req, environ, request_time)
        for key in _PATH_ATOMS:
            if isinstance(atoms.get(key), str):
                atoms[key] = redact_path(atoms[key])
        for key in _SECRET_HEADERS:
            if key in atoms:
                atoms[key] = "-"
        return atoms
