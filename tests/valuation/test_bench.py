"""The valuation benchmark still runs against the current code (it prints figures; nothing here
is timed): a bench that breaks silently measures nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_report_pdf_bench_prints_its_median():
    finished = subprocess.run(
        [sys.executable, "bench/valuation.py", "--pdf-only", "--pdf-runs", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert "report PDF: median" in finished.stdout
