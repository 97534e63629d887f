"""`python -m bench [--quick] [--only P1,P3] [P6 PG ...]`: run the benchmarks, print one table."""

from __future__ import annotations

import argparse
import asyncio
import platform
import tempfile
import time
from pathlib import Path

from bench import broadcast, postgres, scenarios
from bench.harness import TOKEN
from bot.emulator import BotAPIEmulator

ALL = ["P1", "P2", "P3", "P4", "P5", "P6", "PG"]
NEEDS_ECHO = {"P1", "P2", "PG"}  # the others compare with their own goals, not with the echo bot
FUNCTIONS = {
    "P1": scenarios.p1_throughput,
    "P2": scenarios.p2_ticket_drop,
    "P3": scenarios.p3_reminder_fanout,
    "P4": scenarios.p4_big_database,
    "P5": scenarios.p5_logins_vs_browsing,
    "P6": broadcast.p6_broadcast,
    "PG": postgres.pg_rows,  # P1 and P2 on PostgreSQL, P2 with two replicas
}


async def run(only: list[str], quick: bool) -> list[scenarios.Row]:
    emulator = BotAPIEmulator(TOKEN)
    await emulator.start()
    rows: list[scenarios.Row] = []
    try:
        with tempfile.TemporaryDirectory(prefix="eventbot-bench-") as tmp:
            echo = 0.0
            if NEEDS_ECHO & set(only):
                for user in scenarios.ECHO_USERS:
                    emulator.add_user(user, f"E{user}")
                baseline = await scenarios.echo_rate(
                    emulator, scenarios.ECHO_USERS, 40 if quick else 100
                )
                echo = baseline.per_second
                rows.append(
                    scenarios.Row(
                        "base", "bare PTB 22 echo bot, default settings", str(baseline),
                        "baseline of this run", None,
                    )
                )  # fmt: skip
                print(f"  echo baseline: {baseline}", flush=True)
            for bench_id in only:
                started = time.perf_counter()
                rows += await FUNCTIONS[bench_id](emulator, Path(tmp), quick=quick, echo=echo)
                print(f"  {bench_id} done in {time.perf_counter() - started:.0f} s", flush=True)
    finally:
        await emulator.close()
    return rows


def render(rows: list[scenarios.Row]) -> str:
    lines = ["| id | what | figure | goal | met |", "|---|---|---|---|---|"]
    for row in rows:
        met = "" if row.ok is None else ("yes" if row.ok else "**no**")
        lines.append(f"| {row.id} | {row.what} | {row.figure} | {row.goal} | {met} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--only", default=",".join(ALL), help="comma list, e.g. P1,P3")
    parser.add_argument("ids", nargs="*", help="benchmarks to run (like --only), e.g. P6")
    args = parser.parse_args()
    chosen = ",".join(args.ids) if args.ids else args.only
    only = [item.strip().upper() for item in chosen.split(",") if item.strip()]
    unknown = [item for item in only if item not in FUNCTIONS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(ALL)}")
    print(f"EventBot benchmarks on {platform.node()}: Python {platform.python_version()}, "
          f"{platform.machine()}", flush=True)  # fmt: skip
    rows = asyncio.run(run(only, args.quick))
    print(render(rows))


if __name__ == "__main__":
    main()
