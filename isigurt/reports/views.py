"""Public report pages: the two-step report form, the one-time confirmation, tracking.

Thin views: a form (which validates through ReportDraft), one service, redirect (POST →
redirect → GET). Everything works without JavaScript; scripts only add inline checks, keep what
is typed in the tab's sessionStorage, and filter municipalities by county.

What lives in the session, and for how long:
- ``report_step1``: audience, the categories (main first) and the answer to "is a child in
  danger" between step 1 and step 2 (a
  convenience: step 2 carries them in hidden fields too, so an expired session loses nothing).
- ``report_done``: the idempotency key of the report just filed (never its secret, which is
  read from the encrypted IdempotencyRecord), until the confirmation page shows it once.
- ``tracked_report``: the id of the report opened with code and secret; ends with the session.

Quick exit ends all three at once (``quick_exit``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import uuid
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.staticfiles import finders
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from isigurt.lib.images import MAX_UPLOAD_BYTES, DecoderBusy, RequestPixelBudget
from isigurt.lib.ratelimit import (
    RateDecision,
    followup_spend,
    intake_spend,
    track_attempt,
    track_failure,
)
from isigurt.lib.tone import adult_tone
from isigurt.lib.validation import refusals_onto_form
from isigurt.lib.views import retry_after_minutes
from isigurt.reports.categories import (
    advice_for_all,
    category_label,
    category_specs,
    combined_spec,
)
from isigurt.reports.forms import (
    AUDIENCE_CHOICES,
    DANGER_SHOWS_CALL_BOX,
    YES_NO,
    AudienceForm,
    InformationForm,
    MessageForm,
    ReportForm,
    StartForm,
    Step1Form,
    TrackForm,
)
from isigurt.reports.models import Audience, Category, Channel, IdempotencyRecord, Report
from isigurt.reports.selectors import report_public_status
from isigurt.reports.services import (
    MAX_EVIDENCE_PER_REPORT,
    IdempotencyConflict,
    IdempotencyInProgress,
    ReportInvalid,
    evidence_add,
    format_secret,
    pictures_decode,
    report_add_information,
    report_message_post,
    report_open,
    report_submit,
)

logger = logging.getLogger(__name__)

STEP1_KEY = "report_step1"
DONE_KEY = "report_done"
TRACKED_KEY = "tracked_report"
BUSY_RETRY_AFTER = DecoderBusy.retry_after


def _no_store(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    request.no_store = True  # type: ignore[attr-defined]
    response["Cache-Control"] = "no-store"
    return response


def _speaks_to(audience_of: Callable[[HttpRequest], str | None]) -> Callable[[Any], Any]:
    """The page addresses an adult reporter as "ju" in Albanian (see ``isigurt.lib.tone``)."""

    def wrap(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            with adult_tone(audience_of(request) == Audience.ADULT):
                return view(request, *args, **kwargs)

        return inner

    return wrap


def _asked_audience(request: HttpRequest) -> str | None:
    return request.POST.get("audience") or request.GET.get("audience")


def _step1_audience(request: HttpRequest) -> str | None:
    step1 = _step1(request)
    return step1["audience"] if step1 else None


def _done_audience(request: HttpRequest) -> str | None:
    done = request.session.get(DONE_KEY)
    return done.get("audience") if isinstance(done, dict) else None


# --- step 1 --------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@login_not_required
@_speaks_to(_asked_audience)
def report_start(request: HttpRequest) -> HttpResponse:
    """Who is telling us (a link per audience), then what happened and is a child in danger."""
    audience = request.POST.get("audience") or request.GET.get("audience") or ""
    if audience not in Audience.values:
        chooser = AudienceForm(request.GET) if "audience" in request.GET else AudienceForm()
        return _no_store(request, render(request, "reports/start_audience.html", {"form": chooser}))
    if request.method == "POST":
        form = StartForm(request.POST, audience=audience)
        if form.is_valid():
            request.session[STEP1_KEY] = form.step1()
            return redirect("reports:form")
    else:
        initial: dict[str, Any] = {}
        previous = request.session.get(STEP1_KEY)
        if previous and previous.get("audience") == audience:
            initial = {
                "category": previous.get("categories") or [previous["category"]],
                "child_in_danger": previous.get("danger")
                or ("yes" if previous["child_in_danger"] else ""),
            }
        form = StartForm(initial=initial, audience=audience)
    # The chosen topic is on this page: never kept where Back could show it again.
    return _no_store(
        request,
        render(
            request,
            "reports/start.html",
            {"form": form, "audience": audience, "specs": form.specs},
        ),
    )


# --- step 2 --------------------------------------------------------------------------------


def _step1(request: HttpRequest) -> dict[str, Any] | None:
    """Step 1's answers: from step 2's own hidden fields when posted, else the session's copy.

    A posted step 2 carries them (checked again here), so it files even after the session
    expired.
    """
    if request.method == "POST" and "audience" in request.POST:
        posted = Step1Form(request.POST)
        return posted.step1() if posted.is_valid() else None
    step1 = request.session.get(STEP1_KEY)
    if step1 and _step1_spec(step1) is not None:
        return dict(step1)
    return None


def _step1_spec(step1: dict[str, Any]) -> dict[str, Any] | None:
    """What step 2 asks for the categories chosen in step 1 (the main one first)."""
    return combined_spec(step1.get("categories") or [step1["category"]], step1["audience"])


def _danger_box(step1: dict[str, Any]) -> bool:
    """Whether the call box is shown: the reporter said "yes" or "not sure"."""
    return bool(step1["child_in_danger"]) or step1.get("danger") in DANGER_SHOWS_CALL_BOX


def _uploads(request: HttpRequest) -> list[bytes]:
    """The pictures sent, read once (one more than allowed, so the excess can be refused)."""
    uploads = request.FILES.getlist("evidence")[: MAX_EVIDENCE_PER_REPORT + 1]
    return [upload.read(MAX_UPLOAD_BYTES + 1) for upload in uploads]


def _busy_message() -> str:
    return _(
        "We are busy checking other pictures. Wait a moment, then press Send again:"
        " your answers are still here, only the pictures need choosing again."
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_not_required
@_speaks_to(_step1_audience)
def report_form(request: HttpRequest) -> HttpResponse:
    """Only the questions that fit the category: form → report_submit → redirect.

    Every page of this step may echo what the reporter typed: all are no-store.
    """
    step1 = _step1(request)
    spec = _step1_spec(step1) if step1 else None
    if step1 is None or spec is None:
        return redirect("reports:start")
    audience, child_in_danger = step1["audience"], bool(step1["child_in_danger"])

    def page(form: ReportForm, problems: list[str], status: int = 200) -> HttpResponse:
        context = _form_context(form, spec, step1, problems)
        return _no_store(request, render(request, "reports/form.html", context, status=status))

    if request.method != "POST":
        form = ReportForm(initial={"form_key": uuid.uuid4().hex}, spec=spec, audience=audience)
        return page(form, [])

    form = ReportForm(request.POST, spec=spec, audience=audience, child_in_danger=child_in_danger)
    # Budget first, before any picture is read and whatever the outcome: a request that may
    # decode a picture (it carries one) or files a report spends one of INTAKE_LIMITS, shared
    # with the API.
    decision: RateDecision | None = None
    if request.FILES.getlist("evidence"):
        decision = intake_spend(request)
    valid = form.is_valid() and form.report_draft is not None
    if valid and decision is None:
        decision = intake_spend(request)
    if decision is not None and not decision.allowed:
        minutes = retry_after_minutes(decision.retry_after)
        form.add_error(
            None,
            ngettext(
                "Too many reports were sent from this connection. Please try again"
                " in %(minutes)d minute, or call ALO 116 111 now.",
                "Too many reports were sent from this connection. Please try again"
                " in %(minutes)d minutes, or call ALO 116 111 now.",
                minutes,
            )
            % {"minutes": minutes},
        )
        response = page(form, [], status=429)
        response["Retry-After"] = str(decision.retry_after)
        return response
    if not valid or form.report_draft is None or decision is None:
        return page(form, [])
    draft = form.report_draft
    key = f"web:{form.cleaned_data.get('form_key') or uuid.uuid4().hex}"
    # The abuse-material form has no picture field, but a picture sent anyway is hashed (so
    # known images can be recognised) and discarded, never stored (S11).
    takes_pictures = form.evidence_allowed or spec["category"] == Category.ABUSE_MATERIAL
    try:
        pictures = pictures_decode(
            category=draft.category,
            uploads=_uploads(request) if takes_pictures else [],
            budget=RequestPixelBudget(),
        )
        report_submit(
            draft=draft,
            channel=Channel.WEB,
            idempotency_key=key,
            flagged=decision.store_down,
            pictures=pictures,
        )
    except DecoderBusy:
        form.add_error(None, _busy_message())
        response = page(form, [], status=503)
        response["Retry-After"] = str(BUSY_RETRY_AFTER)
        return response
    except ReportInvalid as exc:
        evidence_problems = exc.errors.pop("evidence", [])
        form.add_report_errors(exc.errors)
        return page(form, evidence_problems)
    except IdempotencyInProgress:
        form.add_error(
            None,
            _("We are still saving your report. Wait a moment, then press Send again."),
        )
        return page(form, [])
    except IdempotencyConflict:
        _renew_form_key(form)
        form.add_error(
            None,
            _(
                "This form was already sent once. If you want to send another"
                " report, check your answers and press Send again."
            ),
        )
        return page(form, [])
    # Only the key: the secret stays encrypted in the IdempotencyRecord and never sits in the
    # session table (the done page reads it from there).
    request.session[DONE_KEY] = {
        "idempotency_key": key,
        "category": spec["category"],
        "categories": spec["categories"],
        "audience": audience,
        "child_in_danger": child_in_danger,
        "danger_box": _danger_box(step1),
    }
    request.session.pop(STEP1_KEY, None)
    return redirect("reports:done")


def _renew_form_key(form: ReportForm) -> None:
    data = QueryDict(mutable=True)
    data.update(form.data)
    data["form_key"] = uuid.uuid4().hex
    form.data = data


def _form_context(
    form: ReportForm, spec: dict[str, Any], step1: dict[str, Any], evidence_problems: list[str]
) -> dict[str, Any]:
    if form.is_bound and not form.data.get("form_key"):
        _renew_form_key(form)
    return {
        "form": form,
        "spec": spec,
        "audience": step1["audience"],
        "child_in_danger": bool(step1["child_in_danger"]),
        "danger_box": _danger_box(step1),
        "evidence_problems": evidence_problems,
        "max_files": MAX_EVIDENCE_PER_REPORT,
        "has_errors": bool(form.errors or evidence_problems),
        "step1_form": Step1Form.for_step1(step1),
    }


@never_cache
@require_safe
@login_not_required
@_speaks_to(_done_audience)
def report_done(request: HttpRequest) -> HttpResponse:
    """The tracking code and secret, shown once; then only the advice remains."""
    done = _done_receipt(request.session.pop(DONE_KEY, None))
    context: dict[str, Any] = {"done": done}
    if done:
        # The advice for everything the reporter named, main one first, each line once.
        context["advice"] = advice_for_all(
            done.get("categories") or [done["category"]], done["audience"]
        )
        context["category_label"] = category_label(done["category"], done["audience"])
    response = render(request, "reports/done.html", context)
    return _no_store(request, response)


def _done_receipt(done: dict[str, Any] | None) -> dict[str, Any] | None:
    """The session's pointer, completed with the code and secret from the IdempotencyRecord."""
    if not done or not done.get("idempotency_key"):
        return None
    record = (
        IdempotencyRecord.objects.select_related("report")
        .filter(key=done["idempotency_key"])
        .first()
    )
    if record is None:
        return None
    return {
        **done,
        "tracking_code": record.report.display_code,
        "secret": format_secret(record.secret) if record.secret else None,
    }


# --- tracking ------------------------------------------------------------------------------


def _tracked(request: HttpRequest) -> Report | None:
    """The report this session opened with its code and secret (the session is the proof)."""
    report_id = request.session.get(TRACKED_KEY)
    if not report_id:
        return None
    report = Report.objects.filter(pk=report_id).first()
    if report is None:
        request.session.pop(TRACKED_KEY, None)
    return report


def _track_page(
    request: HttpRequest,
    *,
    report: Report | None,
    status: int = 200,
    **forms_: Any,
) -> HttpResponse:
    context: dict[str, Any] = {"report": report}
    if report is None:
        context["track_form"] = forms_.get("track_form") or TrackForm()
    else:
        context["status"] = report_public_status(report=report)
        context["message_form"] = forms_.get("message_form") or MessageForm()
        context["information_form"] = forms_.get("information_form") or InformationForm()
        context["evidence_allowed"] = any(
            spec["category"] == report.category and spec["evidence_allowed"]
            for spec in category_specs(report.audience)
        )
        context["evidence_problems"] = forms_.get("evidence_problems") or []
        context["max_files"] = MAX_EVIDENCE_PER_REPORT
    response = render(request, "reports/track.html", context, status=status)
    return _no_store(request, response)


@require_http_methods(["GET", "HEAD", "POST"])
@login_not_required
def track(request: HttpRequest) -> HttpResponse:
    """Code and secret in a POST body (never the URL); then the status and the thread."""
    if request.method != "POST":
        return _track_page(request, report=_tracked(request))
    form = TrackForm(request.POST)
    if not form.is_valid():
        return _track_page(request, report=None, track_form=form)
    code = form.cleaned_data["tracking_code"]
    # Shared with the API: wrong secrets lock the code under attack (from anywhere) and the
    # client trying many codes, not a whole school's address.
    decision = track_attempt(request, code=code)
    if not decision.allowed:
        if decision.store_down:
            form.add_error(
                None,
                _(
                    "We cannot check tracking codes right now. Please try again in a few"
                    " minutes, or call ALO 116 111."
                ),
            )
            response = _track_page(request, report=None, status=503, track_form=form)
            response["Retry-After"] = "60"
            return response
        minutes = retry_after_minutes(decision.retry_after)
        form.add_error(
            None,
            ngettext(
                "Too many tries. Please wait %(minutes)d minute and try again.",
                "Too many tries. Please wait %(minutes)d minutes and try again.",
                minutes,
            )
            % {"minutes": minutes},
        )
        response = _track_page(request, report=None, status=429, track_form=form)
        response["Retry-After"] = str(decision.retry_after)
        return response
    report = report_open(tracking_code=code, secret=form.cleaned_data["secret"])
    if report is None:
        track_failure(request, code=code)
        form.add_error(
            None,
            _(
                "We could not open a report with this code and secret. Check both and try"
                " again: letters and numbers, dashes do not matter."
            ),
        )
        return _track_page(request, report=None, track_form=form)
    request.session.cycle_key()
    request.session[TRACKED_KEY] = str(report.pk)
    return redirect("reports:track")


def _followup_refusal(request: HttpRequest) -> tuple[str, int] | None:
    """A kind message and Retry-After when this connection sent too many follow-ups."""
    decision = followup_spend(request)  # shared with the API
    if decision.allowed:
        return None
    minutes = retry_after_minutes(decision.retry_after)
    message = ngettext(
        "You sent a lot in a short time. Please wait %(minutes)d minute, then send it again."
        " If you need help now, call ALO 116 111.",
        "You sent a lot in a short time. Please wait %(minutes)d minutes, then send it again."
        " If you need help now, call ALO 116 111.",
        minutes,
    ) % {"minutes": minutes}
    return message, decision.retry_after


def _refused_page(
    request: HttpRequest, report: Report, retry_after: int, **forms_: Any
) -> HttpResponse:
    response = _track_page(request, report=report, status=429, **forms_)
    response["Retry-After"] = str(retry_after)
    return response


def _tracked_or_redirect(request: HttpRequest) -> Report | HttpResponse:
    report = _tracked(request)
    if report is None:
        messages.info(request, _("Please enter your tracking code and secret again."))
        return redirect("reports:track")
    return report


def _followup_post(
    request: HttpRequest,
    *,
    form_class: type[forms.Form],
    field: str,
    form_name: str,
    post: Callable[[Report, str], object],
    done: str,
) -> HttpResponse:
    """A reporter's text follow-up (message or information): limit, post, or keep the text."""
    report = _tracked_or_redirect(request)
    if isinstance(report, HttpResponse):
        return report
    form = form_class(request.POST)
    page_forms: dict[str, Any] = {form_name: form}
    if form.is_valid():
        refusal = _followup_refusal(request)
        if refusal is not None:
            form.add_error(field, refusal[0])
            return _refused_page(request, report, refusal[1], **page_forms)
        try:
            post(report, form.cleaned_data[field])
        except ReportInvalid as exc:
            refusals_onto_form(form, exc.errors, field)
        else:
            messages.success(request, done)
            return redirect("reports:track")
    return _track_page(request, report=report, **page_forms)


@require_POST
@login_not_required
def track_message(request: HttpRequest) -> HttpResponse:
    return _followup_post(
        request,
        form_class=MessageForm,
        field="body",
        form_name="message_form",
        post=lambda report, text: report_message_post(report=report, body=text, actor=None),
        done=_("Your message was sent to the helpline."),
    )


@require_POST
@login_not_required
def track_information(request: HttpRequest) -> HttpResponse:
    return _followup_post(
        request,
        form_class=InformationForm,
        field="text",
        form_name="information_form",
        post=lambda report, text: report_add_information(report=report, text=text),
        done=_("Thank you. The information was added to your report."),
    )


@require_POST
@login_not_required
def track_evidence(request: HttpRequest) -> HttpResponse:
    report = _tracked_or_redirect(request)
    if isinstance(report, HttpResponse):
        return report
    if not request.FILES.getlist("evidence"):
        return _track_page(request, report=report, evidence_problems=[_("Choose a picture first.")])
    # Budget first, before any picture is read, whatever the outcome.
    refusal = _followup_refusal(request)
    if refusal is not None:
        return _refused_page(
            request,
            report,
            refusal[1],
            evidence_problems=[
                refusal[0],
                _("Please choose the pictures again: for your safety we do not keep them."),
            ],
        )
    try:
        pictures = pictures_decode(
            category=report.category, uploads=_uploads(request), budget=RequestPixelBudget()
        )
        evidence_add(report=report, pictures=pictures)
    except DecoderBusy:
        response = _track_page(
            request, report=report, status=503, evidence_problems=[_busy_message()]
        )
        response["Retry-After"] = str(BUSY_RETRY_AFTER)
        return response
    except ReportInvalid as exc:
        problems = [problem for messages in exc.errors.values() for problem in messages]
        return _track_page(request, report=report, evidence_problems=problems)
    messages.success(request, _("Thank you. The pictures were added to your report."))
    return redirect("reports:track")


@require_POST
@login_not_required
def track_leave(request: HttpRequest) -> HttpResponse:
    """Forget the opened report in this browser (for a shared phone or computer)."""
    request.session.pop(TRACKED_KEY, None)
    messages.info(
        request, _("This device no longer shows your report. Your code and secret still open it.")
    )
    return redirect("reports:track")


# --- quick exit ----------------------------------------------------------------------------

PUBLIC_SESSION_KEYS = (STEP1_KEY, DONE_KEY, TRACKED_KEY)


@csrf_exempt  # it only forgets the caller's own pages; a beacon sent while leaving has no token
@require_http_methods(["GET", "HEAD", "POST"])
@login_not_required
def quick_exit(request: HttpRequest) -> HttpResponse:
    """End the report draft and the opened report on this device, then leave for a neutral site.

    The quick-exit link points here, so it works without JavaScript (quick-exit.js sends a
    beacon here and leaves at once). A staff member's login is kept: only the public keys go.
    """
    try:
        if request.user.is_authenticated:
            for key in PUBLIC_SESSION_KEYS:
                request.session.pop(key, None)
        else:
            # Everything, messages included; the session cookie is deleted with it.
            request.session.flush()
    except DatabaseError:
        # The session row may outlive this answer, but the cookie still goes (the session is
        # empty now): leaving must never fail.
        logger.warning("quick exit: the session could not be deleted")
    response = redirect(settings.QUICK_EXIT_URL)
    response.status_code = 303
    # "cache" only: pages kept by the browser (HTTP and back-forward cache) are dropped.
    # Not "storage" (the app's unsent reports wait in IndexedDB) and not "cookies" (a staff
    # login and the language choice are not the child's to lose).
    response["Clear-Site-Data"] = '"cache"'
    return _no_store(request, response)


# --- the "I SIGURT" phone app (a PWA under /app/) ------------------------------------------

APP_LANGUAGES = ("sq", "en")
APP_AUDIENCES = tuple(Audience.values)


def _app_language(lang: str) -> str:
    if lang not in APP_LANGUAGES:
        raise Http404
    return lang


@require_safe
@login_not_required
def app_shell(request: HttpRequest, lang: str = "sq") -> HttpResponse:
    """The app's one page: the report form is built by app.js from the categories JSON."""
    language = _app_language(lang)
    with translation.override(language):
        form = ReportForm(spec=_APP_SPEC, audience=Audience.ADULT)
        response = render(
            request,
            "reports/app/shell.html",
            {
                "app_language": language,
                "form": form,
                "audiences": AUDIENCE_CHOICES,
                "categories_urls": {
                    audience: _categories_url(audience, language) for audience in APP_AUDIENCES
                },
                "yes_no": YES_NO,
            },
        )
        response["Content-Language"] = language
    return response


@require_safe
@login_not_required
def app_advice(request: HttpRequest, audience: str, lang: str = "sq") -> HttpResponse:
    """Advice for every kind of problem, in one audience's words; precached for offline use."""
    language = _app_language(lang)
    if audience not in APP_AUDIENCES:
        raise Http404
    with translation.override(language):
        response = render(
            request,
            "reports/app/advice.html",
            {
                "app_language": language,
                "audience": audience,
                "audiences": AUDIENCE_CHOICES,
                "specs": category_specs(audience),
            },
        )
        response["Content-Language"] = language
    return response


CATEGORIES_API = "/api/v1/categories"


def _categories_url(audience: str, language: str) -> str:
    return f"{CATEGORIES_API}?audience={audience}&lang={language}"


# Every question group, so the shell carries every field's label; app.js shows the ones the
# chosen category asks.
_APP_SPEC: dict[str, Any] = {
    "category": "other",
    "groups": ["where", "when", "who", "description", "contact"],
    "evidence_allowed": False,
    "evidence_note": "",
}


@require_safe
@login_not_required
def app_manifest(request: HttpRequest) -> HttpResponse:
    icons = [
        {
            "src": static(f"reports/icons/icon-{size}.png"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": "any maskable",
        }
        for size in (192, 512)
    ]
    manifest = {
        "name": "I Sigurt",
        "short_name": "I Sigurt",
        "lang": "sq",
        "start_url": reverse("app:shell"),
        "scope": reverse("app:shell"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b5fa5",
        "icons": icons,
    }
    return HttpResponse(
        json.dumps(manifest, ensure_ascii=False), content_type="application/manifest+json"
    )


def _precache_urls() -> list[str]:
    urls = [
        static("css/site.css"),
        static("js/quick-exit.js"),
        static("reports/report.js"),
        static("reports/app.js"),
        static("reports/app.css"),
        static("reports/icons/icon-192.png"),
        static("reports/icons/icon-512.png"),
        reverse("app:manifest"),
    ]
    for language in APP_LANGUAGES:
        urls.append(
            reverse("app:shell") if language == "sq" else reverse("app:shell_lang", args=[language])
        )
        for audience in APP_AUDIENCES:
            if language == "sq":
                urls.append(reverse("app:advice", args=[audience]))
            else:
                urls.append(reverse("app:advice_lang", args=[language, audience]))
            urls.append(_categories_url(audience, language))
    return urls


@lru_cache(maxsize=1)
def _static_fingerprint() -> str:
    """Changes whenever one of the app's files changes, so the service worker updates."""
    digest = hashlib.sha256(APP_VERSION.encode())
    for path in APP_STATIC_FILES:
        found = finders.find(path)
        if found:
            digest.update(Path(str(found)).read_bytes())
    return digest.hexdigest()[:16]


APP_VERSION = "1"
APP_STATIC_FILES = (
    "css/site.css",
    "js/quick-exit.js",
    "reports/report.js",
    "reports/app.js",
    "reports/app.css",
)


@require_safe
@login_not_required
def service_worker(request: HttpRequest) -> HttpResponse:
    """Served from /app/sw.js so that its scope is /app/."""
    body = render_to_string(
        "reports/app/sw.js",
        {
            "cache_name": f"isigurt-app-{_static_fingerprint()}",
            "precache": json.dumps(_precache_urls()),
            "shell_url": reverse("app:shell"),
        },
    )
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("app:shell")
    response["Cache-Control"] = "no-cache"
    return response
