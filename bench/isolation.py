"""A PostgreSQL database and a Redis database of its own for each benchmark that `make bench` runs.

The database is `<name in DATABASE_URL>_bench_<id>` (one `_bench` when the name already ends in it): created empty before the benchmark (dropped
first if a crashed run left it), dropped afterwards. The Redis database is a number given per
benchmark; it must be empty before the run (so a Redis database someone else uses is never touched)
and is emptied afterwards (the benchmarks leave broker messages behind). Both forms of REDIS_URL the
launcher produces are handled: `redis://host:port/N` and the embedded server's `unix://path?db=N`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
import redis
from psycopg import sql

DEFAULT_REDIS_DATABASES = 16  # Redis' default `databases`, when CONFIG GET is not allowed


class IsolationError(Exception):
    """The benchmark cannot get a database of its own; the message says why."""


@dataclass(frozen=True)
class Environment:
    """The variables a benchmark process gets instead of the run's own."""

    database_name: str
    database_url: str
    redis_db: int
    redis_url: str
    broker_url: str

    def as_env(self) -> dict[str, str]:
        return {"DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url, "CELERY_BROKER_URL": self.broker_url}


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def database_name(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    if not name:
        raise IsolationError(f"DATABASE_URL names no database: {url}")
    return name


def redis_db(url: str) -> int:
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return int(dict(parse_qsl(parts.query)).get("db", 0))
    return int(parts.path.strip("/") or 0)


def redis_urls(url: str, db: int) -> tuple[str, str]:
    """(REDIS_URL, CELERY_BROKER_URL) for database `db` of the server in `url`.

    redis-py reads `unix://path?db=N`, kombu only `redis+socket://path?virtual_host=N` (settings.py
    derives the broker from REDIS_URL but drops the query, i.e. the database number).
    """
    parts = urlsplit(url)
    if parts.scheme == "unix":
        query = dict(parse_qsl(parts.query))
        query["db"] = str(db)
        # Built by hand: urlunsplit would drop the empty host and write `unix:/path`.
        return f"unix://{parts.path}?{urlencode(query)}", f"redis+socket://{parts.path}?virtual_host={db}"
    same = urlunsplit(parts._replace(path=f"/{db}"))
    return same, same


def bench_database_name(base: str, benchmark: str) -> str:
    # `regiekoppeling_bench` (bench/README.md's example) gives regiekoppeling_bench_intake, not ..._bench_bench_...
    name = f"{base.removesuffix('_bench')}_bench_{benchmark}"
    if not re.fullmatch(r"[A-Za-z0-9_]{1,63}", name):
        raise IsolationError(f"cannot make a database name from {base!r} and {benchmark!r}: {name!r}")
    return name


def postgres_version(database_url: str) -> str:
    with psycopg.connect(_with_database(database_url, "postgres"), autocommit=True) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "unknown"


def redis_version(redis_url: str) -> str:
    return str(redis.Redis.from_url(redis_url).info("server")["redis_version"])


def redis_databases(redis_url: str) -> int:
    try:
        value = redis.Redis.from_url(redis_url).config_get("databases").get("databases")
    except redis.ResponseError:  # CONFIG disabled (managed servers)
        return DEFAULT_REDIS_DATABASES
    return int(value) if value else DEFAULT_REDIS_DATABASES


def prepare(*, database_url: str, redis_url: str, benchmark: str, db: int) -> Environment:
    """Creates the benchmark's empty database and checks that its Redis database is empty."""
    redis_own, broker = redis_urls(redis_url, db)
    keys = redis.Redis.from_url(redis_own).dbsize()
    if keys:
        raise IsolationError(
            f"Redis database {db} holds {keys} keys: make bench only uses empty ones "
            f"(choose others with --redis-dbs, or empty it if it is a benchmark's leftover)"
        )
    name = bench_database_name(database_name(database_url), benchmark)
    with psycopg.connect(_with_database(database_url, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return Environment(
        database_name=name,
        database_url=_with_database(database_url, name),
        redis_db=db,
        redis_url=redis_own,
        broker_url=broker,
    )


def release(environment: Environment, *, database_url: str) -> None:
    """Drops the benchmark's database and empties its Redis database (both were made for it)."""
    try:
        redis.Redis.from_url(environment.redis_url).flushdb()
    finally:
        with psycopg.connect(_with_database(database_url, "postgres"), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(environment.database_name))
            )
