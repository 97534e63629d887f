"""Run a bot (EventBot or the echo baseline) as its own process against an in-process emulator."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bot.emulator import BotAPIEmulator

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:BENCH-token"


class BotProcess:
    """A bot subprocess polling the emulator."""

    def __init__(self, emulator: BotAPIEmulator, module_args: list[str], env: dict[str, str]):
        self.emulator = emulator
        self.module_args = module_args
        self.env = env
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        """Spawn and wait until it polls."""
        polls = self.emulator.calls["getUpdates"]
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            *self.module_args,
            cwd=ROOT,
            env={
                **os.environ,
                "PYTHONPATH": str(ROOT),
                "BOT_TOKEN": TOKEN,
                "TELEGRAM_API_URL": self.emulator.url,
                "LOG_LEVEL": "WARNING",
                **self.env,
            },
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            preexec_fn=_die_with_parent,
        )
        await self.emulator.wait_until(lambda: self.emulator.calls["getUpdates"] > polls, 60)

    def cpu_seconds(self) -> float:
        """User + system CPU time the bot process has used so far (Linux /proc)."""
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self) -> float:
        """Resident memory of the bot process now."""
        assert self.process is not None
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
        return kb / 1024

    def peak_rss_mb(self) -> float:
        """Peak resident memory of the bot process so far."""
        assert self.process is not None
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
        return kb / 1024

    async def stop(self) -> str:
        """Ctrl-C it and return what it wrote to stderr."""
        assert self.process is not None
        self.emulator.set_long_polls(False)
        self.process.send_signal(signal.SIGINT)
        try:
            _, stderr = await asyncio.wait_for(self.process.communicate(), 60)
        finally:
            self.emulator.set_long_polls(True)
        return stderr.decode()


def _die_with_parent() -> None:
    """Linux: the bot gets SIGTERM when the benchmark process dies, so an interrupted run
    (Ctrl-C, ``timeout``) leaves no bot behind, still polling and skewing the next run."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


async def timed(emulator: BotAPIEmulator, done: Callable[[], bool], timeout: float = 600) -> float:
    """Seconds until ``done()`` holds."""
    start = time.perf_counter()
    await emulator.wait_until(done, timeout)
    return time.perf_counter() - start


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]
