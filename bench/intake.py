"""Intake throughput: the report API against a minimal one-row insert, in the same run.

Serves the platform with gunicorn (production settings, the platform's whole middleware stack)
on PostgreSQL, drives it with wrk on loopback, and alternates baseline and intake rounds so that
the machine's drift hits both alike. The baseline (bench/urls.py) is a view on the same stack
that parses the JSON body and inserts one row. Prints reports/s and p99 latency beside the
baseline's, and a final summary line with the ratio.

    bench/intake [--seconds 15] [--rounds 2] [--connections 16] [--workers 5]
"""

import argparse
import base64
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
PG = "postgres://postgres@127.0.0.1:5432"
DATABASE = "isigurt_bench"

REPORT = {
    "category": "bullying",
    "audience": "teen",
    "child_in_danger": False,
    "platform": "Example chat app",
    "urls": ["https://example.org/post/123"],
    "usernames": ["example_user"],
    "affected": "self",
    "age_band": "13_15",
    "county_code": "AL-12",
    "description": "Placeholder description for the intake benchmark.",
    "contact_method": "anonymous",
}

LUA = """
local counter = 0
local prefix = "%(prefix)s"
local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  wrk.method = "POST"
  wrk.body = [[%(body)s]]
  wrk.headers["Content-Type"] = "application/json"
end
function request()
  counter = counter + 1
  wrk.headers["Idempotency-Key"] = prefix .. "-" .. tid .. "-" .. counter
  return wrk.format(nil, nil, nil, nil)
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def psql(sql: str, database: str = "postgres") -> None:
    subprocess.run(["psql", f"{PG}/{database}", "-qc", sql], check=True, capture_output=True)


def parse_wrk(output: str) -> dict[str, float]:
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99_match = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", output)
    value, unit = float(p99_match.group(1)), p99_match.group(2)
    p99_ms = value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    total = int(re.search(r"(\d+) requests in", output).group(1))
    errors_match = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rate": rate,
        "p99_ms": p99_ms,
        "requests": total,
        "errors": int(errors_match.group(1)) if errors_match else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
    }


def run_wrk(url: str, script: Path, seconds: int, connections: int) -> dict[str, float]:
    result = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    )
    return parse_wrk(result.stdout)


def wait_until_up(base: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the platform did not come up")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument(
        "--warmup", type=int, default=15, help="seconds per endpoint before measuring"
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")

    psql(f"DROP DATABASE IF EXISTS {DATABASE}")
    psql(f"CREATE DATABASE {DATABASE}")
    psql(
        "CREATE TABLE bench_baseline (id bigserial PRIMARY KEY, body text NOT NULL,"
        " created_at timestamptz NOT NULL DEFAULT now())",
        DATABASE,
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "isigurt.settings.production",
        "DATABASE_URL": f"{PG}/{DATABASE}",
        "DATABASE_CONN_MAX_AGE": "600",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "FIELD_ENCRYPTION_KEYS": "b1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        "BLIND_INDEX_KEYS": "s1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        "AUDIT_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "REDIS_URL": "redis://127.0.0.1:6379/8",
        "SECURE_SSL_REDIRECT": "false",
        "ISIGURT_RATE_LIMIT": "off",
        "ISIGURT_DEMO_MODE": "false",
        # Intake only writes the outbox; the relay is not part of what is measured.
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/9",
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run([str(PYTHON), "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            str(GUNICORN),
            "bench.intake_wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_until_up(base)
        with tempfile.TemporaryDirectory() as tmp:
            scripts = {}
            for name in ("baseline", "intake"):
                script = Path(tmp) / f"{name}.lua"
                prefix = f"{name}-{secrets.token_hex(4)}"
                script.write_text(LUA % {"prefix": prefix, "body": json.dumps(REPORT)})
                scripts[name] = script
            urls = {"baseline": f"{base}/bench/baseline", "intake": f"{base}/api/v1/reports"}
            # Warm-up: connections, imports, caches.
            for name in ("baseline", "intake"):
                run_wrk(urls[name], scripts[name], args.warmup, args.connections)
            results: dict[str, list[dict[str, float]]] = {"baseline": [], "intake": []}
            for round_number in range(args.rounds):
                for name in (
                    ("baseline", "intake") if round_number % 2 == 0 else ("intake", "baseline")
                ):
                    figures = run_wrk(urls[name], scripts[name], args.seconds, args.connections)
                    results[name].append(figures)
                    print(
                        f"round {round_number + 1} {name:8s} {figures['rate']:8.1f} req/s  "
                        f"p99 {figures['p99_ms']:7.1f} ms  errors {figures['errors']} "
                        f"{figures['socket_errors']}",
                        flush=True,
                    )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    def mean(name: str, key: str) -> float:
        return sum(r[key] for r in results[name]) / len(results[name])

    base_rate, intake_rate = mean("baseline", "rate"), mean("intake", "rate")
    base_p99, intake_p99 = mean("baseline", "p99_ms"), mean("intake", "p99_ms")
    errors = sum(r["errors"] for r in results["intake"])
    ratio = intake_rate / base_rate
    goal = intake_rate >= 200 and intake_p99 < 150 and ratio >= 0.5 and errors == 0
    print(
        f"intake {intake_rate:.0f} reports/s p99 {intake_p99:.0f} ms | baseline {base_rate:.0f} "
        f"rows/s p99 {base_p99:.0f} ms | ratio {ratio:.2f} | errors {errors} | "
        f"goal (>=200/s, p99<150 ms, ratio>=0.5) {'met' if goal else 'not met'}"
    )
    sys.exit(0)


if __name__ == "__main__":
    main()
