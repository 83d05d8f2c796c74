"""Generated requests against the OpenAPI document: none may get a 5xx answer.

Schemathesis runs as its command (`st run`; its pytest plugin does not load under our
pytest) against a pair of its own whose queue holds five jobs, so that generated
drafts cannot keep the shared worker busy. Bounded by MAX_EXAMPLES per operation.
"""

from __future__ import annotations

import io
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests import live_service

ST = Path(sys.executable).parent / "st"
MAX_EXAMPLES = 30


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    if not ST.exists():
        pytest.fail("schemathesis is not installed: .venv/bin/pip install -e '.[dev]'")
    service = live_service.launch(tmp_path_factory.mktemp("fuzz"), max_queue="5")
    yield service
    live_service.halt(service)


def test_no_generated_request_gets_a_server_error(fuzzed, tmp_path):
    result = subprocess.run(
        [str(ST), "run", f"{fuzzed.url}/openapi.json", "--checks", "not_a_server_error",
         "--header", f"Authorization: Bearer {fuzzed.token}",
         "--max-examples", str(MAX_EXAMPLES), "--seed", "7",
         "--request-timeout", "60", "--generation-database", "none",
         # Its body is a Word file, which schemathesis cannot generate: see below.
         "--exclude-path", "/v1/check"],
        capture_output=True, text=True, timeout=1200, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def test_check_route_gives_no_server_error_for_broken_word_files(fuzzed):
    rng = random.Random(7)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document>" + "字" * 1000)
    bodies = [b"", b"PK\x03\x04", buffer.getvalue(), buffer.getvalue()[:200],
              *(rng.randbytes(rng.randint(1, 5000)) for _ in range(20))]
    with fuzzed.client() as client:
        for content in bodies:
            answer = client.post("/v1/check", content=content,
                                 params={"skeleton": rng.choice(["wujin-2022", "x/../y"])})
            assert answer.status_code < 500, (content[:40], answer.text)
