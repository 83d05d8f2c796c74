"""How much the service adds to LibreOffice: one sample report through the API against
LibreOffice alone converting the same Word files, measured in the same run.

Needs a running API and worker (zgsz serve, zgsz worker). Prints medians over --runs:

    api        submit -> succeeded, polled every 50 ms (render + 4 conversions + checks)
    soffice    `soffice --headless --convert-to pdf` per DOCX, fresh profile (cold)
    unoserver  one call per DOCX to an already running unoserver (warm, as the worker)

Usage: .venv/bin/python bench/api_vs_libreoffice.py [--url URL] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.convert import Converter  # noqa: E402

SAMPLE = ROOT / "examples" / "machining_parts.yaml"


def through_api(client: httpx.Client, body: dict) -> tuple[float, dict]:
    started = time.perf_counter()
    answer = client.post("/v1/jobs", json=body)
    answer.raise_for_status()
    job_id = answer.json()["id"]
    while True:
        job = client.get(f"/v1/jobs/{job_id}").json()
        if job["state"] in ("succeeded", "failed"):
            break
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    if job["state"] != "succeeded":
        sys.exit(f"任务失败：{job['error']}")
    return elapsed, job


def download_docx(client: httpx.Client, job: dict, folder: Path) -> list[Path]:
    paths = []
    for entry in job["files"]:
        if entry["name"].endswith(".docx"):
            path = folder / entry["name"]
            path.write_bytes(client.get(entry["url"]).content)
            paths.append(path)
    return paths


def with_soffice(docs: list[Path], folder: Path) -> float:
    started = time.perf_counter()
    for doc in docs:
        with tempfile.TemporaryDirectory(prefix="bench-lo-") as profile:
            subprocess.run(
                ["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
                 "--convert-to", "pdf", "--outdir", str(folder), str(doc)],
                check=True, capture_output=True,
            )
    return time.perf_counter() - started


def with_unoserver(converter: Converter, docs: list[Path]) -> float:
    contents = [doc.read_bytes() for doc in docs]
    started = time.perf_counter()
    for content in contents:
        converter.to_pdf(content)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--token", default=os.environ.get("ZGSZ_API_TOKEN", ""),
                        help="API token (zgsz token create); default $ZGSZ_API_TOKEN")
    args = parser.parse_args()
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}

    sample = yaml.safe_load(SAMPLE.read_text("utf-8"))
    data = json.loads(json.dumps(sample, default=str))
    body = {"input": data, "formats": ["docx", "pdf"]}
    times: dict[str, list[float]] = {"api": [], "soffice": [], "unoserver": []}

    with httpx.Client(base_url=args.url, timeout=60, headers=headers) as client, \
            Converter() as converter, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for run in range(1, args.runs + 1):
            api, job = through_api(client, body)
            docs = download_docx(client, job, folder)
            times["api"].append(api)
            times["soffice"].append(with_soffice(docs, folder))
            times["unoserver"].append(with_unoserver(converter, docs))
            line = "  ".join(f"{k} {v[-1]:.2f}s" for k, v in times.items())
            print(f"run {run}: {line}")

    median = {k: statistics.median(v) for k, v in times.items()}
    print(f"\n{len(docs)} documents, medians of {args.runs} runs:")
    for name, value in median.items():
        print(f"  {name:<10} {value:6.2f}s")
    print(f"  api / unoserver = {median['api'] / median['unoserver']:.2f}")
    print(f"  api / soffice   = {median['api'] / median['soffice']:.2f}")


if __name__ == "__main__":
    main()
