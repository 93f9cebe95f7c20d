"""schemathesis against the edge's own OpenAPI, with every check and every phase: the
document states every constraint the edge enforces and every status it answers.

Run as its CLI runs it (coverage, fuzzing and stateful phases: undeclared methods,
bodies that are not UTF-8, schema-valid and schema-invalid data, response schemas and
content types), as a registered agent, with a fixed seed and a fixed number of examples
per operation, so it is reproducible and bounded in time.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from molt.sdk import MoltClient
from molt.stack import Edge

pytestmark = pytest.mark.integration

SCHEMATHESIS = Path(sys.executable).with_name("st")
MAX_EXAMPLES = 10
SEED = 1


async def test_the_edge_keeps_every_promise_of_its_openapi_document(edge: Edge, tmp_path: Path) -> None:
    async with await MoltClient.register(edge.url, "schemathesis") as client:
        api_key = client.api_key
    run = subprocess.run(
        [
            str(SCHEMATHESIS),
            "run",
            f"{edge.url}/openapi.json",
            "--checks=all",
            f"--max-examples={MAX_EXAMPLES}",
            f"--seed={SEED}",
            "--workers=1",
            "--no-color",
            f"--header=Authorization: Bearer {api_key}",
        ],
        # Its cache of past failures (replayed by later runs) goes there, not into the checkout.
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
    counts = re.search(r"(\d+) generated, (\d+) passed", run.stdout)
    assert counts is not None, run.stdout[-2000:]
    generated, passed = map(int, counts.groups())
    assert generated == passed and generated > 100, run.stdout[-2000:]
