"""The command line: bad configuration is one clear line and a non-zero exit, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings


def run_cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "DATABASE_URL"}}
    clean["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,  # no .env there
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({}, "BOT_TOKEN"),
        ({"BOT_TOKEN": "not-a-token"}, "BOT_TOKEN"),
        ({"BOT_TOKEN": "1:x", "TIMEZONE": "Mars/Olympus"}, "TIMEZONE"),
        ({"BOT_TOKEN": "1:x", "REMINDER_OFFSETS": "24h,soon"}, "REMINDER_OFFSETS"),
        ({"BOT_TOKEN": "1:x", "SESSION_TTL": "-3d"}, "SESSION_TTL"),
        ({"BOT_TOKEN": "1:x", "BCRYPT_ROUNDS": "99"}, "BCRYPT_ROUNDS"),
    ],
)
def test_bad_config_is_one_line_naming_the_variable(
    tmp_path: Path, env: dict[str, str], variable: str
) -> None:
    result = run_cli(tmp_path, "run", **env)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and variable in lines[0], result.stderr


def test_migrate_creates_the_schema(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    result = run_cli(tmp_path, "migrate", DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "cli.db").exists()


def test_settings_parse_offsets_and_ttl() -> None:
    settings = load_settings(_env_file=None, reminder_offsets="30m, 24h,1h", session_ttl="12h")
    assert [o.total_seconds() for o in settings.reminder_offsets] == [86400, 3600, 1800]
    assert settings.session_ttl.total_seconds() == 12 * 3600
    assert load_settings(_env_file=None, reminder_offsets=" ").reminder_offsets == ()
    with pytest.raises(ConfigError, match="REMINDER_OFFSETS"):
        load_settings(_env_file=None, reminder_offsets="1h,,0m")
