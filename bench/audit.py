"""Audited against unaudited writes, 16 concurrent writers on PostgreSQL, in the same run.

Each writer is a process with its own database connection. An unaudited write inserts one small
row and commits; an audited write inserts the same row and calls audit_record() in the same
transaction, as every service does. Rounds alternate (audited first, then unaudited first) so
the machine's drift hits both alike. Meanwhile a sealer process seals the log every
--seal-interval seconds, as the Celery task does in production. Prints the rate of each round
and one summary line: both rates, the ratio audited/unaudited (goal >= 0.8), how long entries
waited for their seal, and whether the log then verifies.

    bench/audit [--writers 16] [--seconds 10] [--rounds 3] [--seal-interval 0.5]
"""

import argparse
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = "postgres://postgres@127.0.0.1:5432"
DATABASE = "isigurt_bench_audit"
ENV = {
    "DJANGO_SETTINGS_MODULE": "isigurt.settings.base",
    "DATABASE_URL": f"{PG}/{DATABASE}",
    # A broker is configured, as in production: requests never seal; the sealer process does.
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/9",
    "LOG_LEVEL": "WARNING",
    # The sealer's checkpoint log, started afresh with the database each run.
    "AUDIT_CHECKPOINT_LOG": str(ROOT / "var" / "bench-audit-checkpoints.jsonl"),
}
KINDS = ("audited", "unaudited")


def psql(sql: str, database: str = "postgres") -> None:
    subprocess.run(["psql", f"{PG}/{database}", "-qc", sql], check=True, capture_output=True)


def _setup_django() -> None:
    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def writer(number: int, schedule: list[tuple[str, float]], barrier, results) -> None:
    _setup_django()
    from django.db import connection, transaction

    from isigurt.audit.services import audit_record

    def write(audited: bool, i: int) -> None:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO bench_audit_row (body) VALUES (%s) RETURNING id",
                    [f"writer {number} row {i}"],
                )
                row_id = cursor.fetchone()[0]
            if audited:
                audit_record(
                    actor=None, action="bench.write", object_type="bench.row", object_id=row_id
                )

    connection.ensure_connection()
    for round_index, (kind, seconds) in enumerate(schedule):
        barrier.wait()
        audited, done, i = kind == "audited", 0, 0
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            write(audited, i)
            i += 1
            done += 1
        results.put((round_index, kind, done))
    connection.close()


def sealer(stop, interval: float, results) -> None:
    _setup_django()
    from django.db import connection

    from isigurt.audit.services import audit_seal

    sealed = runs = 0
    while not stop.is_set():
        sealed += audit_seal().sealed
        runs += 1
        stop.wait(interval)
    sealed += audit_seal().sealed
    results.put((sealed, runs))
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--seal-interval", type=float, default=0.5)
    args = parser.parse_args()

    psql(f"DROP DATABASE IF EXISTS {DATABASE}")
    psql(f"CREATE DATABASE {DATABASE}")
    Path(ENV["AUDIT_CHECKPOINT_LOG"]).unlink(missing_ok=True)
    psql(
        "CREATE TABLE bench_audit_row (id bigserial PRIMARY KEY, body text NOT NULL,"
        " created_at timestamptz NOT NULL DEFAULT now())",
        DATABASE,
    )
    env = {**os.environ, **ENV}
    python = ROOT / ".venv" / "bin" / "python"
    subprocess.run([str(python), "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)

    # Warm-up of each kind, then rounds alternating which kind goes first.
    schedule: list[tuple[str, float]] = [(kind, args.warmup) for kind in KINDS]
    for round_number in range(args.rounds):
        order = KINDS if round_number % 2 == 0 else KINDS[::-1]
        schedule += [(kind, args.seconds) for kind in order]

    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(args.writers + 1)
    results, seal_results = ctx.Queue(), ctx.Queue()
    stop = ctx.Event()
    seal_process = ctx.Process(target=sealer, args=(stop, args.seal_interval, seal_results))
    seal_process.start()
    writers = [
        ctx.Process(target=writer, args=(n, schedule, barrier, results))
        for n in range(args.writers)
    ]
    for process in writers:
        process.start()

    rates: dict[str, list[float]] = {kind: [] for kind in KINDS}
    for round_index, (kind, seconds) in enumerate(schedule):
        barrier.wait()
        total = sum(results.get()[2] for _ in writers)
        rate = total / seconds
        if round_index < len(KINDS):
            print(f"warm-up  {kind:9s} {rate:8.1f} writes/s", flush=True)
            continue
        rates[kind].append(rate)
        number = (round_index - len(KINDS)) // 2 + 1
        print(f"round {number}  {kind:9s} {rate:8.1f} writes/s", flush=True)
    for process in writers:
        process.join()
    stop.set()
    sealed, runs = seal_results.get()
    seal_process.join()

    lag = subprocess.run(
        [
            "psql",
            f"{PG}/{DATABASE}",
            "-Atc",
            "SELECT coalesce(round(extract(epoch FROM percentile_cont(0.99) WITHIN GROUP"
            " (ORDER BY c.created_at - e.created_at))::numeric, 2), 0),"
            " coalesce(round(extract(epoch FROM max(c.created_at - e.created_at))::numeric, 2), 0),"
            " (SELECT count(*) FROM audit_auditentry WHERE seq IS NULL)"
            " FROM audit_auditentry e CROSS JOIN LATERAL (SELECT created_at FROM"
            " audit_auditcheckpoint c WHERE c.seq >= e.seq ORDER BY c.seq LIMIT 1) c",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    lag_p99, lag_max, unsealed = lag.split("|")
    verify = subprocess.run(
        [str(python), "manage.py", "verify_audit_log", "--unsealed-after", "5"],
        cwd=ROOT,
        env={**env, "LANGUAGE_CODE": "en"},
        capture_output=True,
        text=True,
        check=False,
    )

    audited = sum(rates["audited"]) / len(rates["audited"])
    unaudited = sum(rates["unaudited"]) / len(rates["unaudited"])
    ratio = audited / unaudited
    print(
        f"audited {audited:.0f} writes/s | unaudited {unaudited:.0f} writes/s | "
        f"ratio {ratio:.2f} | {args.writers} writers | sealed {sealed} entries in {runs} runs, "
        f"seal lag p99 {lag_p99} s max {lag_max} s, {unsealed} unsealed | "
        f"verify {'ok' if verify.returncode == 0 else 'FAILED'} | "
        f"goal (ratio>=0.8) {'met' if ratio >= 0.8 else 'not met'}"
    )
    sys.exit(0 if verify.returncode == 0 else 1)


if __name__ == "__main__":
    main()
