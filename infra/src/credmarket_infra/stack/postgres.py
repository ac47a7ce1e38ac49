"""PostgreSQL from the Debian packages, in its own cluster under .stack/postgres."""

from __future__ import annotations

import asyncio
import os
import pwd
import stat
import subprocess
from pathlib import Path

import asyncpg

from credmarket_infra.setup.requirements import postgres_bin_dir
from credmarket_infra.stack import process
from credmarket_infra.stack.config import HOST, SERVICE_DATABASES, StackConfig
from credmarket_infra.stack.waiting import StartupError, tail

NAME = "postgres"
OS_USER = "postgres"


def pg_dir(config: StackConfig) -> Path:
    return config.stack_dir / "postgres"


def data_dir(config: StackConfig) -> Path:
    return pg_dir(config) / "data"


def socket_dir(config: StackConfig) -> Path:
    return pg_dir(config) / "run"


def render_conf(config: StackConfig) -> str:
    """Written on every `up`, so port changes apply; included from postgresql.conf."""
    settings = {
        "listen_addresses": f"'{HOST}'",
        "port": str(config.pg_port),
        "unix_socket_directories": f"'{socket_dir(config)}'",
        # Each test gets its own database and each service a pool: room for many connections.
        "max_connections": "300",
        "shared_buffers": "128MB",
        # Real durability: fsync and synchronous_commit stay at their defaults (on).
        "fsync": "on",
        "password_encryption": "'scram-sha-256'",
        "log_destination": "'stderr'",
        "log_min_messages": "warning",
        "log_line_prefix": "'%m [%p] %d '",
    }
    return "".join(f"{key} = {value}\n" for key, value in settings.items())


def ensure_installed() -> Path:
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        # Installing is set-up's job (one place for it): `./dev up` does it before we run.
        raise StartupError("postgres: not installed; `./dev up` installs it (see `./dev doctor`)")
    return bin_dir


def _as_root() -> bool:
    return os.geteuid() == 0


def _run_as_owner(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    """initdb and postgres refuse to run as root; as root we drop to the postgres OS user."""
    command = ["runuser", "-u", OS_USER, "--", *args] if _as_root() else args
    return subprocess.run(command, check=True, text=True, **kwargs)  # type: ignore[call-overload,no-any-return]  # noqa: S603


def _chown_to_owner(*paths: Path) -> None:
    if not _as_root():
        return
    owner = pwd.getpwnam(OS_USER)
    for path in paths:
        os.chown(path, owner.pw_uid, owner.pw_gid)


def make_reachable(path: Path) -> None:
    """Let the postgres user traverse to `path`: add only o+x (not read) to ancestors lacking it."""
    if not _as_root():
        return
    for directory in [path, *path.parents]:
        mode = directory.stat().st_mode
        if not mode & stat.S_IXOTH:
            os.chmod(directory, mode | stat.S_IXOTH)


def _initdb(config: StackConfig, bin_dir: Path) -> None:
    pwfile = pg_dir(config) / "initdb.pw"
    pwfile.write_text(config.pg_password + "\n")
    pwfile.chmod(0o600)
    _chown_to_owner(pwfile)
    try:
        _run_as_owner(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data_dir(config)),
                "-U",
                config.pg_user,
                f"--pwfile={pwfile}",
                "--auth-local=scram-sha-256",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ],
            capture_output=True,
        )
    finally:
        pwfile.unlink(missing_ok=True)
    with (data_dir(config) / "postgresql.conf").open("a") as conf:
        conf.write("\ninclude_if_exists = 'credmarket.conf'\n")


def _prepare_dirs(config: StackConfig) -> None:
    for directory in (pg_dir(config), data_dir(config), socket_dir(config)):
        directory.mkdir(parents=True, exist_ok=True)
    data_dir(config).chmod(0o700)
    config.logs_dir.mkdir(parents=True, exist_ok=True)
    config.log_file(NAME).touch()
    _chown_to_owner(data_dir(config), socket_dir(config), config.log_file(NAME))
    make_reachable(pg_dir(config))


def postmaster_pid(config: StackConfig) -> int | None:
    pid = process.read_pid(data_dir(config) / "postmaster.pid")
    return pid if pid is not None and process.is_alive(pid) else None


async def _ensure_databases(config: StackConfig) -> None:
    conn = await asyncpg.connect(
        host=HOST,
        port=config.pg_port,
        user=config.pg_user,
        password=config.pg_password,
        database="postgres",
    )
    try:
        existing = {row["datname"] for row in await conn.fetch("SELECT datname FROM pg_database")}
        for name in SERVICE_DATABASES:
            if name not in existing:
                await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def up(config: StackConfig) -> None:
    bin_dir = ensure_installed()
    _prepare_dirs(config)
    if not (data_dir(config) / "PG_VERSION").is_file():
        _initdb(config, bin_dir)
    conf = data_dir(config) / "credmarket.conf"
    conf.write_text(render_conf(config))
    _chown_to_owner(conf)
    if postmaster_pid(config) is None:
        try:
            _run_as_owner(
                [
                    str(bin_dir / "pg_ctl"),
                    "start",
                    "-D",
                    str(data_dir(config)),
                    "-l",
                    str(config.log_file(NAME)),
                    "-w",
                    "-t",
                    "60",
                ],
                capture_output=True,
            )
        except subprocess.CalledProcessError as error:
            raise StartupError(
                f"postgres: pg_ctl start failed: {error.stdout}{error.stderr}\n"
                f"--- {config.log_file(NAME)} ---\n{tail(config.log_file(NAME))}"
            ) from error
    asyncio.run(_ensure_databases(config))


def down(config: StackConfig) -> bool:
    if postmaster_pid(config) is None:
        return False
    bin_dir = postgres_bin_dir()
    if bin_dir is not None:
        _run_as_owner(
            [str(bin_dir / "pg_ctl"), "stop", "-D", str(data_dir(config)), "-m", "fast", "-w"],
            capture_output=True,
        )
    remaining = postmaster_pid(config)
    if remaining is not None:
        process.terminate(remaining, timeout=10.0)
    return True
