"""Logging filters that keep identifiers of reports out of log lines (S14)."""

import logging
import re

# /api/v1/reports/<tracking code>/... : the code is what lets a reporter's report be found.
_TRACKING_PATH = re.compile(r"(/api/v1/reports/)[^/?\s]+")


def redact_path(path: str) -> str:
    return _TRACKING_PATH.sub(r"\1{tracking_code}", path)


class RedactTrackingCodes(logging.Filter):
    """django.request logs "<reason>: <path>"; the path may carry a tracking code."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_path(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True
