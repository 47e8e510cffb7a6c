"""A real HTTP load against `salestrack serve` on loopback: throughput, latency, errors, memory."""

import http.client
import json
import multiprocessing
import random
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Scenario:
    name: str
    requests: list[tuple[str, str, dict | None, int]]  # method, path, body, weight


def _worker(args) -> dict:
    port, token, scenario, seconds, seed = args
    rng = random.Random(seed)
    population = [r for r in scenario.requests for _ in range(r[3])]
    latencies, errors, statuses = [], [], {}
    deadline = time.monotonic() + seconds
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    while time.monotonic() < deadline:
        method, path, body, _ = rng.choice(population)
        path = path.replace("{n}", str(rng.randrange(10**9)))
        start = time.perf_counter()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request(method, path, json.dumps(body) if body else None, headers)
            response = conn.getresponse()
            response.read()
            conn.close()
            statuses[response.status] = statuses.get(response.status, 0) + 1
            if response.status >= 400:
                errors.append(f"{method} {path} -> {response.status}")
        except OSError as error:
            errors.append(f"{method} {path} -> {error!r}")
        latencies.append((time.perf_counter() - start) * 1000)
    return {"latencies": latencies, "errors": errors, "statuses": statuses}


def run(scenario: Scenario, *, port: int, token: str, clients: int, seconds: float) -> dict:
    """`clients` processes send requests as fast as the server answers, for `seconds`."""
    jobs = [(port, token, scenario, seconds, seed) for seed in range(clients)]
    start = time.monotonic()
    with multiprocessing.Pool(clients) as pool:
        parts = pool.map(_worker, jobs)
    elapsed = time.monotonic() - start
    latencies = sorted(x for part in parts for x in part["latencies"])
    errors = [e for part in parts for e in part["errors"]]
    statuses: dict[int, int] = {}
    for part in parts:
        for code, n in part["statuses"].items():
            statuses[code] = statuses.get(code, 0) + n

    def pct(q):
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else 0.0

    return {
        "scenario": scenario.name,
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": len(latencies),
        "throughput": round(len(latencies) / elapsed, 1),
        "p50": round(statistics.median(latencies), 1) if latencies else 0.0,
        "p95": round(pct(0.95), 1),
        "p99": round(pct(0.99), 1),
        "max": round(latencies[-1], 1) if latencies else 0.0,
        "errors": len(errors),
        "error_samples": errors[:5],
        "statuses": statuses,
    }


class Server:
    """`salestrack serve` in a child process on loopback, with this process's database."""

    def __init__(self, *, port: int, workers: int, log: Path):
        self.port, self.workers, self.log = port, workers, log

    def __enter__(self):
        self.out = open(self.log, "w")
        cmd = [
            sys.executable,
            "-m",
            "salestrack",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
        ]
        self.process = subprocess.Popen(cmd, stdout=self.out, stderr=subprocess.STDOUT)
        for _ in range(100):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"the server did not start; see {self.log}")

    def worker_rss_mb(self) -> list[float]:
        """Resident memory of each gunicorn worker (the master's children), from /proc."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        sizes = []
        for pid in children.read_text().split():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(round(int(line.split()[1]) / 1024, 1))
        return sizes

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.out.close()
