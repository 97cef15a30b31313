"""A standby that can no longer apply what its primary sends is re-copied.

A transaction written on the standby behind Tandem's back (as root, on its local
socket, with the binary log on) is an errant GTID: under gtid_strict_mode the
next replicated transaction stops its SQL thread. The HA decision sees it and
rebuilds the standby with mariadb-backup, without operator action; the errant
row is gone and the pair is in sync again.
"""

import os
import subprocess

import failover_tools as ft
from test_multi_az_policy import PASSWORD, create, status_info

ZONE_A = "us-east-1a"
ZONE_B = "us-east-1b"


def as_root_on(node_dir, sql):
    """Runs sql on the node's local socket as root (what only an operator could do)."""
    return subprocess.run(
        ["/usr/bin/mariadb", "-S", os.path.join(node_dir, "run", "mariadbd.sock"), "-u", "root",
         "-N", "-B", "-e", sql],
        check=True, capture_output=True, text=True, timeout=30).stdout.strip()


def test_a_standby_with_an_errant_transaction_is_reseeded(tandemd):
    server = tandemd(engine_nodes=True)
    rds, instance = create(server, "repair")
    standby = ft.node_dirs(server, instance)[ZONE_B]
    with ft.endpoint_connect(instance, "admin", PASSWORD, server.ca_bundle) as conn:
        cur = conn.cursor()
        cur.execute("CREATE DATABASE app")
        cur.execute("CREATE TABLE app.rows (id INT PRIMARY KEY)")
        cur.execute("INSERT INTO app.rows VALUES (1)")
    ft.wait_until(lambda: as_root_on(standby, "SELECT COUNT(*) FROM app.rows") == "1", 30,
                  what="the table on the standby")

    as_root_on(standby, "INSERT INTO app.rows VALUES (666)")  # errant GTID
    with ft.endpoint_connect(instance, "admin", PASSWORD, server.ca_bundle) as conn:
        conn.cursor().execute("INSERT INTO app.rows VALUES (2)")

    ft.wait_until(lambda: status_info(rds, "repair")[1].get("Normal") is False, 30,
                  what="the standby reported out of sync")
    ft.wait_until(lambda: status_info(rds, "repair")[1].get("Normal") is True, 60,
                  what="the standby rebuilt and in sync again")
    assert "re-seed" in server.log_text()
    ft.wait_until(
        lambda: as_root_on(standby, "SELECT GROUP_CONCAT(id ORDER BY id) FROM app.rows") == "1,2",
        30, what="every row on the standby")
    assert as_root_on(standby, "SELECT @@global.read_only") == "1"
    assert ft.writable_nodes(server, instance, PASSWORD) == [ZONE_A]
    assert status_info(rds, "repair")[0] == ZONE_A
