"""SQLite writers queue on a lock file beside the database (inspect_app/db.py QueuedWriters):
held from BEGIN to COMMIT or ROLLBACK, given back however the transaction ends."""

from __future__ import annotations

import fcntl
import os
import threading

import peewee
import pytest

from inspect_app.db import open_database


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'lianjian.db'}"


def _other_process_can_write(url: str) -> bool:
    """Whether another process would get the writers' lock now (a lock of its own on the file)."""
    path = url.removeprefix("sqlite:///") + ".writers"
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


@pytest.mark.parametrize("pooled", [False, True], ids=["plain", "pooled"])
def test_the_lock_is_held_for_the_transaction_and_given_back_at_commit_or_rollback(
    sqlite_url, pooled
):
    db = open_database(sqlite_url, pooled=pooled)
    db.execute_sql("CREATE TABLE visit (id INTEGER PRIMARY KEY, shop TEXT)")
    with db.atomic():
        db.execute_sql("INSERT INTO visit (shop) VALUES ('宝山区友谊路网吧')")
        assert not _other_process_can_write(sqlite_url)
    assert _other_process_can_write(sqlite_url)
    with pytest.raises(RuntimeError), db.atomic():
        db.execute_sql("INSERT INTO visit (shop) VALUES ('杨行镇网吧')")
        raise RuntimeError("the write failed half way")
    assert _other_process_can_write(sqlite_url)
    with pytest.raises(peewee.IntegrityError), db.atomic():
        db.execute_sql("INSERT INTO visit (id, shop) VALUES (1, '重复')")
    assert _other_process_can_write(sqlite_url)
    assert db.execute_sql("SELECT COUNT(*) FROM visit").fetchone() == (1,)
    db.close()


def test_writers_of_two_databases_and_threads_queue_and_none_is_refused(sqlite_url):
    """Two connections (as two processes would), four threads: every increment lands."""
    first, second = open_database(sqlite_url), open_database(sqlite_url)
    first.execute_sql("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)")
    first.execute_sql("INSERT INTO counter VALUES (1, 0)")
    errors: list[BaseException] = []

    def bump(db: peewee.Database) -> None:
        try:
            for _ in range(40):
                with db.atomic():
                    (n,) = db.execute_sql("SELECT n FROM counter WHERE id = 1").fetchone()
                    db.execute_sql("UPDATE counter SET n = ? WHERE id = 1", (n + 1,))
            db.close()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=bump, args=(db,)) for db in (first, second) * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert first.execute_sql("SELECT n FROM counter").fetchone() == (160,)


def test_a_forked_child_writes_with_a_lock_of_its_own(sqlite_url):
    """RQ's work-horse is a fork of the worker, which has written before: it writes too."""
    import multiprocessing

    db = open_database(sqlite_url)
    db.execute_sql("CREATE TABLE visit (id INTEGER PRIMARY KEY, shop TEXT)")
    with db.atomic():
        db.execute_sql("INSERT INTO visit (shop) VALUES ('顾村镇网吧')")
    db.close()
    child = multiprocessing.get_context("fork").Process(target=_write_once, args=(sqlite_url, db))
    child.start()
    child.join(30)
    assert child.exitcode == 0
    assert db.execute_sql("SELECT COUNT(*) FROM visit").fetchone() == (2,)


def _write_once(url: str, db: peewee.Database) -> None:
    with db.atomic():
        db.execute_sql("INSERT INTO visit (shop) VALUES ('淞南镇网吧')")
    db.close()


def test_a_writer_waits_for_the_holder_and_a_holder_that_dies_gives_the_lock_back(sqlite_url):
    """The lock is the kernel's: a writer sleeps until the holder lets go, however long that
    takes, and a holder killed in the middle of its transaction lets go with its death."""
    import signal
    import subprocess
    import sys
    import time

    db = open_database(sqlite_url)
    db.execute_sql("CREATE TABLE visit (id INTEGER PRIMARY KEY, shop TEXT)")
    path = sqlite_url.removeprefix("sqlite:///") + ".writers"
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, path], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        done = threading.Event()

        def write() -> None:
            with db.atomic():
                db.execute_sql("INSERT INTO visit (shop) VALUES ('大场镇网吧')")
            done.set()

        writer = threading.Thread(target=write)
        writer.start()
        time.sleep(0.5)
        assert not done.is_set()  # queued behind the holder
        holder.send_signal(signal.SIGKILL)
        writer.join(10)
        assert done.is_set()
    finally:
        holder.kill()
        holder.wait()
    assert db.execute_sql("SELECT COUNT(*) FROM visit").fetchone() == (1,)
    assert _other_process_can_write(sqlite_url)
    db.close()


_HOLD = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(600)
"""
