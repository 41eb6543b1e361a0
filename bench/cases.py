"""Case pages at scale: the queue, a two-word search and a case page, beside a primary-key
lookup measured in the same run, on PostgreSQL with a million cases.

Generates the cases (COPY, each summary encrypted for its own row), their timeline events,
helpline contacts as their origins, tasks for the open ones and their blind-index terms (words
drawn from a 20,000-word vocabulary with a Zipf-like spread, links, usernames and phone numbers
from pools that some cases share), with secondary indexes and foreign keys dropped during the
load and rebuilt after it. Then, in interleaved rounds with fresh random inputs each time:

    baseline  one case by primary key (the plain indexed lookup)
    queue     the first page of one helpline's open cases, overdue first, then priority, then
              age, with its count
    search    cases_matching() of two words (one fairly common, one rarer) over that helpline's
              cases, ordered as the queue, first page and count
    page      a case page: the case, its origins, events and tasks, decrypted, and its links

Pages are requested through the Django test client on the queue and case page URL names
(`cases:case_queue` or `cases:case_queue`, `cases:case_detail` or `cases:detail`) when they resolve
(the output says which), else the equivalent querysets are run.
Prints each measurement's median and p95, its ratio to the baseline's median, and one summary
line. Goal: every page under 300 ms.

    bench/cases [--cases 1000000] [--rounds 40] [--reuse] [--search-param q]
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
PG = "postgres://postgres@127.0.0.1:5432"
DATABASE = "isigurt_bench_cases"
ENV = {
    "DJANGO_SETTINGS_MODULE": "isigurt.settings.base",
    "DATABASE_URL": f"{PG}/{DATABASE}",
    "DATABASE_CONN_MAX_AGE": "600",
    "LOG_LEVEL": "WARNING",
    "ISIGURT_DEMO_MODE": "false",
    "CELERY_BROKER_URL": "",
    # Fixed bench keys, so that a reused database still decrypts and matches.
    "FIELD_ENCRYPTION_KEYS": "bf:" + base64.b64encode(b"isigurt-bench-field-key-32-bytes").decode(),
    "BLIND_INDEX_KEYS": "bi:" + base64.b64encode(b"isigurt-bench-index-key-32-bytes").decode(),
}
VOCABULARY = 20_000
WORDS_PER_CASE = 16
URL_POOL, USERNAME_POOL, PHONE_POOL = 300_000, 200_000, 150_000
OPEN_SHARE = 0.05  # open cases are a few per cent of a helpline's history, the recent ones
HISTORY_DAYS, OPEN_DAYS = 3 * 365, 60
PAGE_SIZE = 25
# The case pages' URL names, as isigurt.cases.urls names them (the first that resolves).
QUEUE_NAMES = ("cases:case_queue", "cases:case_queue")
DETAIL_NAMES = ("cases:case_detail", "cases:detail")
TABLES = ("cases_case", "cases_caseevent", "cases_caseterm", "cases_caseorigin", "helpline_contact",
          "cases_casetask")  # fmt: skip
SUMMARIES = (
    "Placeholder summary: a child asked for advice about messages from an unknown account.",
    "Placeholder summary: a parent reported comments under a school photo.",
    "Placeholder summary: a teacher reported a group chat; the school was informed.",
    "Placeholder summary: follow-up call planned with the child protection unit.",
)


def psql(sql: str, database: str = "postgres") -> str:
    result = subprocess.run(
        ["psql", f"{PG}/{database}", "-qAtc", sql], check=True, capture_output=True, text=True
    )
    return result.stdout.strip()


def word(rank: int) -> str:
    """The bench's word of that rank: placeholder letters, never a real word."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    text, n = "", rank
    while True:
        text = letters[n % 26] + text
        n //= 26
        if n == 0:
            break
    return f"fjal{text}"


def code_for(n: int) -> str:
    from isigurt.reports.services import CODE_ALPHABET

    chars = []
    for _ in range(8):
        chars.append(CODE_ALPHABET[n % 32])
        n //= 32
    return "C" + "".join(reversed(chars))


# --- loading ---------------------------------------------------------------------------------


def _constraints(cursor: Any) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """Foreign keys touching the bench tables and their other non-primary constraints and
    indexes: (table, name, definition) and (name, index definition)."""
    tables = list(TABLES)
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype "
        "FROM pg_constraint WHERE (conrelid = ANY(%s::regclass[])"
        " OR confrelid = ANY(%s::regclass[])) AND contype IN ('f', 'u')",
        [tables, tables],
    )
    constraints = [(table, name, definition) for table, name, definition, _t in cursor.fetchall()]
    constraint_names = {name for _t, name, _d in constraints}
    cursor.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i "
        "JOIN pg_class c ON c.relname = i.indexname JOIN pg_index x ON x.indexrelid = c.oid "
        "WHERE i.tablename = ANY(%s) AND NOT x.indisprimary",
        [tables],
    )
    indexes = [(name, d) for name, d in cursor.fetchall() if name not in constraint_names]
    return constraints, indexes


_TERMS = (
    "INSERT INTO cases_caseterm (case_id, kind, key_id, digest) "
    "SELECT DISTINCT c.id, %(kind)s, %(key)s, v.digest FROM cases_case c "
    "CROSS JOIN LATERAL (SELECT {rank} AS rank FROM generate_series(1, %(per_case)s) "
    "WHERE c.id IS NOT NULL) d JOIN bench_vocab v ON v.kind = %(kind)s AND v.rank = d.rank "
    "WHERE random() < %(share)s"
)
WORD_TERMS = _TERMS.replace("{rank}", "least(%(size)s, floor(exp(random() * ln(%(size)s)))::int)")
VALUE_TERMS = _TERMS.replace("{rank}", "(1 + floor(random() * %(size)s))::int")


def generate(count: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from isigurt.accounts.models import Organisation, Role, RoleGrant, User
    from isigurt.cases.models import CaseStatus, Priority
    from isigurt.lib import blind_index as bi
    from isigurt.lib.crypto import encrypt_text, field_aad

    started = time.monotonic()
    helpline = Organisation.objects.create(name="ALO 116", short_name="ALO 116", kind="helpline")
    other = Organisation.objects.create(name="Other helpline", short_name="Other", kind="helpline")
    operator = User.objects.create(username="bench.operator", organisation=helpline)
    RoleGrant.objects.create(user=operator, role=Role.HELPLINE_OPERATOR)
    now = timezone.now()
    rng = random.Random(20261202)
    key_id = bi.newest_key_id()

    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # settle the rows made above
        constraints, indexes = _constraints(cursor)
        for table, name, _definition in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')

        # Cases: Python writes them (each summary encrypted for its own row).
        open_statuses = [s for s in CaseStatus.values if s != CaseStatus.CLOSED]
        response_hours = {1: 1, 2: 4, 3: 24, 4: 72}
        with cursor.copy(
            "COPY cases_case (id, code, organisation_id, status, priority, priority_reasons,"
            " category, child_in_danger, age_band, gender, outside_albania, summary, owner_id,"
            " opened_by_id, triaged_at, first_response_due, first_response_at, referral_due,"
            " referred_at, outcome, closed_at, created_at, updated_at) FROM STDIN"
        ) as copy:
            # Cases arrive over three years, oldest first (as a table fills); most of those of
            # the last 60 days are still open, about OPEN_SHARE of all.
            days = sorted((rng.uniform(0, HISTORY_DAYS) for _ in range(count)), reverse=True)
            for n, age_days in enumerate(days):
                case_id = uuid.uuid4()
                is_open = (
                    age_days < OPEN_DAYS and rng.random() < OPEN_SHARE * HISTORY_DAYS / OPEN_DAYS
                )
                created = now - timedelta(days=age_days)
                priority = rng.choices([1, 2, 3, 4], weights=[5, 20, 60, 15])[0]
                due = created + timedelta(hours=response_hours[priority])
                answered = (not is_open) or rng.random() < 0.8
                status = rng.choice(open_statuses) if is_open else CaseStatus.CLOSED
                summary = encrypt_text(
                    SUMMARIES[n % len(SUMMARIES)],
                    aad=field_aad(table="cases_case", pk=case_id, field="summary"),
                )
                copy.write_row(
                    (
                        case_id,
                        code_for(n),
                        helpline.pk if rng.random() < 0.95 else other.pk,
                        status,
                        priority,
                        "[]" if priority > Priority.HIGH else '["operator"]',
                        rng.choice(["bullying", "grooming", "sextortion", "hate", "other"]),
                        priority == 1,
                        "13_15",
                        "unknown",
                        False,
                        summary,
                        operator.pk if is_open else None,
                        operator.pk,
                        created + timedelta(minutes=10),
                        due,
                        min(due, created + timedelta(minutes=rng.uniform(5, 600)))
                        if answered
                        else None,
                        created + timedelta(days=3) if is_open else None,
                        None,
                        "" if is_open else "supported",
                        None if is_open else created + timedelta(days=rng.uniform(1, 30)),
                        created,
                        created,
                    )
                )
        print(f"  cases copied      {time.monotonic() - started:6.1f} s", flush=True)

        # Everything else is generated by the server from the cases.
        statements = [
            (
                "events",
                "INSERT INTO cases_caseevent (id, case_id, kind, actor_id, at, data, text) "
                "SELECT gen_random_uuid(), c.id, k.kind, c.opened_by_id, "
                "c.created_at + k.after, '{}'::jsonb, '' FROM cases_case c CROSS JOIN (VALUES "
                "('opened', interval '0'), ('triaged', interval '10 minutes'), "
                "('status_changed', interval '1 day')) k(kind, after) "
                "UNION ALL SELECT gen_random_uuid(), c.id, 'closed', c.opened_by_id, "
                "c.closed_at, '{\"outcome\": \"supported\"}'::jsonb, '' FROM cases_case c "
                "WHERE c.closed_at IS NOT NULL",
            ),
            (
                "contacts",
                "CREATE TEMP TABLE bench_origin AS SELECT gen_random_uuid() AS contact_id,"
                " c.id AS case_id, c.organisation_id, c.opened_by_id, c.created_at"
                " FROM cases_case c; "
                "INSERT INTO helpline_contact (id, organisation_id, operator_id, channel, caller,"
                " age_band, gender, outside_albania, actions, referred_to, started_at, ended_at,"
                " summary, caller_phone, created_at, updated_at) "
                "SELECT o.contact_id, o.organisation_id, o.opened_by_id, 'call', 'child',"
                " '13_15', 'unknown', false, '[\"case_opened\"]'::jsonb, '', o.created_at,"
                " o.created_at + interval '6 minutes', '', '', o.created_at, o.created_at "
                "FROM bench_origin o",
            ),
            (
                "origins",
                "INSERT INTO cases_caseorigin (case_id, contact_id, added_at) "
                "SELECT o.case_id, o.contact_id, o.created_at FROM bench_origin o",
            ),
        ]
        for name, sql in statements:
            cursor.execute(sql)
            print(f"  {name:<17} {time.monotonic() - started:6.1f} s", flush=True)

        # Tasks of open cases (titles encrypted for their own rows).
        cursor.execute("SELECT id, created_at FROM cases_case WHERE status <> 'closed'")
        open_cases = cursor.fetchall()
        with cursor.copy(
            "COPY cases_casetask (id, case_id, title, due_at, created_by_id, created_at) FROM STDIN"
        ) as copy:
            for case_id, created in open_cases:
                task_id = uuid.uuid4()
                title = encrypt_text(
                    "Placeholder task: call back.",
                    aad=field_aad(table="cases_casetask", pk=task_id, field="title"),
                )
                copy.write_row(
                    (task_id, case_id, title, created + timedelta(days=2), operator.pk, created)
                )
        print(f"  tasks             {time.monotonic() - started:6.1f} s", flush=True)

        # Terms: the digests of each pool, then each case draws from them on the server.
        cursor.execute(
            "CREATE TEMP TABLE bench_vocab (kind text, rank int, digest text, "
            "PRIMARY KEY (kind, rank))"
        )
        pools = {
            "word": (VOCABULARY, lambda rank: word(rank)),
            "url": (URL_POOL, lambda rank: f"example.com/post/{rank}"),
            "username": (USERNAME_POOL, lambda rank: f"examplechat:user{rank}"),
            "phone": (PHONE_POOL, lambda rank: f"+35569{rank:07d}"),
        }
        with cursor.copy("COPY bench_vocab (kind, rank, digest) FROM STDIN") as copy:
            for kind, (size, value) in pools.items():
                for rank in range(1, size + 1):
                    copy.write_row((kind, rank, bi.term_digest(kind, value(rank))[1]))
        draws = {
            # kind: (draws per case, share of cases holding any)
            "word": (WORDS_PER_CASE, 1.0),
            "url": (1, 0.3),
            "username": (1, 0.25),
            "phone": (1, 0.2),
        }
        for kind, (per_case, share) in draws.items():
            size = pools[kind][0]
            # Words: a log-uniform rank (a Zipf-like spread: a few words are in many cases);
            # the other kinds: uniform over their pool.
            cursor.execute(
                WORD_TERMS if kind == "word" else VALUE_TERMS,
                {"kind": kind, "key": key_id, "size": size, "per_case": per_case, "share": share},
            )
            print(f"  terms: {kind:<10} {time.monotonic() - started:6.1f} s", flush=True)

        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in constraints:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        print(f"  indexes and keys  {time.monotonic() - started:6.1f} s", flush=True)


# --- measuring -------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection, reset_queries
    from django.db.models import Case as CaseWhen
    from django.db.models import IntegerField, Q, Value, When
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone

    from isigurt.accounts.models import User
    from isigurt.accounts.tests.personas import make_staff_client
    from isigurt.cases.linking import case_links_for
    from isigurt.cases.models import Case, CaseStatus
    from isigurt.cases.permissions import access_case, cases_visible_to
    from isigurt.cases.search import cases_matching

    operator = User.objects.get(username="bench.operator")
    client = make_staff_client(operator)

    def resolving(names: tuple[str, ...], *args: Any) -> str:
        for name in names:
            try:
                reverse(name, args=args)
            except NoReverseMatch:
                continue
            return name
        return ""

    queue_name = resolving(QUEUE_NAMES)
    detail_name = resolving(DETAIL_NAMES, uuid.uuid4())
    queue_url = reverse(queue_name) if queue_name else ""
    detail_ok = bool(detail_name)
    via = {
        "queue": f"test client GET {queue_name}" if queue_name else "querysets (no queue page)",
        "search": f"test client GET {queue_name}?{args.search_param}=..."
        if queue_name
        else "querysets (no queue page)",
        "page": f"test client GET {detail_name}" if detail_ok else "querysets (no case page)",
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM cases_case TABLESAMPLE BERNOULLI (%s) WHERE organisation_id = %s"
            " LIMIT 5000",
            [min(100.0, 500_000 / max(args.cases, 1)), operator.organisation_id],
        )
        ids = [row[0] for row in cursor.fetchall()]
    rng = random.Random(7)

    def queue_queryset(cases: Any) -> tuple[list[Case], int]:
        now = timezone.now()
        overdue = CaseWhen(
            When(
                Q(first_response_due__lt=now, first_response_at__isnull=True)
                | Q(referral_due__lt=now, referred_at__isnull=True),
                then=Value(1),
            ),
            default=Value(0),
            output_field=IntegerField(),
        )
        rows = (
            cases.exclude(status=CaseStatus.CLOSED)
            .annotate(overdue=overdue)
            .select_related("owner", "county", "municipality")
            .order_by("-overdue", "priority", "created_at")
        )
        return list(rows[:PAGE_SIZE]), rows.count()

    def baseline() -> None:
        Case.objects.filter(pk=rng.choice(ids)).first()

    def queue() -> None:
        if queue_url:
            assert client.get(queue_url).status_code == 200
        else:
            queue_queryset(cases_visible_to(operator))

    def search() -> None:
        # One fairly common word (in about 3% of cases) and one rarer (about 0.3%).
        text = f"{word(rng.randint(30, 60))} {word(rng.randint(300, 600))}"
        if queue_url:
            response = client.get(queue_url, {args.search_param: text})
            assert response.status_code == 200
        else:
            found = cases_matching(cases_visible_to(operator), text).order_by("-created_at")
            list(found.select_related("owner")[:PAGE_SIZE])
            found.count()

    def page() -> None:
        case_id = rng.choice(ids)
        if detail_ok:
            assert client.get(reverse(detail_name, args=[case_id])).status_code == 200
            return
        case = access_case(operator, case_id)
        str(case.summary)
        for origin in case.origins.select_related("report", "contact"):
            if origin.contact is not None:
                str(origin.contact.summary)
        for event in case.events.order_by("at"):
            str(event.text)
        for task in case.tasks.all():
            str(task.title)
        case_links_for(viewer=operator, case=case)

    kinds = {"baseline": baseline, "queue": queue, "search": search, "page": page}
    for _ in range(3):  # warm-up: connections, caches, plans
        for run in kinds.values():
            run()
    timings: dict[str, list[float]] = {name: [] for name in kinds}
    order = list(kinds)
    for _round in range(args.rounds):
        rng.shuffle(order)  # the machine's drift hits every kind alike
        for name in order:
            reset_queries()
            start = time.perf_counter()
            kinds[name]()
            timings[name].append((time.perf_counter() - start) * 1000)
    connection.close()
    return {"timings": timings, "via": via}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database if it holds --cases cases"
    )
    parser.add_argument(
        "--search-param", default="q", help="the queue page's search parameter name"
    )
    args = parser.parse_args()
    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))

    exists = psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'") == "1"  # noqa: S608
    held = 0
    if args.reuse and exists:
        try:
            held = int(psql("SELECT count(*) FROM cases_case", DATABASE) or 0)
        except subprocess.CalledProcessError:
            held = 0
    generated_in = None
    if held != args.cases:
        psql(f"DROP DATABASE IF EXISTS {DATABASE}")
        psql(f"CREATE DATABASE {DATABASE}")
        subprocess.run([str(PYTHON), "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)
        import django

        django.setup()
        print(f"generating {args.cases} cases", flush=True)
        started = time.monotonic()
        from django.db import transaction

        with transaction.atomic():
            generate(args.cases)
        for table in TABLES:
            psql(f"VACUUM ANALYZE {table}", DATABASE)
        generated_in = time.monotonic() - started
        print(f"generated in {generated_in:.0f} s", flush=True)
    else:
        import django

        django.setup()
        print(f"reusing {held} cases", flush=True)

    sizes = psql(
        "SELECT string_agg(relname || ' ' || n_live_tup, ', ' ORDER BY relname) FROM "
        "pg_stat_user_tables WHERE relname IN ('cases_case', 'cases_caseevent', "
        "'cases_caseterm', 'cases_caseorigin', 'cases_casetask')",
        DATABASE,
    )
    print(f"rows: {sizes}")
    result = measure(args)
    timings, via = result["timings"], result["via"]
    base = statistics.median(timings["baseline"])
    figures = {}
    for name, values in timings.items():
        median, p95 = statistics.median(values), percentile(values, 0.95)
        figures[name] = (median, p95)
        how = f"  [{via[name]}]" if name in via else ""
        print(
            f"{name:9s} median {median:8.2f} ms  p95 {p95:8.2f} ms  "
            f"x{median / base:7.1f} baseline{how}",
            flush=True,
        )
    goal = all(figures[name][1] < 300 for name in ("queue", "search", "page"))
    generated = f"generated in {generated_in:.0f} s" if generated_in is not None else "reused"
    print(
        f"bench/cases {args.cases} cases ({generated}): "
        + " | ".join(
            f"{name} p50 {figures[name][0]:.1f} p95 {figures[name][1]:.1f} ms "
            f"x{figures[name][0] / base:.0f}"
            for name in ("queue", "search", "page")
        )
        + f" | baseline pk p50 {base:.2f} ms | goal p95 < 300 ms {'met' if goal else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
