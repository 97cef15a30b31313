"""Scenario 3: the file system holding an instance's node runs out of space.

tandemd's nodes directory (<data dir>/nodes) is a small tmpfs of the scenario's own
(CHAOS_DISK_MIB, default 512 MiB), mounted before tandemd starts and unmounted at the end
whatever happened (after every node on it is killed by pid); tandemd's own state stays on
the ordinary disk. A single-AZ instance (or a Multi-AZ one, both its nodes on the small file
system) serves a LedgerWriter; then a filler file takes every free byte until writes block or
fail (the binary log waits for space, InnoDB refuses to grow).

Checked (violations): the instance reports DBInstanceStatus storage-full with RDS's event
("Allocated storage has been exhausted..."), every write acknowledged before and while full is
still there, and once the filler is deleted the instance is available again with its event,
writes are acknowledged again (MariaDB retries a binary log write that met a full disk once a
minute, so this takes up to a minute; the bounded run does not wait for it), and still nothing
acknowledged is missing.
"""

import errno
import os
import subprocess
import time

import pymysql

from chaos_env import USER, Sandbox, create_instance, describe, events, wait_status
from failover_tools import LedgerWriter, endpoint_connect, wait_redundant, wait_until

IDENT = "chaos-disk"
PASSWORD = "Chaos-Disk-Passw0rd-1"
STORAGE_FULL_EVENT = "Allocated storage has been exhausted"
STORAGE_BACK_EVENT = "Free storage is available again"
STATUS_TIMEOUT = 30.0
# MariaDB retries a binary log write that met a full disk once a minute.
WRITES_BACK_TIMEOUT = 90.0
CHUNK = 4 << 20


def mount_tmpfs(sandbox, size_mib):
    """Mounts a tmpfs of size_mib at <data dir>/nodes; unmounted when the sandbox closes."""
    path = os.path.join(sandbox.data_dir, "nodes")
    os.makedirs(path, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mib}m,mode=0711",
                    "tandem-chaos-disk", path], check=True)

    def unmount():
        if subprocess.run(["umount", path]).returncode != 0:
            subprocess.run(["umount", "-l", path], check=True)  # detached, freed when unused
    sandbox.on_exit(unmount)
    return path


def fill(path):
    """Writes path until the file system refuses more; returns the bytes written."""
    written = 0
    block = b"\0" * CHUNK
    with open(path, "wb", buffering=0) as f:
        size = CHUNK
        while size > 0:
            try:
                written += f.write(block[:size])
            except OSError as e:
                if e.errno != errno.ENOSPC:
                    raise
                size //= 2  # the last blocks, smaller and smaller
    return written


def write_once(instance, ca, timeout=3.0):
    """One insert on a fresh connection: "acknowledged", "blocked" (no answer within timeout)
    or "failed: <error>"."""
    try:
        conn = endpoint_connect(instance, USER, PASSWORD, ca, connect_timeout=timeout,
                                io_timeout=timeout)
    except pymysql.err.MySQLError as e:
        return f"failed: no connection ({e.args[0]})"
    try:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO tandem_ledger.probe_once VALUES (NULL)")
        return "acknowledged"
    except pymysql.err.MySQLError as e:
        if "timed out" in str(e):
            return f"blocked (no answer in {timeout:.0f} s)"
        return f"failed: {e.args[0]} {str(e.args[-1])[:60]}"
    finally:
        try:
            conn.close()
        except Exception:  # noqa: BLE001
            pass


def count(messages, prefix):
    return sum(m.startswith(prefix) for m in messages)


def run(tally, size_mib, wait_for_writes=True, multi_az=False):
    """wait_for_writes=False (the bounded run) skips waiting for writes to be acknowledged
    again after the space returns, which MariaDB's once-a-minute retry makes slow. multi_az:
    a Multi-AZ instance, both nodes on the small file system."""
    holder = {}
    with Sandbox("disk-full",
                 before_start=lambda sb: holder.update(nodes=mount_tmpfs(sb, size_mib))) as sb:
        server = sb.server
        tally.trials += 1
        create_instance(server, IDENT, PASSWORD, multi_az=multi_az)
        instance = (wait_redundant(server, IDENT, PASSWORD, timeout=180) if multi_az
                    else wait_status(server, IDENT, ("available",), 120))
        ca = server.ca_bundle
        ledger = LedgerWriter(instance, USER, PASSWORD, ca, threads=2, io_timeout=3.0)
        ledger.start()
        try:
            with endpoint_connect(instance, USER, PASSWORD, ca) as conn:
                conn.cursor().execute("CREATE TABLE IF NOT EXISTS tandem_ledger.probe_once "
                                      "(id BIGINT AUTO_INCREMENT PRIMARY KEY)")
            time.sleep(1.0)
            filler = os.path.join(holder["nodes"], "chaos-filler")
            filled_at = time.monotonic()
            written = fill(filler)
            before_full = len(ledger.acknowledged)
            print(f"  filled {written >> 20} MiB of the {size_mib} MiB file system", flush=True)
            try:
                wait_status(server, IDENT, ("storage-full",), STATUS_TIMEOUT)
                to_full = time.monotonic() - filled_at
            except AssertionError as e:
                tally.violation(f"not storage-full within {STATUS_TIMEOUT:.0f} s: {str(e)[:600]}")
                to_full = None
            tally.check(count(events(server, IDENT), STORAGE_FULL_EVENT) == 1,
                        f"want one storage-full event: {events(server, IDENT)}")
            blocked = write_once(instance, ca)
            print(f"  a write while full: {blocked}", flush=True)
            time.sleep(2.0)
            tally.check(describe(server, IDENT)["DBInstanceStatus"] == "storage-full",
                        "did not stay storage-full while the disk was full")
            # Reads still work: every write acknowledged so far is there.
            with endpoint_connect(instance, USER, PASSWORD, ca, connect_timeout=5) as conn:
                lost = ledger.verify(conn)
            tally.check(not lost, f"{len(lost)} acknowledged rows missing while full")

            during_full = len(ledger.acknowledged) - before_full
            os.unlink(filler)
            freed_at = time.monotonic()
            try:
                wait_status(server, IDENT, ("available",), STATUS_TIMEOUT)
                to_available = time.monotonic() - freed_at
            except AssertionError as e:
                tally.violation(f"not available again within {STATUS_TIMEOUT:.0f} s: "
                                f"{str(e)[:600]}")
                to_available = None
            tally.check(count(events(server, IDENT), STORAGE_BACK_EVENT) == 1,
                        f"want one event for the space back: {events(server, IDENT)}")
            acked_at_free = len(ledger.acknowledged)
            writes_back = None
            if wait_for_writes:
                try:
                    wait_until(lambda: len(ledger.acknowledged) > acked_at_free + 10,
                               WRITES_BACK_TIMEOUT, interval=0.1,
                               what="acknowledged writes again")
                    writes_back = time.monotonic() - freed_at
                except AssertionError as e:
                    tally.violation(str(e))
        finally:
            ledger.stop()
        with endpoint_connect(instance, USER, PASSWORD, ca, connect_timeout=5) as conn:
            missing = ledger.verify(conn)
        tally.check(not missing, f"{len(missing)} acknowledged ledger rows lost: {missing[:5]}; "
                                 f"{ledger.summary()}")
        final = describe(server, IDENT)["DBInstanceStatus"]
        tally.check(final == "available", f"status {final} at the end, want available")
        fmt = (lambda v: "-" if v is None else f"{v:.1f} s")
        tally.figure("storage-full after fill", fmt(to_full))
        tally.figure("a write while full", blocked)
        tally.figure("available after free", fmt(to_available))
        tally.figure("writes back after free",
                     fmt(writes_back) if wait_for_writes else "not waited for (bounded run)")
        tally.figure("ledger acknowledged/lost",
                     f"{len(ledger.acknowledged)} ({before_full} before the disk was full, "
                     f"{during_full} while full)/{len(missing)}")

