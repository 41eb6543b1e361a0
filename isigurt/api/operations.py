"""What the API's operations share: the caller, and the answers for what an access check or a
service refuses.

An operation reads ``access, validate, call the service, answer``; these helpers turn the
refusals of the first and third steps into the API's one error shape (``ErrorOut``):

    with not_found(_("No case has this id.")):
        case = access_case(api_viewer(request), case_id, write=True)
    with refusals(services.CaseInvalid):
        services.case_close(case=case, ...)
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from isigurt.api.errors import ApiError, ErrorOut


def api_viewer(request: HttpRequest) -> Any:
    """The caller the API's authentication put on the request (a staff user, or a token's
    service account)."""
    return getattr(request, "auth", None)


def invalid(errors: dict[str, list[str]]) -> ApiError:
    """The 422 answer: some answers need another look, with each field's messages."""
    return ApiError(422, _("Some answers need another look."), errors)


class _Answering:
    """Inside the block, an exception of ``kinds`` leaves as the ApiError ``answer`` makes."""

    def __init__(
        self, kinds: tuple[type[Exception], ...], answer: Callable[[Exception], ApiError]
    ) -> None:
        self.kinds = kinds
        self.answer = answer

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if isinstance(exc, self.kinds):
            raise self.answer(exc) from None


def not_found(detail: str) -> _Answering:
    """An access check's 404 (unknown or invisible) answers as the API's 404 saying
    ``detail``; its 403 (visible, read-only) passes as it is."""
    return _Answering((Http404,), lambda exc: ApiError(404, detail))


def refusals(*kinds: type[Exception]) -> _Answering:
    """A service's refusal, one of ``kinds`` with ``errors`` mapping fields to messages,
    answers 422."""
    return _Answering(kinds, lambda exc: invalid(getattr(exc, "errors", {})))


def error_answers(*statuses: int) -> dict[int, Any]:
    """The operation's error answers for its ``response=``: each status in the one shape."""
    return dict.fromkeys(statuses, ErrorOut)
