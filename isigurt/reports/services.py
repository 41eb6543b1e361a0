"""Every write to reports: intake, follow-up by the reporter, the helpline's answers, evidence.

Intake (``report_submit``) is one transaction: the report row, its outbox row ("reports.received")
and its audit row commit together or not at all, and the acknowledgement is built only after the
commit (design safety rule 3, R1). A retried submission with the same idempotency key gets the
same answer and no second row (R4).

The tracking code and the secret
--------------------------------
The tracking code (8 characters) identifies a report; the secret (16 characters, 80 random bits)
proves the holder is its reporter. Both use the alphabet ``CODE_ALPHABET``: no 0/O, no 1/I, so
they survive being copied by hand. Only a keyed hash of the secret is stored:
HMAC-SHA256(pepper, code ":" secret), with the pepper derived from SECRET_KEY. A slow password
hash (argon2) is not needed here and would cost intake its 200 reports/s: the secret is random
with 80 bits of entropy, not chosen by a person, so it cannot be guessed from a stolen hash
without also holding the pepper, and even with it 2^80 HMACs are out of reach. The pepper follows
SECRET_KEY_FALLBACKS, so rotating SECRET_KEY keeps old secrets working while the old key is
listed as a fallback.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from isigurt.lib.db import insert_together
from isigurt.lib.images import (
    MAX_FILES_PER_REPORT,
    DecoderBusy,
    ImageHashes,
    ImageRejected,
    RequestPixelBudget,
    SanitisedImage,
    decode_picture,
)
from isigurt.reports import storage
from isigurt.reports.categories import EVIDENCE_CATEGORIES
from isigurt.reports.models import (
    MAX_CALLBACK_NOTE_LENGTH,
    CallbackOutcome,
    Category,
    ContactMethod,
    Evidence,
    IdempotencyRecord,
    MessageKind,
    Report,
    ReportCallback,
    ReportMessage,
    ReportStatus,
)
from isigurt.reports.permissions import report_changeable_by
from isigurt.reports.search import report_terms_prepare
from isigurt.reports.signals import report_added_to, report_answered
from isigurt.reports.validation import ReportDraft, clean_message

logger = logging.getLogger(__name__)

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 symbols: 5 bits each
TRACKING_CODE_LENGTH = 8
SECRET_GROUPS = 4
SECRET_GROUP_LENGTH = 4
MAX_EVIDENCE_PER_REPORT = MAX_FILES_PER_REPORT  # S10, with the other upload bounds
IDEMPOTENCY_KEY_RE = re.compile(r"^[\x21-\x7e]{1,255}$")
# IdempotencyRecord rows (which hold the first answer's secret, encrypted) are purged after this
# by the retention job; a client retries within minutes, not days.
IDEMPOTENCY_TTL_HOURS = 24
REPORT_RECEIVED_TOPIC = "reports.received"
# The helpline answered a reporter who asked to be told by e-mail (payload: the answer's id).
REPORT_ANSWERED_TOPIC = "reports.answered"


# --- errors --------------------------------------------------------------------------------


class ReportError(Exception):
    """Base of the errors a reporter can cause; ``errors`` maps a field to its messages."""

    def __init__(self, errors: dict[str, list[str]] | None = None) -> None:
        self.errors = errors or {}
        super().__init__("report error")


class ReportInvalid(ReportError):
    """The draft breaks a rule; ``errors`` holds one or more messages per field."""


class IdempotencyConflict(ReportError):
    """The key was used before with a different request (HTTP 422)."""


class IdempotencyInProgress(ReportError):
    """A request with the same key is being processed right now (HTTP 409)."""


class EvidenceRefused(ReportError):
    """Evidence is not accepted for this report (category, or too many files)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__({"file": [message]})
        self.code = code
        self.message = message


# --- output ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmittedReport:
    report: Report
    tracking_code: str  # as people read it: "K7QM-4TZP"
    secret: str | None  # "ABCD-EFGH-JKLM-NPQR"; None only if it cannot be recovered
    replayed: bool  # True when this answers a retry of an earlier request


# --- codes and secrets ---------------------------------------------------------------------


def _random_symbols(count: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(count))


def normalise_code(raw: str, *, length: int) -> str | None:
    """Upper-case, without spaces or dashes; None if it cannot be one of ours."""
    if not isinstance(raw, str) or len(raw) > 3 * length:
        return None
    value = re.sub(r"[\s\-]", "", raw).upper()
    if len(value) != length or any(ch not in CODE_ALPHABET for ch in value):
        return None
    return value


def format_secret(secret: str) -> str:
    size = SECRET_GROUP_LENGTH
    return "-".join(secret[i : i + size] for i in range(0, len(secret), size))


def _peppers() -> list[bytes]:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [
        hmac.new(str(key).encode(), b"isigurt.reports.secret-pepper.v1", hashlib.sha256).digest()
        for key in keys
    ]


def _secret_digest(pepper: bytes, code: str, secret: str) -> str:
    return hmac.new(pepper, f"{code}:{secret}".encode(), hashlib.sha256).hexdigest()


def hash_secret(*, tracking_code: str, secret: str) -> str:
    return _secret_digest(_peppers()[0], tracking_code, secret)


def _secret_matches(*, tracking_code: str, secret: str, stored: str) -> bool:
    matched = False
    for pepper in _peppers():
        # Every pepper is tried, so the time taken does not say which one matched.
        matched |= hmac.compare_digest(_secret_digest(pepper, tracking_code, secret), stored)
    return matched


# --- intake --------------------------------------------------------------------------------


def idempotency_key_valid(key: str) -> bool:
    """1 to 255 printable ASCII characters, no spaces (IETF httpapi-idempotency-key-header)."""
    return isinstance(key, str) and bool(IDEMPOTENCY_KEY_RE.match(key))


def _fingerprint(draft: ReportDraft, channel: str, pictures: Sequence[Picture]) -> str:
    canonical: dict[str, Any] = {"channel": channel, **draft.canonical()}
    if pictures:
        # SHA-256 of the bytes sent, as before decoding: a retry of the same upload matches.
        canonical["pictures"] = [picture.hashes.sha256 for picture in pictures]
    encoded = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


def _key_lock_id(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


def _lock_idempotency_key(key: str) -> None:
    """On PostgreSQL, hold a transaction lock on the key; another holder means 409.

    Without it a concurrent duplicate would wait on the unique index and then replay; the IETF
    draft asks for 409 while the first request is still in flight. SQLite serialises writers
    (BEGIN IMMEDIATE), so there the second request simply waits and replays.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_key_lock_id(key)])
        (acquired,) = cursor.fetchone()
    if not acquired:
        raise IdempotencyInProgress()


def _replay(record: IdempotencyRecord, fingerprint: str) -> SubmittedReport:
    if not hmac.compare_digest(record.fingerprint, fingerprint):
        raise IdempotencyConflict(
            {
                "idempotency_key": [
                    _("This Idempotency-Key was already used for a different report.")
                ]
            }
        )
    report = record.report
    return SubmittedReport(
        report=report,
        tracking_code=report.display_code,
        secret=format_secret(record.secret) if record.secret else None,
        replayed=True,
    )


def _code_taken(code: str) -> bool:
    return Report.objects.filter(tracking_code=code).exists()


def _free_code() -> str:
    """Another tracking code, after a collision (about one in 10^11)."""
    for _attempt in range(5):
        code = _random_symbols(TRACKING_CODE_LENGTH)
        if not _code_taken(code):
            break
    return code


def _claim(key: str | None, code: str) -> tuple[IdempotencyRecord | None, bool]:
    """Lock the idempotency key, find its record and check the new tracking code: on
    PostgreSQL in one statement, since every report pays for these round trips.

    Returns the key's existing record (None for a new key) and whether ``code`` is taken.
    Raises IdempotencyInProgress while another request holds the key (409).
    """
    if key is None:
        return None, _code_taken(code)
    if connection.vendor != "postgresql":
        # SQLite serialises writers (BEGIN IMMEDIATE): a duplicate simply waits and replays.
        return IdempotencyRecord.objects.filter(key=key).first(), _code_taken(code)
    records, reports = IdempotencyRecord._meta, Report._meta

    def quote(name: str | None) -> str:
        return connection.ops.quote_name(str(name))

    sql = (
        "SELECT pg_try_advisory_xact_lock(%s), "  # noqa: S608 (names from the models, quoted)
        f"(SELECT {quote(records.pk.column)} FROM {quote(records.db_table)}"
        f" WHERE {quote(records.get_field('key').column)} = %s), "
        f"EXISTS (SELECT 1 FROM {quote(reports.db_table)}"
        f" WHERE {quote(reports.get_field('tracking_code').column)} = %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [_key_lock_id(key), key, code])
        acquired, record_id, taken = cursor.fetchone()
    if not acquired:
        raise IdempotencyInProgress()
    # The record (and its report) is loaded only on a replay: most keys are new.
    record = IdempotencyRecord.objects.get(pk=record_id) if record_id is not None else None
    return record, bool(taken)


def _new_report(
    draft: ReportDraft, *, channel: str, flagged: bool, code: str
) -> tuple[Report, str]:
    """A new report under ``code`` (already checked free), with its secret."""
    secret = _random_symbols(SECRET_GROUPS * SECRET_GROUP_LENGTH)
    report = Report(**draft.report_values(), channel=channel, flagged=flagged)
    report.tracking_code = code
    report.secret_hash = hash_secret(tracking_code=code, secret=secret)
    return report, secret


def report_submit(
    *,
    draft: ReportDraft,
    channel: str,
    idempotency_key: str | None = None,
    flagged: bool = False,
    pictures: Sequence[Picture] = (),
    idempotency_scope: str | None = None,
) -> SubmittedReport:
    """Store a report and its pictures, with its outbox and audit rows, in one transaction.

    ``draft`` is already valid (ReportDraft validates on construction). ``pictures`` come
    from ``pictures_decode`` for the draft's category (decoded once, within the request's
    bounds, after the caller spent its rate-limit budget). For an abuse-material report they
    are hashed only and nothing of them is stored (S11). Picture files are written inside the
    transaction, before their rows, and removed again if it rolls back.

    Raises ReportInvalid, IdempotencyConflict (the key was used for another request: 422) or
    IdempotencyInProgress (the same key is being processed: 409). A retry with the same key
    and the same request (pictures included) returns the first answer, secret included, with
    ``replayed=True``. With ``idempotency_scope`` (who sent the key: see the API) the key is
    that client's own: the same key from another scope is another key, so a replay never hands
    one reporter's code and secret to someone else. The caller acknowledges only after this
    returns, i.e. after the commit.
    """
    from isigurt.audit.services import audit_record
    from isigurt.outbox.services import outbox_message_new, outbox_message_written

    if idempotency_key is not None and not idempotency_key_valid(idempotency_key):
        raise ReportInvalid(
            {"idempotency_key": [_("The Idempotency-Key must be 1 to 255 printable characters.")]}
        )
    if idempotency_key is not None:
        idempotency_key = scoped_idempotency_key(idempotency_key, scope=idempotency_scope)
    _check_pictures_allowed(category=draft.category, count=len(pictures))
    decoded = list(pictures)
    fingerprint = _fingerprint(draft, channel, decoded)

    written: list[str] = []
    try:
        with transaction.atomic():
            code = _random_symbols(TRACKING_CODE_LENGTH)
            existing, taken = _claim(idempotency_key, code)
            if existing is not None:
                return _replay(existing, fingerprint)
            if taken:
                code = _free_code()
            report, secret = _new_report(draft, channel=channel, flagged=flagged, code=code)
            follow_up = outbox_message_new(
                topic=REPORT_RECEIVED_TOPIC, payload={"report_id": str(report.id)}
            )
            # Its search terms (the helpline's blind index) go in the same statement.
            terms = report_terms_prepare(report)
            if idempotency_key is None:
                insert_together(report, follow_up, *terms)
            else:
                # The report, its key's record, its follow-up and its terms: one statement.
                insert_together(
                    report,
                    IdempotencyRecord(
                        key=idempotency_key,
                        fingerprint=fingerprint,
                        report=report,
                        secret=secret,
                        response={"tracking_code": report.display_code, "status": report.status},
                    ),
                    follow_up,
                    *terms,
                )
            outbox_message_written(follow_up)
            _store_pictures(report=report, pictures=decoded, written=written)
            audit_record(
                actor=None,
                action="report.submitted",
                target=report,
                fields=("category", "other_categories", "channel", "flagged"),
            )
    except IntegrityError:
        _remove_files(written)
        if idempotency_key is None:
            raise
        # Another request with this key committed between our check and our insert.
        existing = (
            IdempotencyRecord.objects.select_related("report").filter(key=idempotency_key).first()
        )
        if existing is None:
            raise IdempotencyInProgress() from None
        return _replay(existing, fingerprint)
    except BaseException:
        _remove_files(written)
        raise
    return SubmittedReport(
        report=report,
        tracking_code=report.display_code,
        secret=format_secret(secret),
        replayed=False,
    )


def idempotency_records_purge(*, now: datetime | None = None) -> int:
    """Retention: drop idempotency records (which hold a secret) after IDEMPOTENCY_TTL_HOURS.

    A client retries within minutes; after the window the same key is simply a new request.
    """
    cutoff = (now or timezone.now()) - timedelta(hours=IDEMPOTENCY_TTL_HOURS)
    deleted, _per_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def idempotency_key_used(key: str, *, scope: str | None = None) -> bool:
    """Whether a report was already filed with this key (its retry needs no new capacity)."""
    return IdempotencyRecord.objects.filter(key=scoped_idempotency_key(key, scope=scope)).exists()


def scoped_idempotency_key(key: str, *, scope: str | None) -> str:
    """The key as stored: as given without a scope, else a keyed hash of scope and key.

    The IETF draft lets a server scope keys to the client; the hash keeps the stored key within
    the column whatever the scope, and says nothing of the client.
    """
    if scope is None:
        return key
    digest = salted_hmac("isigurt.reports.idempotency-scope", f"{scope}\n{key}", algorithm="sha256")
    return f"scoped:{digest.hexdigest()}"


# --- the reporter's follow-up --------------------------------------------------------------


def followup_once(
    *,
    report: Report,
    idempotency_key: str | None,
    idempotency_scope: str,
    fingerprint: str,
    post: Callable[[], dict[str, Any]],
) -> tuple[dict[str, Any], bool]:
    """Run a follow-up (message, information, picture) at most once per Idempotency-Key.

    The phone app sends a key with each follow-up and retries after a lost answer: the same
    key and request return the first answer and add no second row (``replayed`` True); the
    same key with another request raises IdempotencyConflict; one still in flight,
    IdempotencyInProgress. Without a key, ``post`` simply runs. ``post`` returns the answer's
    body, kept with the record (no secret: follow-ups have none).
    """
    if idempotency_key is None:
        return post(), False
    if not idempotency_key_valid(idempotency_key):
        raise ReportInvalid(
            {"idempotency_key": [_("The Idempotency-Key must be 1 to 255 printable characters.")]}
        )
    stored = scoped_idempotency_key(
        f"followup:{report.pk}:{idempotency_key}", scope=idempotency_scope
    )
    with transaction.atomic():
        _lock_idempotency_key(stored)
        existing = IdempotencyRecord.objects.filter(key=stored).first()
        if existing is not None:
            if not hmac.compare_digest(existing.fingerprint, fingerprint):
                raise IdempotencyConflict(
                    {
                        "idempotency_key": [
                            _("This Idempotency-Key was already used for a different request.")
                        ]
                    }
                )
            return dict(existing.response), True
        answer = post()
        IdempotencyRecord.objects.create(
            key=stored, fingerprint=fingerprint, report=report, secret="", response=answer
        )
    return answer, False


def request_fingerprint(*parts: str | bytes) -> str:
    """SHA-256 over a follow-up's parts (its kind, then its text or picture bytes)."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


_DUMMY_HASH = "0" * 64


def report_open(*, tracking_code: str, secret: str) -> Report | None:
    """The report whose code and secret these are, else None (also for malformed input).

    The secret is compared in constant time, and an unknown code costs the same HMAC work as a
    known one. Dashes, spaces and lower case are accepted.
    """
    code = normalise_code(tracking_code, length=TRACKING_CODE_LENGTH)
    plain_secret = normalise_code(secret, length=SECRET_GROUPS * SECRET_GROUP_LENGTH)
    report = Report.objects.filter(tracking_code=code).first() if code else None
    stored = report.secret_hash if report is not None else _DUMMY_HASH
    matched = _secret_matches(tracking_code=code or "", secret=plain_secret or "", stored=stored)
    if report is None or plain_secret is None or not matched:
        return None
    return report


def report_add_information(*, report: Report, text: str) -> ReportMessage:
    """The reporter adds to the report; kept in the thread as "more information"."""
    return _post(report=report, body=text, actor=None, kind=MessageKind.INFORMATION)


def report_message_post(*, report: Report, body: str, actor: Any = None) -> ReportMessage:
    """A message in the report's thread: from the reporter (actor None) or from helpline staff.
    A staff answer to a danger-now report acknowledges it (audited as the acknowledgement is).

    Raises ReportInvalid for an empty or oversized message, PermissionDenied for staff outside
    the helpline.
    """
    return _post(report=report, body=body, actor=actor, kind=MessageKind.MESSAGE)


def _post(*, report: Report, body: str, actor: Any, kind: str) -> ReportMessage:
    from isigurt.audit.services import audit_record
    from isigurt.outbox.services import outbox_enqueue

    text, problems = clean_message(body)
    if problems:
        raise ReportInvalid({"body": problems})
    if actor is not None and not report_changeable_by(actor, report):
        raise PermissionDenied
    with transaction.atomic():
        message = ReportMessage(
            report=report,
            from_helpline=actor is not None,
            author=actor,
            kind=kind,
            body=text,
        )
        message.save(force_insert=True)
        changes: dict[str, Any] = {"updated_at": message.created_at}
        if actor is None:  # the reporter wrote: unread for the helpline
            changes["reporter_activity_at"] = message.created_at
        Report.objects.filter(pk=report.pk).update(**changes)
        audit_record(
            actor=actor,
            action="report.message_posted"
            if kind == MessageKind.MESSAGE
            else "report.information_added",
            target=report,
            fields=("body",),
        )
        if actor is not None and kind == MessageKind.MESSAGE:
            # Answering the reporter is acting on the report: a danger-now one is taken on.
            report_danger_acknowledge(report=report, actor=actor)
        if actor is not None and reporter_wants_email(report):
            outbox_enqueue(topic=REPORT_ANSWERED_TOPIC, payload={"message_id": str(message.pk)})
        if actor is not None:
            report_answered.send(sender=Report, report=report, message=message, actor=actor)
        else:
            report_added_to.send(sender=Report, report=report, message=message)
    return message


def reporter_wants_email(report: Report) -> bool:
    """Whether the reporter asked to be contacted by e-mail, agreed to it and left an address."""
    return (
        report.contact_method == ContactMethod.EMAIL
        and report.contact_consent
        and bool(report.contact_value)
    )


def _mark_reporter_activity(report: Report) -> None:
    """The reporter added something (a picture): the report is unread for the helpline."""
    now = timezone.now()
    Report.objects.filter(pk=report.pk).update(reporter_activity_at=now, updated_at=now)


def report_status_change(*, report: Report, status: str, actor: Any) -> None:
    """Helpline staff move a report on; audited. PermissionDenied for anyone else.

    Moving a danger-now report on from "received" also acknowledges the danger: someone is
    acting on it, so it leaves the top of the list and the banner.
    """
    from isigurt.audit.services import audit_record

    if not report_changeable_by(actor, report):
        raise PermissionDenied
    if status not in ReportStatus.values:
        raise ReportInvalid({"status": [_("Choose one of the options.")]})
    if status == report.status:
        return
    with transaction.atomic():
        report.status = status
        changed = ["status"]
        if danger_waiting(report) and status != ReportStatus.RECEIVED:
            report.danger_acknowledged_at = timezone.now()
            report.danger_acknowledged_by = actor
            changed += ["danger_acknowledged_at", "danger_acknowledged_by"]
        report.save(update_fields=[*changed, "updated_at"])
        audit_record(actor=actor, action="report.status_changed", target=report, fields=changed)


def danger_waiting(report: Report) -> bool:
    """A child is in danger now and no helpline staff member has acknowledged it yet."""
    return report.child_in_danger and report.danger_acknowledged_at is None


def report_danger_acknowledge(*, report: Report, actor: Any) -> bool:
    """A helpline staff member takes on a danger-now report; audited. False if there was
    nothing to acknowledge (not danger-now, or already acknowledged)."""
    from isigurt.audit.services import audit_record

    if not report_changeable_by(actor, report):
        raise PermissionDenied
    with transaction.atomic():
        now = timezone.now()
        updated = Report.objects.filter(
            pk=report.pk, child_in_danger=True, danger_acknowledged_at__isnull=True
        ).update(danger_acknowledged_at=now, danger_acknowledged_by=actor)
        if not updated:
            return False
        report.danger_acknowledged_at, report.danger_acknowledged_by = now, actor
        audit_record(
            actor=actor,
            action="report.danger_acknowledged",
            target=report,
            fields=("danger_acknowledged_at", "danger_acknowledged_by"),
        )
    return True


def report_mark_read(*, report: Report, actor: Any) -> datetime | None:
    """Helpline staff opened the report: it is read (for the whole helpline) until the
    reporter adds something. Returns when it was last opened before (None: never), so the
    page can show what is new since. Audited when it changes the report from unread to read.
    Viewers who may not change the report (an institution) leave it as it was.
    """
    from isigurt.audit.services import audit_record

    previous = report.staff_read_at
    if not report_changeable_by(actor, report):
        return previous
    with transaction.atomic():
        now = timezone.now()
        was_unread = report_unread(report)
        Report.objects.filter(pk=report.pk).update(staff_read_at=now)
        report.staff_read_at = now
        if was_unread:
            audit_record(
                actor=actor, action="report.marked_read", target=report, fields=("staff_read_at",)
            )
    return previous


def report_unread(report: Report) -> bool:
    """Never opened by the helpline, or the reporter added something since it last was."""
    if report.staff_read_at is None:
        return True
    return report.reporter_activity_at is not None and (
        report.reporter_activity_at > report.staff_read_at
    )


# A call is recorded within a year of it, and a clock a few minutes ahead is not the future.
CALLBACK_RECORD_WINDOW = timedelta(days=366)
CALLBACK_CLOCK_SKEW = timedelta(minutes=5)


def callback_time_problem(called_at: datetime) -> str:
    """Why ``called_at`` cannot be when a call was made (empty when it can): not in the
    future, not more than a year ago; a time at the calendar's edge is refused, never a crash."""
    now = timezone.now()
    try:
        if called_at > now + CALLBACK_CLOCK_SKEW:
            return _("The call cannot be in the future.")
        if called_at < now - CALLBACK_RECORD_WINDOW:
            return _("Give a time within the last year.")
    except (OverflowError, ValueError):
        if called_at.year > now.year:
            return _("The call cannot be in the future.")
        return _("Give a time within the last year.")
    return ""


def report_callback_record(
    *, report: Report, actor: Any, called_at: datetime, outcome: str, note: str = ""
) -> ReportCallback:
    """The helpline called back a reporter who asked for a phone call; audited.

    PermissionDenied for anyone who may not change the report; ReportInvalid when the
    reporter did not ask to be called, for an unknown outcome, a time in the future or an
    overlong note.
    """
    from isigurt.audit.services import audit_record

    if not report_changeable_by(actor, report):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if report.contact_method != ContactMethod.PHONE or not report.contact_value:
        errors["outcome"] = [_("The reporter did not ask to be called.")]
    if outcome not in CallbackOutcome.values:
        errors["outcome"] = [_("Choose one of the options.")]
    problem = callback_time_problem(called_at)
    if problem:
        errors["called_at"] = [problem]
    note = (note or "").strip()
    if len(note) > MAX_CALLBACK_NOTE_LENGTH:
        errors["note"] = [
            _("Keep the note to %(limit)d characters.") % {"limit": MAX_CALLBACK_NOTE_LENGTH}
        ]
    if errors:
        raise ReportInvalid(errors)
    with transaction.atomic():
        callback = ReportCallback(
            report=report, called_at=called_at, outcome=outcome, note=note, author=actor
        )
        callback.save(force_insert=True)
        audit_record(
            actor=actor,
            action="report.callback_recorded",
            target=report,
            fields=("called_at", "outcome", "note"),
        )
    return callback


# --- evidence ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Picture:
    """One upload, decoded once: its clean re-encoding (None when only hashed) and hashes."""

    hashes: ImageHashes
    size: int
    image: SanitisedImage | None


def _decode_picture(
    *, category: str, data: bytes, budget: RequestPixelBudget | None = None
) -> Picture:
    """Raises ImageRejected. Abuse material is only hashed: its bytes are never re-encoded."""
    if category == Category.ABUSE_MATERIAL:
        hashed = decode_picture(data, keep=False, budget=budget)
        return Picture(hashes=hashed.hashes, size=len(data), image=None)
    image = decode_picture(data, keep=True, budget=budget)
    return Picture(hashes=image.hashes, size=len(image.content), image=image)


def _pictures_problem(*, category: str, count: int) -> str | None:
    if not count:
        return None
    if category != Category.ABUSE_MATERIAL and category not in EVIDENCE_CATEGORIES:
        return _("Pictures cannot be added to this kind of report.")
    if count > MAX_EVIDENCE_PER_REPORT:
        return _("You can add at most %(limit)d pictures.") % {"limit": MAX_EVIDENCE_PER_REPORT}
    return None


def _check_pictures_allowed(*, category: str, count: int) -> None:
    problem = _pictures_problem(category=category, count=count)
    if problem is not None:
        raise ReportInvalid({"evidence": [problem, _choose_again()]})


def _choose_again() -> str:
    return _("Please choose the pictures again: for your safety we do not keep them.")


def pictures_decode(
    *, category: str, uploads: Sequence[bytes], budget: RequestPixelBudget | None = None
) -> list[Picture]:
    """Every upload checked and decoded once, before anything is stored (no write here).

    The caller spends the client's rate-limit budget first and gives one RequestPixelBudget
    per request; the process's DECODE_POOL bounds decoding across requests. Raises
    ReportInvalid with every problem under "evidence", or DecoderBusy when the process is
    decoding too much at once (nothing wrong with the pictures: ask to try again). An upload
    that cannot be read on an abuse-material report is skipped: the link is what counts.
    """
    if not uploads:
        return []
    _check_pictures_allowed(category=category, count=len(uploads))
    discard = category == Category.ABUSE_MATERIAL
    budget = budget or RequestPixelBudget()
    problems: list[str] = []
    pictures: list[Picture] = []
    for number, data in enumerate(uploads, start=1):
        try:
            pictures.append(_decode_picture(category=category, data=data, budget=budget))
        except DecoderBusy:
            raise
        except ImageRejected as exc:
            if not discard:
                problems.append(
                    _("Picture %(number)d: %(problem)s")
                    % {"number": number, "problem": exc.message}
                )
    if problems:
        problems.append(_choose_again())
        raise ReportInvalid({"evidence": problems})
    return pictures


def _store_pictures(
    *, report: Report, pictures: Sequence[Picture], written: list[str]
) -> list[Evidence]:
    """Inside the caller's transaction: each file first (its name added to ``written``, for
    removal if the transaction rolls back), then its row and audit entry."""
    from isigurt.audit.services import audit_record

    stored: list[Evidence] = []
    for picture in pictures:
        if report.category == Category.ABUSE_MATERIAL and picture.image is not None:
            picture = Picture(hashes=picture.hashes, size=picture.size, image=None)  # S11
        evidence = Evidence(
            report=report,
            sha256=picture.hashes.sha256,
            pdq_hash=picture.hashes.pdq_hash or "",
            pdq_quality=picture.hashes.pdq_quality,
            stored=picture.image is not None,
            size=picture.size,
        )
        if picture.image is not None:
            evidence.width = picture.image.width
            evidence.height = picture.image.height
            evidence.mime = picture.image.mime
            evidence.storage_name = str(evidence.id)
            written.append(evidence.storage_name)
            storage.evidence_write(
                name=evidence.storage_name,
                data=picture.image.content,
                aad=_evidence_aad(evidence),
            )
        evidence.save(force_insert=True)
        action = "evidence.attached" if evidence.stored else "evidence.hashed_and_discarded"
        audit_record(actor=None, action=action, target=evidence, fields=())
        stored.append(evidence)
    return stored


def _remove_files(names: Sequence[str]) -> None:
    for name in names:
        storage.evidence_delete(name=name)


def evidence_attach(
    *,
    report: Report,
    data: bytes,
    filename: str = "",
    budget: RequestPixelBudget | None = None,
) -> Evidence:
    """Check, clean and store one more screenshot on a filed report, encrypted.

    The cheap refusals (category, count) come before the picture is decoded, once, within
    ``budget`` (one per request) and the process's DECODE_POOL.

    For an abuse-material report the image is hashed (SHA-256 and PDQ, for matching) and
    discarded: no bytes are written anywhere and ``Evidence.stored`` is False (S11).
    Raises isigurt.lib.images.ImageRejected for a bad image (DecoderBusy, one of them, when
    the process is busy: try again), EvidenceRefused when the category takes no evidence or
    the report already has MAX_EVIDENCE_PER_REPORT files.
    """
    del filename  # never stored nor logged: it may name a person
    discard = report.category == Category.ABUSE_MATERIAL
    if not discard and report.category not in EVIDENCE_CATEGORIES:
        raise EvidenceRefused("not_allowed", _("Pictures cannot be added to this kind of report."))
    if Evidence.objects.filter(report=report).count() >= MAX_EVIDENCE_PER_REPORT:
        raise EvidenceRefused(
            "too_many_files",
            _("A report can have at most %(limit)d pictures.") % {"limit": MAX_EVIDENCE_PER_REPORT},
        )
    picture = _decode_picture(category=report.category, data=data, budget=budget)
    del data
    written: list[str] = []
    try:
        with transaction.atomic():
            (evidence,) = _store_pictures(report=report, pictures=[picture], written=written)
            _mark_reporter_activity(report)
            report_added_to.send(sender=Report, report=report, message=None)
    except BaseException:
        _remove_files(written)
        raise
    return evidence


def evidence_add(*, report: Report, pictures: Sequence[Picture]) -> list[Evidence]:
    """The reporter adds pictures to a filed report: all stored together, or none.

    ``pictures`` come from ``pictures_decode`` for the report's category; ReportInvalid holds
    every problem under "evidence".
    """
    already = Evidence.objects.filter(report=report).count()
    if pictures and already + len(pictures) > MAX_EVIDENCE_PER_REPORT:
        raise ReportInvalid(
            {
                "evidence": [
                    _("A report can have at most %(limit)d pictures.")
                    % {"limit": MAX_EVIDENCE_PER_REPORT}
                ]
            }
        )
    _check_pictures_allowed(category=report.category, count=len(pictures))
    written: list[str] = []
    try:
        with transaction.atomic():
            stored = _store_pictures(report=report, pictures=pictures, written=written)
            if stored:
                _mark_reporter_activity(report)
                report_added_to.send(sender=Report, report=report, message=None)
            return stored
    except BaseException:
        _remove_files(written)
        raise


def _evidence_aad(evidence: Evidence) -> str:
    return f"reports.evidence:{evidence.id}:{evidence.report_id}"


class EvidenceNotStored(LookupError):
    """The picture was hashed and discarded (abuse material): there are no bytes to open."""


def evidence_open(*, evidence: Evidence, actor: Any, request: Any = None) -> tuple[bytes, str]:
    """The decrypted bytes and MIME type of a stored screenshot; the read is audited.

    ``evidence`` comes from isigurt.reports.permissions.access_evidence: the caller has already
    decided that ``actor`` may see it. Raises EvidenceNotStored for a discarded picture.
    """
    from isigurt.audit.services import audit_read

    if not evidence.stored:
        raise EvidenceNotStored
    data = storage.evidence_read(name=evidence.storage_name, aad=_evidence_aad(evidence))
    audit_read(actor=actor, target=evidence, request=request)
    return data, evidence.mime


def evidence_erase(*, evidence: Evidence, actor: Any, request: Any = None) -> None:
    """Delete one piece of evidence: its row now, audited, and its encrypted file once the
    deletion is committed (a rolled-back erasure keeps both)."""
    from isigurt.audit.services import audit_record

    with transaction.atomic():
        evidence_id, name = evidence.pk, evidence.storage_name
        Evidence.objects.filter(pk=evidence_id).delete()
        audit_record(
            actor=actor,
            action="evidence.erased",
            object_type=Evidence._meta.label_lower,
            object_id=str(evidence_id),
            request=request,
        )
        if name:
            transaction.on_commit(lambda: storage.evidence_delete(name=name))
