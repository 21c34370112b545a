"""The cluster's PostgreSQL keeps its data between runs and stops cleanly; its Redis asks
for the password (``make test-cluster``: needs the Debian packages of ``make cluster-deps``)."""

from __future__ import annotations

import socket

import pytest

from assistant.cluster import keys
from assistant.cluster.postgres import ClusterPostgres
from assistant.devservices import free_port, start_redis

pytestmark = pytest.mark.cluster


def test_postgres_keeps_its_data_across_restarts_and_stops_cleanly(var_dir):
    import psycopg2

    secrets = keys.load_or_create(var_dir / "secrets.env")
    port = free_port()
    server = ClusterPostgres(
        var_dir / "postgres", port, secrets["CLUSTER_POSTGRES_PASSWORD"], var_dir / "pg.log"
    )

    def connect(password):
        return psycopg2.connect(
            host="127.0.0.1", port=port, user="assistant", password=password, dbname="assistant"
        )

    try:
        server.start()
        server.ensure_database("assistant", secrets["CLUSTER_DATABASE_PASSWORD"])
        with connect(secrets["CLUSTER_DATABASE_PASSWORD"]) as connection:
            with connection.cursor() as cursor:
                cursor.execute("CREATE TABLE dossier (code text)")
                cursor.execute("INSERT INTO dossier VALUES ('000.00.27.H13-240115-0001')")
        connection.close()
        with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
            connect("wrong")
        server.stop()
        assert not server.running() and not (var_dir / "postgres" / "postmaster.pid").exists()
        assert "database system is shut down" in (var_dir / "pg.log").read_text()
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()

        server.start()  # the second run: no initdb, the same data
        server.ensure_database("assistant", secrets["CLUSTER_DATABASE_PASSWORD"])
        with connect(secrets["CLUSTER_DATABASE_PASSWORD"]) as connection:
            with connection.cursor() as cursor:
                cursor.execute("SELECT code FROM dossier")
                assert cursor.fetchall() == [("000.00.27.H13-240115-0001",)]
        connection.close()
        log = (var_dir / "pg.log").read_text()
        assert log.count("Success. You can now start the database server") == 1
    finally:
        server.stop()
    assert not server.running()


def test_a_postgres_left_running_by_a_killed_run_is_taken_over(var_dir):
    secrets = keys.load_or_create(var_dir / "secrets.env")
    data, log = var_dir / "postgres", var_dir / "pg.log"
    first = ClusterPostgres(data, free_port(), secrets["CLUSTER_POSTGRES_PASSWORD"], log)
    second = ClusterPostgres(data, free_port(), secrets["CLUSTER_POSTGRES_PASSWORD"], log)
    try:
        first.start()
        old = first.pid()
        second.start()  # stops the old server, starts on its own port
        assert second.pid() != old and second.running()
        socket.create_connection(("127.0.0.1", second.port), timeout=2).close()
    finally:
        second.stop()
        first.stop()


def test_redis_with_a_password_refuses_clients_without_it(tmp_path):
    import redis

    with start_redis(tmp_path, password="a1b2c3") as server:
        assert server.url.startswith("redis://:a1b2c3@127.0.0.1:")
        assert oct((tmp_path / "redis.conf").stat().st_mode)[-3:] == "600"
        with pytest.raises(redis.exceptions.AuthenticationError):
            redis.Redis(port=server.port).ping()
        client = redis.Redis.from_url(server.url)
        assert client.ping()
        client.close()
    assert not server.running
