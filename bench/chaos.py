"""Jobs through the API while worker processes and LibreOffice are killed at random.

Starts its own `zgsz worker` and `zgsz serve` on 127.0.0.1 (Redis database 13, a queue
of its own, a temporary storage folder), submits --jobs reports, each for an enterprise
of its own name, and meanwhile SIGKILLs a worker child or a LibreOffice now and then.
At the end every job must have succeeded once: its folder holds exactly the files its
record lists, with the recorded SHA-256 (a second run would have changed them), no
leftover temporary file, and every PDF opens and shows the enterprise's name (but
attachment 2, whose wording never names it; its file name does).

Bounded: --jobs, --minutes, and kills only while jobs remain. Exit code 0 when all holds.

    .venv/bin/python bench/chaos.py --jobs 40
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import redis
import yaml
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.auth import create_token  # noqa: E402
from service.jobs import JobStore  # noqa: E402
from service.settings import Settings  # noqa: E402
from workers.converter import office_processes  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/13"
ZGSZ = Path(sys.executable).parent / "zgsz"
# Attachment 2's wording never names the enterprise (only its seal does).
NAMELESS = "附件2"
SYLLABLES = "澄曜岚拓鸿泰瑞丰华晟嘉禾恒达永盛博远新锐卓越金鼎宏图凯旋银河星辰锦程安信联合"


def enterprise_name(index: int) -> str:
    a, b = divmod(index, len(SYLLABLES))
    c = (a * 7 + b * 3) % len(SYLLABLES)
    return f"常州市{SYLLABLES[a % len(SYLLABLES)]}{SYLLABLES[b]}{SYLLABLES[c]}示例精密机械有限公司"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def spawn(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen([str(ZGSZ), *args], env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


class Killer(threading.Thread):
    """SIGKILLs a worker child or a LibreOffice every few seconds, until told to stop."""

    def __init__(self, store: redis.Redis, queue: str, every: float, rng: random.Random):
        super().__init__(daemon=True)
        self.store, self.queue, self.every, self.rng = store, queue, every, rng
        self.done = threading.Event()
        self.kills: Counter[str] = Counter()

    def run(self) -> None:
        while not self.done.wait(self.rng.uniform(0.5, 1.5) * self.every):
            beats = [json.loads(v) for v in self.store.mget(
                self.store.keys(f"{self.queue}:worker:*") or ["-"]) if v]
            if not beats:
                continue
            beat = self.rng.choice(beats)
            if self.rng.random() < 0.5:
                self._kill([beat["pid"]], "worker")
            elif beat.get("converter_pid"):
                offices = office_processes(beat["converter_pid"], (b"soffice.bin",))
                self._kill(offices, "libreoffice")

    def _kill(self, pids: list[int], kind: str) -> None:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                self.kills[kind] += 1
            except ProcessLookupError:
                pass


def submit(client: httpx.Client, data: dict, deadline: float) -> str:
    """Submit one job, honouring 429/503 Retry-After (capped) until the deadline."""
    key = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:32]
    while time.monotonic() < deadline:
        try:
            answer = client.post("/v1/jobs", json={"input": data},
                                 headers={"Idempotency-Key": key})
        except httpx.HTTPError:
            time.sleep(1)
            continue
        if answer.status_code == 202:
            return answer.json()["id"]
        if answer.status_code not in (429, 503):
            raise SystemExit(f"submission refused: {answer.status_code} {answer.text}")
        time.sleep(min(float(answer.headers.get("retry-after", 1)), 2))
    raise SystemExit("deadline reached while submitting")


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def verify(job: dict, storage: Path, name: str) -> list[str]:
    """What is wrong with a finished job's files (empty: nothing)."""
    if job["state"] != "succeeded":
        return [f"{job['id']}: {job['state']} {job.get('error')}"]
    folder = storage / job["id"]
    present = sorted(p.name for p in folder.iterdir())
    listed = sorted(f["name"] for f in job["files"])
    problems = []
    if present != listed:
        problems.append(f"{job['id']}: files on disk {present} != listed {listed}")
    for entry in job["files"]:
        content = (folder / entry["name"]).read_bytes()
        if hashlib.sha256(content).hexdigest() != entry["sha256"]:
            problems.append(f"{job['id']}: {entry['name']} changed after success")
        if entry["name"].endswith(".pdf"):
            text = "".join(p.extract_text() or "" for p in
                           PdfReader(io.BytesIO(content)).pages[:3])
            if NAMELESS not in entry["name"] and name not in squeeze(text):
                problems.append(f"{job['id']}: {entry['name']} lacks {name}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--kill-every", type=float, default=20.0,
                        help="mean seconds between kills")
    parser.add_argument("--minutes", type=float, default=120.0, help="hard time bound")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    deadline = time.monotonic() + args.minutes * 60
    folder = Path(tempfile.mkdtemp(prefix="zgsz-chaos-"))
    storage = folder / "storage"
    queue = f"chaos-{os.getpid()}"
    env = {**os.environ, "ZGSZ_REDIS_URL": REDIS_URL, "ZGSZ_STORAGE_DIR": str(storage),
           "ZGSZ_QUEUE": queue, "ZGSZ_MAX_QUEUE": "0", "ZGSZ_CONVERSION_TIMEOUT": "60"}
    db = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    token = create_token(JobStore(Settings(redis_url=REDIS_URL, queue=queue)), "混沌测试机构")
    port = free_port()
    worker = spawn(["worker", "--concurrency", str(args.concurrency),
                    "--name", f"{queue}@%h"], env, folder / "worker.log")
    api = spawn(["serve", "--port", str(port)], env, folder / "api.log")
    killer = Killer(db, queue, args.kill_every, rng)
    started = time.monotonic()
    try:
        return run(args, token, port, storage, killer, deadline, started)
    finally:
        killer.done.set()
        stop(api)
        stop(worker)
        keys = list(db.scan_iter(match=f"*{queue}*", count=500))
        if keys:
            db.delete(*keys)
        print(f"logs and files: {folder}")


def run(args, token: str, port: int, storage: Path, killer: Killer, deadline: float,
        started: float) -> int:
    sample = yaml.safe_load((ROOT / "examples/machining_parts.yaml").read_text("utf-8"))
    sample = json.loads(json.dumps(sample, default=str, ensure_ascii=False))
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30,
                          headers={"Authorization": f"Bearer {token}"})
    while time.monotonic() < deadline:
        try:
            if client.get("/readyz").status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.5)

    killer.start()
    names: dict[str, str] = {}
    for index in range(args.jobs):
        data = {**sample, "enterprise": {**sample["enterprise"],
                                         "name": enterprise_name(index)}}
        names[submit(client, data, deadline)] = data["enterprise"]["name"]
    print(f"submitted {len(names)} jobs in {time.monotonic() - started:.0f}s")

    finished: dict[str, dict] = {}
    while len(finished) < len(names) and time.monotonic() < deadline:
        for job_id in names.keys() - finished.keys():
            job = client.get(f"/v1/jobs/{job_id}").json()
            if job["state"] in ("succeeded", "failed"):
                finished[job_id] = job
        time.sleep(2)
    killer.done.set()
    elapsed = time.monotonic() - started

    problems = [p for job_id, job in finished.items()
                for p in verify(job, storage, names[job_id])]
    unfinished = len(names) - len(finished)
    attempts = Counter(job["attempts"] for job in finished.values())
    succeeded = sum(job["state"] == "succeeded" for job in finished.values())
    pdfs = sum(f["name"].endswith(".pdf") for j in finished.values() for f in j["files"])
    print(f"jobs {len(names)}, succeeded {succeeded}, failed "
          f"{len(finished) - succeeded}, unfinished {unfinished}")
    print(f"kills: worker processes {killer.kills['worker']}, "
          f"LibreOffice processes {killer.kills['libreoffice']}")
    print(f"attempts per job: {dict(sorted(attempts.items()))}")
    print(f"PDFs checked {pdfs}; problems {len(problems)}")
    print(f"elapsed {elapsed:.0f}s, {len(finished) / elapsed * 60:.1f} jobs/min")
    for problem in problems[:20]:
        print("  " + problem)
    return 0 if not problems and not unfinished and succeeded == len(names) else 1


if __name__ == "__main__":
    sys.exit(main())
