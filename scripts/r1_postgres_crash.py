#!/usr/bin/env python3
"""R1: crash PostgreSQL twice during 1,000 API submissions; nothing acknowledged may be lost.

    sudo .venv/bin/python scripts/r1_postgres_crash.py [--reports 1000] [--port 55432]

Starts its OWN throwaway PostgreSQL cluster (initdb into a temporary directory, run as the
'postgres' OS user, on --port; the machine's main cluster is never touched), migrates the
platform into it, serves it with gunicorn, and sends --reports submissions from a few client
threads. Each submission keeps its Idempotency-Key across retries; a client retries on 503, 409,
connection errors and timeouts. The cluster is stopped with `pg_ctl stop -m immediate` (a crash:
no checkpoint, WAL replay on start) twice, at about 25% and 60% of the acknowledgements, and
started again two seconds later.

Prints acknowledged, missing (acknowledged but not in the database), duplicates (reports beyond
one per key), HTTP 500s and 503s; exits non-zero unless 0 missing, 0 duplicates, 0 HTTP 500.
"""

# ruff: noqa: S603, S607 — runs fixed local tools (initdb, pg_ctl, gunicorn) by full path
from __future__ import annotations

import argparse
import http.client
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def as_postgres(args: list[str], **kwargs) -> subprocess.CompletedProcess:  # type: ignore[no-untyped-def]
    return subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, **kwargs)


class Cluster:
    def __init__(self, base: Path, port: int) -> None:
        self.data = base / "pgdata"
        self.port = port
        self.log = base / "postgres.log"

    def init(self) -> None:
        pg = pwd.getpwnam("postgres")
        os.chown(self.data.parent, pg.pw_uid, pg.pw_gid)
        as_postgres(
            [str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"],
            stdout=subprocess.DEVNULL,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=on"
        as_postgres(
            [
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.log),
                "-o",
                options,
                "-w",
                "start",
            ],
            stdout=subprocess.DEVNULL,
        )

    def crash(self) -> None:
        as_postgres(
            [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
            stdout=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.data),
                "-m",
                "fast",
                "stop",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )

    def psql(self, sql: str, database: str = "postgres") -> str:
        result = as_postgres(
            [
                str(PG_BIN.parent / "bin" / "psql") if (PG_BIN / "psql").exists() else "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                database,
                "-At",
                "-c",
                sql,
            ],
            capture_output=True,
            text=True,
        )
        return result.stdout.strip()


class Client:
    def __init__(self, port: int) -> None:
        self.port = port
        self.lock = threading.Lock()
        self.statuses: Counter[int | str] = Counter()
        self.acknowledged: dict[str, str] = {}  # key -> tracking code
        self.mismatched_replays = 0

    def submit(self, n: int) -> None:
        key = str(uuid.uuid4())
        body = json.dumps(
            {
                "category": "bullying",
                "audience": "teen",
                "platform": "ExampleChat",
                "urls": [f"https://example.com/r1/{n}"],
                "description": f"R1 placeholder report {n}.",
            }
        ).encode()
        delay = 0.05
        for _attempt in range(400):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                conn.request(
                    "POST",
                    "/api/v1/reports",
                    body=body,
                    headers={"Content-Type": "application/json", "Idempotency-Key": key},
                )
                response = conn.getresponse()
                payload = response.read()
                status: int | str = response.status
                conn.close()
            except (OSError, http.client.HTTPException):
                status = "connection_error"
                payload = b""
            with self.lock:
                self.statuses[status] += 1
            if status == 201:
                code = json.loads(payload)["tracking_code"]
                with self.lock:
                    previous = self.acknowledged.setdefault(key, code)
                    if previous != code:
                        self.mismatched_replays += 1
                return
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
        raise RuntimeError("a submission was never acknowledged")

    @property
    def acked(self) -> int:
        with self.lock:
            return len(self.acknowledged)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--port", type=int, default=55432)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("run as root: the throwaway cluster runs as the 'postgres' OS user", file=sys.stderr)
        return 2

    base = Path(tempfile.mkdtemp(prefix="isigurt-r1-"))
    cluster = Cluster(base, args.port)
    web_port = free_port()
    gunicorn: subprocess.Popen[bytes] | None = None
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "isigurt.settings.base",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{args.port}/isigurt_r1",
        "ISIGURT_RATE_LIMIT": "off",
        "ISIGURT_VAR_DIR": str(base / "var"),
        "ISIGURT_EVIDENCE_ROOT": str(base / "var" / "evidence"),
        "CELERY_BROKER_URL": "",
        "LOG_LEVEL": "ERROR",
    }
    try:
        cluster.init()
        cluster.start()
        cluster.psql("CREATE DATABASE isigurt_r1")
        subprocess.run(
            [str(PYTHON), "manage.py", "migrate", "--no-input", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        gunicorn = subprocess.Popen(
            [
                str(GUNICORN),
                "isigurt.wsgi:application",
                "-b",
                f"127.0.0.1:{web_port}",
                "-w",
                "4",
                "--timeout",
                "30",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", web_port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)

        client = Client(web_port)
        crashes: list[str] = []

        def crasher() -> None:
            for share in (0.25, 0.60):
                while client.acked < args.reports * share:
                    time.sleep(0.02)
                cluster.crash()
                crashes.append(f"crash at {client.acked} acknowledged")
                time.sleep(2)
                cluster.start()

        next_n = iter(range(args.reports))
        next_lock = threading.Lock()

        def worker() -> None:
            while True:
                with next_lock:
                    n = next(next_n, None)
                if n is None:
                    return
                client.submit(n)

        started = time.monotonic()
        crash_thread = threading.Thread(target=crasher, daemon=True)
        crash_thread.start()
        workers = [threading.Thread(target=worker) for _ in range(args.threads)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
        crash_thread.join(30)
        elapsed = time.monotonic() - started

        codes = set(cluster.psql("SELECT tracking_code FROM reports_report", "isigurt_r1").split())
        reports = int(cluster.psql("SELECT count(*) FROM reports_report", "isigurt_r1"))
        keyed = int(cluster.psql("SELECT count(*) FROM reports_idempotencyrecord", "isigurt_r1"))
        outbox = int(
            cluster.psql(
                "SELECT count(*) FROM outbox_outboxmessage WHERE topic = 'reports.received'",
                "isigurt_r1",
            )
        )
        acknowledged = {code.replace("-", "") for code in client.acknowledged.values()}
        missing = len(acknowledged - codes)
        duplicates = reports - keyed + client.mismatched_replays
        server_errors = client.statuses.get(500, 0)

        print(
            f"submissions:      {args.reports} in {elapsed:.1f} s ({args.threads} client threads)"
        )
        print(f"crashes:          {', '.join(crashes) or 'none'}")
        print(f"acknowledged:     {len(client.acknowledged)}")
        print(f"missing:          {missing}")
        print(f"duplicates:       {duplicates}")
        print(f"HTTP 500:         {server_errors}")
        print(f"HTTP 503:         {client.statuses.get(503, 0)}")
        print(f"connection errors:{client.statuses.get('connection_error', 0):>5}")
        print(
            "other statuses:  ",
            {
                k: v
                for k, v in client.statuses.items()
                if k not in (201, 500, 503, "connection_error")
            },
        )
        print(f"reports in db:    {reports} (idempotency records {keyed}, outbox rows {outbox})")
        ok = (
            missing == 0
            and duplicates == 0
            and server_errors == 0
            and len(client.acknowledged) == args.reports
            and len(crashes) == 2
            and outbox == reports
        )
        print("R1:", "PASS" if ok else "FAIL")
        return 0 if ok else 1
    finally:
        if gunicorn is not None:
            os.killpg(gunicorn.pid, signal.SIGTERM)
            gunicorn.wait(10)
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
