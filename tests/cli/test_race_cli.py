"""`python -m core race`, run as users run it: saved under a content key, sent to the demo's outbox."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.notify import OutboxNotifier

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_cli_race_html_saves_under_a_content_key_and_notifies_the_demo_outbox(birds_dir, tmp_path, demo_dir):
    out = tmp_path / "share"
    run = [sys.executable, "-m", "core", "race", str(birds_dir), "--out", f"{out}/", "--format", "html",
           "--anonymize", "--workspace", "demo", "--dir", str(demo_dir),
           "--notify", OutboxNotifier.TOPIC]
    done = subprocess.run(run, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    saved = Path(done.stdout.strip().splitlines()[-1])
    assert saved.parent == out / "races" and saved.suffix == ".html"
    assert "Worker 47" in saved.read_text() and "public.us-east-1." not in saved.read_text()
    assert "1,510 labels. Top 3: Worker 47 (80)" in done.stdout
    sent = [json.loads(m.read_text()) for m in (demo_dir / "outbox" / "labeling-team-updates").glob("*.json")]
    assert any(str(saved) in m["Message"] for m in sent)

    again = subprocess.run(run, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "already saved" in again.stderr  # same race, same key, no second copy
    onto_saved = [sys.executable, "-m", "core", "race", str(birds_dir), "--out", str(saved), "--workspace", "demo",
                  "--dir", str(demo_dir)]
    exact = subprocess.run(onto_saved, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert exact.returncode == 2 and "nothing was overwritten" in exact.stderr
