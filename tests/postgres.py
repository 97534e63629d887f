"""A throwaway PostgreSQL server for the tests and ``make migrate-check``.

``server()`` yields the admin URL (database ``postgres``) of ``TEST_POSTGRES_URL`` when that is
set, else of a cluster it starts itself: ``initdb`` into a temporary directory, ``pg_ctl start``
listening only on a unix socket in that directory (no TCP port to collide on), durability off
(it's thrown away), then ``pg_ctl stop`` and the directory removed. The binaries come from
/usr/lib/postgresql/<newest>/bin (Debian's layout) or PATH; PostgreSQL refuses to run as root,
so as root the cluster runs as the ``postgres`` user. ``create_database``/``drop_database``
give each test a fresh database on that server.

As a command, for scripts and for working by hand::

    python -m tests.postgres run [--if-available] -- CMD ...   # CMD with DATABASE_URL set to a
                                                               # fresh database; then cleaned up
    python -m tests.postgres start        # prints TEST_POSTGRES_URL=... and the directory
    python -m tests.postgres stop DIR
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import pwd
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

ENV_URL = "TEST_POSTGRES_URL"
MISSING = "PostgreSQL not installed: apt-get install postgresql, or set TEST_POSTGRES_URL"
# enough for the 200-connection race test plus the admin and migration connections
MAX_CONNECTIONS = 300
START_TIMEOUT = 60  # seconds pg_ctl waits for the server to accept connections

_names = itertools.count(1)


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL binaries and no TEST_POSTGRES_URL."""


def find_bindir() -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl``: the newest Debian install, else PATH."""

    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", path.parent.name)) or (0,)

    for bindir in sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True):
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            return bindir
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl:
        bindir = Path(initdb).resolve().parent
        if (bindir / "pg_ctl").is_file():
            return bindir
    return None


def asyncpg_url(url: str) -> str:
    """``url`` with the asyncpg driver (``postgresql://`` and ``postgres://`` are accepted)."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"{ENV_URL} must be a PostgreSQL URL, got {parsed.get_backend_name()}")
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def with_database(url: str, name: str) -> str:
    """``url`` pointing at database ``name`` on the same server."""
    return make_url(url).set(database=name).render_as_string(hide_password=False)


class Cluster:
    """A PostgreSQL cluster in a temporary directory, reached through a unix socket there."""

    def __init__(self, bindir: Path, root: Path | None = None) -> None:
        self.bindir = bindir
        self._as_user: dict[str, Any] = {}
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            try:
                account = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise PostgresUnavailable(
                    "running as root and there is no 'postgres' user to run PostgreSQL as"
                ) from exc
            self._as_user = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
        self.root = root or Path(tempfile.mkdtemp(prefix="eventbot-pg-"))
        if self._as_user:
            os.chown(self.root, self._as_user["user"], self._as_user["group"])
        self.data = self.root / "data"
        self.log = self.root / "server.log"

    @property
    def url(self) -> str:
        """The admin URL: superuser ``postgres``, database ``postgres``, over the socket."""
        return f"postgresql+asyncpg://postgres@/postgres?host={self.root}"

    def _run(self, *args: str) -> None:
        # output goes to a file, not a pipe: the server pg_ctl forks must not hold our pipe open
        with (self.root / "commands.log").open("ab") as out:
            done = subprocess.run(
                [str(self.bindir / args[0]), *args[1:]],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.root,
                env={**os.environ, "LC_ALL": "C", "TZ": "UTC"},
                check=False,
                **self._as_user,
            )
        if done.returncode != 0:
            tail = "".join(
                path.read_text(errors="replace")[-3000:]
                for path in (self.root / "commands.log", self.log)
                if path.exists()
            )
            raise RuntimeError(f"{args[0]} failed (exit {done.returncode}):\n{tail}")

    def start(self) -> None:
        """initdb, settings for a throwaway server, pg_ctl start (waits until it accepts)."""
        self._run(
            "initdb",
            "--pgdata",
            str(self.data),
            "--username=postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        )
        settings = {
            "listen_addresses": "''",
            "unix_socket_directories": f"'{self.root}'",
            "max_connections": str(MAX_CONNECTIONS),
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "timezone": "'UTC'",
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        self._run(
            "pg_ctl", "start", "--pgdata", str(self.data), "--log", str(self.log), "--wait",
            f"--timeout={START_TIMEOUT}",
        )  # fmt: skip

    def stop(self) -> None:
        """Stop the server at once (nothing in it is kept) and remove the directory."""
        try:
            if (self.data / "postmaster.pid").exists():
                self._run(
                    "pg_ctl", "stop", "--pgdata", str(self.data), "--mode=immediate", "--wait"
                )
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def server() -> Iterator[str]:
    """The admin URL of TEST_POSTGRES_URL's server, or of a cluster started (and stopped) here."""
    if url := os.environ.get(ENV_URL):
        yield asyncpg_url(url)
        return
    bindir = find_bindir()
    if bindir is None:
        raise PostgresUnavailable(MISSING)
    cluster = Cluster(bindir)
    try:
        cluster.start()
        yield cluster.url
    finally:
        cluster.stop()


async def _admin(admin_url: str, *statements: str) -> None:
    engine = create_async_engine(admin_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            for statement in statements:
                await conn.execute(text(statement))
    finally:
        await engine.dispose()


def new_database_name() -> str:
    """A name no other run on a shared server will pick."""
    return f"eventbot_test_{os.getpid()}_{next(_names)}_{secrets.token_hex(3)}"


async def create_database(admin_url: str, name: str, *, template: str = "template0") -> str:
    """Create database ``name`` as a copy of ``template`` (empty by default); return its URL."""
    await _admin(admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return with_database(admin_url, name)


async def drop_database(admin_url: str, name: str) -> None:
    """Drop ``name``, closing whatever connections were left open to it."""
    await _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def spare_connections(url: str) -> int:
    """How many more connections the server at ``url`` accepts from an ordinary role."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            limit = int(await conn.scalar(text("SHOW max_connections")) or 0)
            reserved = int(await conn.scalar(text("SHOW superuser_reserved_connections")) or 0)
            used = int(await conn.scalar(text("SELECT count(*) FROM pg_stat_activity")) or 0)
    finally:
        await engine.dispose()
    return limit - reserved - used


def _run_command(command: list[str], *, if_available: bool) -> int:
    try:
        with server() as admin_url:
            name = new_database_name()
            url = asyncio.run(create_database(admin_url, name))
            print(f"PostgreSQL: DATABASE_URL={url}", file=sys.stderr, flush=True)
            try:
                return subprocess.run(command, env={**os.environ, "DATABASE_URL": url}).returncode
            finally:
                asyncio.run(drop_database(admin_url, name))
    except PostgresUnavailable as exc:
        if not if_available or os.environ.get("TEST_REQUIRE_POSTGRES"):
            raise
        print(f"NOTE: skipped the PostgreSQL part: {exc}", file=sys.stderr)
        return 0


def main(argv: list[str] | None = None) -> int:
    """``run``, ``start`` or ``stop`` (see the module docstring)."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.postgres", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="action", required=True)
    run = sub.add_parser("run", help="run a command with DATABASE_URL set to a fresh database")
    run.add_argument(
        "--if-available", action="store_true", help="print a note and succeed without PostgreSQL"
    )
    run.add_argument("command", nargs=argparse.REMAINDER)
    sub.add_parser("start", help="start a cluster and leave it running")
    stop = sub.add_parser("stop", help="stop a cluster made by start and remove its directory")
    stop.add_argument("directory", type=Path)
    args = parser.parse_args(argv)

    if args.action == "run":
        command = args.command[1:] if args.command[:1] == ["--"] else args.command
        if not command:
            parser.error("run needs a command")
        return _run_command(command, if_available=args.if_available)
    bindir = find_bindir()
    if bindir is None:
        print(MISSING, file=sys.stderr)
        return 1
    if args.action == "start":
        cluster = Cluster(bindir)
        try:
            cluster.start()
        except BaseException:
            cluster.stop()
            raise
        print(f"{ENV_URL}={cluster.url}")
        print(f"# stop with: python -m tests.postgres stop {cluster.root}")
        return 0
    if not (args.directory / "data" / "PG_VERSION").is_file():
        parser.error(f"{args.directory} is not a cluster made by 'start'")
    Cluster(bindir, root=args.directory).stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
