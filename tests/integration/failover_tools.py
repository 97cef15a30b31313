"""Client-side tools to measure failovers: what an application sees, and what the nodes hold.

Shared by tests/integration/test_multi_az.py and bench/failover_trials.py.

- `LedgerWriter`: N threads inserting rows through the instance's endpoint, each on its own
  TLS connection, remembering every insert whose commit returned OK (`acknowledged`) and
  every insert in flight when an error struck (`unknown`: it may or may not have committed).
  `verify(conn)` returns the acknowledged rows a node does not hold: a failover that loses
  nothing leaves it empty.
- `WriteProbe`: one connection writing every 20 ms; `outage()` is the write-unavailability
  window a client saw (last acknowledged write before the first failure to the first
  acknowledged write after it), `max_gap()` the longest pause between two acknowledged
  writes (a stall without errors counts too).
- Node helpers, straight to the engine nodes rather than through Tandem: the nodes of an
  instance and their zones, ports and pids (`node_pids_by_zone`), `writable_nodes` (the
  split-brain check is `len(writable_nodes(...)) == 1`), replication state, and signals
  (`kill9_primary`, `sigstop`, `sigcont`).

Where the nodes are (src/control/node_placement.cc, src/engine/node_layout.h): each node of
an instance lives in <data dir>/nodes/<DbiResourceId>/<zone>/ ("us-east-1a", ...), with its
config in my.cnf (`port=N`, 127.0.0.1 only), its pid file in run/mariadbd.pid and its unix
socket in run/mariadbd.sock. The running process is found in /proc by its
`--defaults-file=<node dir>/my.cnf` argument (a pid file can be stale after a kill -9).

Connections:
- to the endpoint and to a node's TCP port: the master user over TLS, verifying Tandem's CA
  and the host name (node certificates name localhost and 127.0.0.1 as well as the endpoint);
- admin reads (SHOW SLAVE STATUS needs SLAVE MONITOR, which the master user lacks): root over
  the node's unix socket (unix_socket authentication for tandemd's own account, root when
  tests run as root). Only reads are done there: a write on a standby would be an errant
  GTID.

Times are time.monotonic() seconds. Every thread started here is stopped by stop(); both
classes are context managers too.
"""

import math
import os
import signal
import threading
import time
import uuid

import pymysql

RETRY_INTERVAL = 0.02  # seconds between reconnection attempts
LEDGER_DATABASE = "tandem_ledger"


# ----- where things are ------------------------------------------------------------------

def _data_dir(server):
    """A TandemServer-like object (has .data_dir) or the data directory itself."""
    return os.path.abspath(server if isinstance(server, str) else server.data_dir)


def ca_bundle(server):
    return os.path.join(_data_dir(server), "ca", "rds-combined-ca-bundle.pem")


def instance_nodes_dir(server, instance):
    return os.path.join(_data_dir(server), "nodes", instance["DbiResourceId"])


def node_dirs(server, instance):
    """{zone: node directory} for every node directory of the instance (with a my.cnf)."""
    root = instance_nodes_dir(server, instance)
    try:
        names = sorted(os.listdir(root))
    except FileNotFoundError:
        return {}
    return {name: os.path.join(root, name) for name in names
            if os.path.isfile(os.path.join(root, name, "my.cnf"))}


def node_port(node_dir):
    """The node's TCP port, from `port=N` in its my.cnf."""
    with open(os.path.join(node_dir, "my.cnf")) as f:
        for line in f:
            key, _, value = line.partition("=")
            if key.strip() == "port":
                return int(value.strip())
    raise AssertionError(f"no port in {node_dir}/my.cnf")


def node_ports_by_zone(server, instance):
    return {zone: node_port(d) for zone, d in node_dirs(server, instance).items()}


def _process_args(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().decode("utf-8", "replace").split("\0")
    except OSError:
        return []


def node_pids_by_zone(server, instance):
    """{zone: pid} of the instance's running mariadbd nodes (bootstrap runs excluded).

    Found in /proc by the --defaults-file argument; a zone whose node is not running is
    absent. Zombies have no command line, so a killed node that is not reaped yet is absent.
    """
    by_config = {f"--defaults-file={d}/my.cnf": zone for zone, d in node_dirs(server, instance).items()}
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        args = _process_args(entry)
        if not args or os.path.basename(args[0]) != "mariadbd" or "--bootstrap" in args:
            continue
        for arg in args:
            zone = by_config.get(arg)
            if zone is not None:
                out[zone] = int(entry)
    return out


def node_pid_file(server, instance, zone):
    """The pid the node's pid file names, or None (it may be stale: see node_pids_by_zone)."""
    path = os.path.join(instance_nodes_dir(server, instance), zone, "run", "mariadbd.pid")
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


# ----- signals -----------------------------------------------------------------------------

def kill9(pid):
    os.kill(pid, signal.SIGKILL)


def kill9_primary(server, instance):
    """SIGKILLs the node in instance["AvailabilityZone"] (pass a fresh describe): (zone, pid)."""
    zone = instance["AvailabilityZone"]
    pids = node_pids_by_zone(server, instance)
    assert zone in pids, f"no running node in the primary's zone {zone}: {pids}"
    kill9(pids[zone])
    return zone, pids[zone]


def sigstop(pid):
    os.kill(pid, signal.SIGSTOP)


def sigcont(pid):
    """SIGCONT; False if the process is gone (tandemd may have killed the frozen node)."""
    try:
        os.kill(pid, signal.SIGCONT)
        return True
    except ProcessLookupError:
        return False


def process_state(pid):
    """The process's state letter from /proc ("R", "S", "T" when stopped, "Z"), None if gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def process_alive(pid):
    """Whether pid runs or is stopped (a zombie does not count)."""
    return process_state(pid) not in (None, "Z")


# ----- connections -------------------------------------------------------------------------

def endpoint_connect(instance, user, password, ca, database=None, connect_timeout=2.0,
                     io_timeout=None):
    """pymysql through the instance's endpoint, TLS verified against ca and the host name."""
    endpoint = instance["Endpoint"]
    return pymysql.connect(host=endpoint["Address"], port=endpoint["Port"], user=user,
                           password=password, database=database,
                           ssl={"ca": ca, "check_hostname": True},
                           connect_timeout=connect_timeout, read_timeout=io_timeout,
                           write_timeout=io_timeout, autocommit=True)


def node_connect(server, instance, zone, password, user=None, timeout=2.0):
    """pymysql straight to one node's port (127.0.0.1), master user, TLS verified."""
    port = node_port(os.path.join(instance_nodes_dir(server, instance), zone))
    return pymysql.connect(host="127.0.0.1", port=port, user=user or instance["MasterUsername"],
                           password=password, ssl={"ca": ca_bundle(server), "check_hostname": True},
                           connect_timeout=timeout, read_timeout=timeout, write_timeout=timeout,
                           autocommit=True)


def admin_connect(server, instance, zone, timeout=2.0):
    """root over the node's unix socket (unix_socket authentication): for reads only."""
    sock = os.path.join(instance_nodes_dir(server, instance), zone, "run", "mariadbd.sock")
    return pymysql.connect(unix_socket=sock, user="root", connect_timeout=timeout,
                           read_timeout=timeout, write_timeout=timeout, autocommit=True)


def _rows(conn, sql, args=None):
    with conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def _dict_rows(conn, sql):
    with conn.cursor(pymysql.cursors.DictCursor) as cur:
        cur.execute(sql)
        return cur.fetchall()


# ----- node state -------------------------------------------------------------------------

def node_states(server, instance, password=None, user=None, timeout=2.0):
    """{zone: {"read_only": 0|1|None, "port": int, "error": str|None}} for every node.

    With a password: the master user over TLS to the node's port (what a client that
    reached the node could do); without: root over the unix socket. A node that does not
    answer within timeout (dead, restarting, SIGSTOPped) has read_only None and an error.
    """
    out = {}
    for zone, d in node_dirs(server, instance).items():
        state = {"read_only": None, "port": node_port(d), "error": None}
        try:
            if password is not None:
                conn = node_connect(server, instance, zone, password, user=user, timeout=timeout)
            else:
                conn = admin_connect(server, instance, zone, timeout=timeout)
            try:
                state["read_only"] = int(_rows(conn, "SELECT @@read_only")[0][0])
            finally:
                conn.close()
        except (pymysql.err.MySQLError, OSError) as e:
            state["error"] = f"{type(e).__name__}: {e}"
        out[zone] = state
    return out


def writable_nodes(server, instance, password=None, user=None, timeout=2.0):
    """Zones whose node answers with @@read_only = 0, sorted. Split brain: more than one."""
    return sorted(zone for zone, s in node_states(server, instance, password, user, timeout).items()
                  if s["read_only"] == 0)


class WritableWatch:
    """Samples every node's @@read_only continuously (root over each node's unix socket, a
    kept connection per node) to catch two writable nodes at once.

    A sample reads the nodes in order, then re-reads every writable one but the last: a
    node counts as writable only if all its reads in the sample said so. Since each other
    node's read lies between them, a failover that fences one node and then promotes the
    other is never mistaken for an overlap, however the sample is timed. `violations` lists
    (monotonic time, [zones]) of samples with more than one writable node; `history` every
    sample as (monotonic time it started, [writable zones]).
    """

    def __init__(self, server, instance, interval=0.05, timeout=1.0):
        self.server = server
        self.instance = instance
        self.interval = interval
        self.timeout = timeout
        self.violations = []
        self.history = []
        self._conns = {}
        self._stop = threading.Event()
        self._thread = None

    def _read_only(self, zone):
        conn = self._conns.get(zone)
        try:
            if conn is None:
                conn = admin_connect(self.server, self.instance, zone, timeout=self.timeout)
                self._conns[zone] = conn
            return int(_rows(conn, "SELECT @@read_only")[0][0])
        except (pymysql.err.MySQLError, OSError, ValueError):
            self._drop(zone)
            return None

    def _drop(self, zone):
        conn = self._conns.pop(zone, None)
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001
                pass

    def sample(self):
        """One sample: the zones writable throughout it, sorted."""
        started = time.monotonic()
        zones = list(node_dirs(self.server, self.instance))
        first = {zone: self._read_only(zone) == 0 for zone in zones}
        writable = [z for z in zones if first[z]]
        confirmed = sorted([z for z in writable[:-1] if self._read_only(z) == 0] + writable[-1:])
        self.history.append((started, confirmed))
        if len(confirmed) > 1:
            self.violations.append((started, confirmed))
        return confirmed

    def writable_since(self, t):
        """Every zone some sample started at or after t saw writable."""
        return sorted({z for started, zones in self.history if started >= t for z in zones})

    def start(self):
        self._thread = threading.Thread(target=self._run, name="writable-watch", daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout * 6 + 5)
        for zone in list(self._conns):
            self._drop(zone)
        return self

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def replica_status(server, instance, zone, timeout=2.0):
    """SHOW SLAVE STATUS of one node as a dict ({} when it replicates from nobody)."""
    conn = admin_connect(server, instance, zone, timeout=timeout)
    try:
        rows = _dict_rows(conn, "SHOW SLAVE STATUS")
    finally:
        conn.close()
    return dict(rows[0]) if rows else {}


def global_status(server, instance, zone, like, timeout=2.0):
    """{name: value} of SHOW GLOBAL STATUS LIKE pattern on one node."""
    conn = admin_connect(server, instance, zone, timeout=timeout)
    try:
        return {name: value for name, value in _rows(conn, "SHOW GLOBAL STATUS LIKE %s", (like,))}
    finally:
        conn.close()


def global_variables(server, instance, zone, like, timeout=2.0):
    conn = admin_connect(server, instance, zone, timeout=timeout)
    try:
        return {name: value for name, value in _rows(conn, "SHOW GLOBAL VARIABLES LIKE %s", (like,))}
    finally:
        conn.close()


def redundancy_problems(server, instance, password, user=None):
    """Why a Multi-AZ instance (a fresh describe) is not fully redundant; [] when it is.

    Fully redundant: available, MultiAZ, tandemd itself reporting the standby in sync
    (StatusInfos Normal), a running node in both zones, exactly one writable node and it is
    the primary's zone, the standby read-only with both replication threads running and no
    SQL error, and semi-sync ON on the primary.
    """
    problems = []
    if instance.get("DBInstanceStatus") != "available":
        problems.append(f"status {instance.get('DBInstanceStatus')}")
    infos = instance.get("StatusInfos") or [{}]
    if infos[0].get("Normal") is not True:
        problems.append(f"tandemd does not report the standby in sync: {infos}")
    if not instance.get("MultiAZ"):
        problems.append("MultiAZ is not true")
    primary = instance.get("AvailabilityZone")
    standby = instance.get("SecondaryAvailabilityZone")
    if not primary or not standby or primary == standby:
        problems.append(f"zones: primary {primary}, secondary {standby}")
        return problems
    pids = node_pids_by_zone(server, instance)
    for zone in (primary, standby):
        if zone not in pids:
            problems.append(f"no running node in {zone}")
    if problems:
        return problems
    writable = writable_nodes(server, instance, password, user)
    if writable != [primary]:
        problems.append(f"writable nodes {writable}, want only {primary}")
    try:
        ro = global_variables(server, instance, standby, "read_only").get("read_only")
        if ro != "ON":
            problems.append(f"standby {standby} read_only={ro}")
        status = replica_status(server, instance, standby)
        if not status:
            problems.append(f"standby {standby} replicates from nobody")
        else:
            for field in ("Slave_IO_Running", "Slave_SQL_Running"):
                if status.get(field) != "Yes":
                    problems.append(f"standby {standby} {field}={status.get(field)} "
                                    f"(IO error: {status.get('Last_IO_Error')!r}, "
                                    f"SQL error: {status.get('Last_SQL_Error')!r})")
            if status.get("Last_SQL_Errno"):
                problems.append(f"standby {standby} SQL error {status.get('Last_SQL_Error')!r}")
        semi = global_status(server, instance, primary, "Rpl_semi_sync_master_status")
        if semi.get("Rpl_semi_sync_master_status") != "ON":
            problems.append(f"primary {primary} Rpl_semi_sync_master_status="
                            f"{semi.get('Rpl_semi_sync_master_status')}")
    except (pymysql.err.MySQLError, OSError) as e:
        problems.append(f"admin read failed: {type(e).__name__}: {e}")
    return problems


def describe(server, ident):
    return server.client(service="rds").describe_db_instances(
        DBInstanceIdentifier=ident)["DBInstances"][0]


def wait_until(check, timeout, interval=0.05, what="condition"):
    """Calls check() until it returns something truthy (returned); AssertionError on timeout
    with the last value or exception."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            value = check()
            if value:
                return value
            last = value
        except (pymysql.err.MySQLError, OSError) as e:
            last = e
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what}: not within {timeout}s (last: {last!r})")
        time.sleep(interval)


def wait_redundant(server, ident, password, timeout=90.0, user=None, also=None):
    """Waits until describe + nodes say fully redundant (redundancy_problems() == []) and
    also(instance) holds; returns the instance. AssertionError with the problems on timeout."""
    deadline = time.monotonic() + timeout
    problems = ["never described"]
    while time.monotonic() < deadline:
        instance = describe(server, ident)
        problems = redundancy_problems(server, instance, password, user)
        if not problems and (also is None or also(instance)):
            return instance
        if not problems:
            problems = ["the extra condition does not hold"]
        time.sleep(0.1)
    tail = server.log_text()[-4000:] if hasattr(server, "log_text") else ""
    raise AssertionError(f"{ident} not fully redundant within {timeout}s: {problems}\n"
                         f"--- tandemd log ---\n{tail}")


# ----- client-side load ---------------------------------------------------------------------

def _connect_with_retry(connect, timeout):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return connect()
        except (pymysql.err.MySQLError, OSError) as e:
            if time.monotonic() >= deadline:
                raise AssertionError(f"no connection within {timeout}s: {e}") from e
            time.sleep(RETRY_INTERVAL)


class LedgerWriter:
    """Writer threads through the endpoint that remember what the database acknowledged.

    Rows are (run, writer, seq): run is this ledger's random id, so ledgers can share the
    table. `acknowledged` and `unknown` are snapshots (frozensets of (writer, seq)).
    `errors[writer]` lists (monotonic time, error code or None, message) per failure, a
    failed connection attempt included; on any error the writer drops its connection and
    reconnects every RETRY_INTERVAL for as long as it runs.
    """

    def __init__(self, instance, user, password, ca, threads=4, database=LEDGER_DATABASE,
                 table="ledger", connect_timeout=1.0, io_timeout=5.0):
        self.instance = instance
        self.user = user
        self.password = password
        self.ca = ca
        self.threads = threads
        self.database = database
        self.table = table
        self.connect_timeout = connect_timeout
        self.io_timeout = io_timeout
        self.run_id = uuid.uuid4().hex[:12]
        self.errors = {w: [] for w in range(threads)}
        self.connects = {w: 0 for w in range(threads)}
        self.started_at = None
        self.stopped_at = None
        self.last_verify = None
        self._acked = set()
        self._unknown = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = []

    @property
    def qualified_table(self):
        return f"`{self.database}`.`{self.table}`"

    def _connect(self):
        return endpoint_connect(self.instance, self.user, self.password, self.ca,
                                connect_timeout=self.connect_timeout, io_timeout=self.io_timeout)

    def setup(self, timeout=30.0):
        """Creates the database and table (idempotent), retrying the connection."""
        conn = _connect_with_retry(self._connect, timeout)
        try:
            _rows(conn, f"CREATE DATABASE IF NOT EXISTS `{self.database}`")
            _rows(conn, f"CREATE TABLE IF NOT EXISTS {self.qualified_table} ("
                        "run CHAR(12) NOT NULL, writer INT NOT NULL, seq BIGINT NOT NULL, "
                        "written_at DOUBLE NOT NULL, pad VARCHAR(64) NOT NULL, "
                        "PRIMARY KEY (run, writer, seq)) ENGINE=InnoDB")
        finally:
            conn.close()

    def start(self):
        self.setup()
        self.started_at = time.monotonic()
        for w in range(self.threads):
            t = threading.Thread(target=self._run, args=(w,), name=f"ledger-{w}", daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def stop(self):
        self._stop.set()
        for t in self._threads:
            t.join(timeout=self.io_timeout + self.connect_timeout + 5)
        alive = [t.name for t in self._threads if t.is_alive()]
        self._threads = []
        self.stopped_at = time.monotonic()
        assert not alive, f"ledger writers did not stop: {alive}"
        return self

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _run(self, writer):
        conn = None
        seq = 0
        sql = (f"INSERT INTO {self.qualified_table} (run, writer, seq, written_at, pad) "
               "VALUES (%s, %s, %s, %s, %s)")
        pad = "x" * 48
        while not self._stop.is_set():
            if conn is None:
                try:
                    conn = self._connect()
                    self.connects[writer] += 1
                except (pymysql.err.MySQLError, OSError) as e:
                    self._error(writer, e)
                    self._stop.wait(RETRY_INTERVAL)
                    continue
            seq += 1
            try:
                with conn.cursor() as cur:
                    cur.execute(sql, (self.run_id, writer, seq, time.time(), pad))
                with self._lock:
                    self._acked.add((writer, seq))
            except Exception as e:  # noqa: BLE001 - any failure leaves the outcome unknown
                with self._lock:
                    self._unknown.add((writer, seq))
                self._error(writer, e)
                try:
                    conn.close()
                except Exception:  # noqa: BLE001
                    pass
                conn = None
                self._stop.wait(RETRY_INTERVAL)
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001
                pass

    def _error(self, writer, e):
        code = e.args[0] if getattr(e, "args", None) and isinstance(e.args[0], int) else None
        self.errors[writer].append((time.monotonic(), code, str(e)[:200]))

    @property
    def acknowledged(self):
        with self._lock:
            return frozenset(self._acked)

    @property
    def unknown(self):
        with self._lock:
            return frozenset(self._unknown)

    def error_times(self):
        """{writer: [monotonic times of its errors]}."""
        return {w: [t for t, _, _ in errs] for w, errs in self.errors.items()}

    def error_count(self):
        return sum(len(v) for v in self.errors.values())

    def verify(self, conn):
        """The acknowledged (writer, seq) the database behind conn does not hold, sorted.

        Takes the snapshot of acknowledged rows before reading, so it may run while the
        writers run. Also records in last_verify how many unknown-outcome rows are present,
        and, once stopped, rows that are neither acknowledged nor unknown ("unexpected":
        there should be none; None while the writers run, as a row can commit before its
        acknowledgement arrives).
        """
        stopped = not self._threads
        acked = self.acknowledged
        present = {(int(w), int(s)) for w, s in _rows(
            conn, f"SELECT writer, seq FROM {self.qualified_table} WHERE run = %s", (self.run_id,))}
        unknown = self.unknown
        missing = sorted(acked - present)
        self.last_verify = {
            "acknowledged": len(acked),
            "present": len(present),
            "missing": len(missing),
            "unknown": len(unknown),
            "unknown_present": len(unknown & present),
            "unexpected": sorted(present - acked - unknown)[:20] if stopped else None,
        }
        return missing

    def summary(self):
        return (f"ledger {self.run_id}: {len(self.acknowledged)} acknowledged, "
                f"{len(self.unknown)} unknown, {self.error_count()} errors, "
                f"{sum(self.connects.values())} connections")


class WriteProbe:
    """One connection through the endpoint that INSERTs every `interval` seconds.

    `attempts` is a list of (start, end, ok, error) in monotonic seconds; a failed
    connection attempt is a failed attempt too. Reconnects after any error. A write that
    hangs (a frozen node) fails after io_timeout, a connection attempt after
    connect_timeout: a client's own timeouts bound what it waits on a node that hangs, so
    they are part of what the probe measures there. io_timeout (2 s) is above the 1 s
    semi-sync fallback, so a commit that waits for a lost standby's acknowledgement shows
    as a stall (max_gap), not as a failure.
    """

    def __init__(self, instance, user, password, ca, interval=0.02, database=LEDGER_DATABASE,
                 table="probe", connect_timeout=0.5, io_timeout=2.0):
        self.instance = instance
        self.user = user
        self.password = password
        self.ca = ca
        self.interval = interval
        self.database = database
        self.table = table
        self.connect_timeout = connect_timeout
        self.io_timeout = io_timeout
        self.run_id = uuid.uuid4().hex[:12]
        self.started_at = None
        self.stopped_at = None
        self._attempts = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None

    def _connect(self):
        return endpoint_connect(self.instance, self.user, self.password, self.ca,
                                connect_timeout=self.connect_timeout, io_timeout=self.io_timeout)

    def setup(self, timeout=30.0):
        conn = _connect_with_retry(self._connect, timeout)
        try:
            _rows(conn, f"CREATE DATABASE IF NOT EXISTS `{self.database}`")
            _rows(conn, f"CREATE TABLE IF NOT EXISTS `{self.database}`.`{self.table}` ("
                        "run CHAR(12) NOT NULL, seq BIGINT NOT NULL, PRIMARY KEY (run, seq)) "
                        "ENGINE=InnoDB")
        finally:
            conn.close()

    def start(self):
        self.setup()
        self.started_at = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="write-probe", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.io_timeout + self.connect_timeout + 5)
            assert not self._thread.is_alive(), "the write probe did not stop"
        self.stopped_at = time.monotonic()
        return self

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _run(self):
        conn = None
        seq = 0
        sql = f"INSERT INTO `{self.database}`.`{self.table}` (run, seq) VALUES (%s, %s)"
        next_at = time.monotonic()
        while not self._stop.is_set():
            start = time.monotonic()
            ok, error = False, None
            try:
                if conn is None:
                    conn = self._connect()
                seq += 1
                with conn.cursor() as cur:
                    cur.execute(sql, (self.run_id, seq))
                ok = True
            except Exception as e:  # noqa: BLE001
                error = str(e)[:200]
                if conn is not None:
                    try:
                        conn.close()
                    except Exception:  # noqa: BLE001
                        pass
                conn = None
            end = time.monotonic()
            with self._lock:
                self._attempts.append((start, end, ok, error))
            next_at = max(next_at + self.interval, end if ok else end + RETRY_INTERVAL)
            self._stop.wait(max(0.0, next_at - time.monotonic()))
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001
                pass

    @property
    def attempts(self):
        with self._lock:
            return list(self._attempts)

    def failures(self):
        return [a for a in self.attempts if not a[2]]

    def acks(self):
        return [a for a in self.attempts if a[2]]

    def outages(self):
        """Every write-unavailability window as (from, to, failed attempts): from the end of
        the last acknowledged write before a failure (the probe's start if none) to the end
        of the first acknowledged write after it (math.inf if none came)."""
        attempts = self.attempts
        windows = []
        i = 0
        last_ok_end = self.started_at
        while i < len(attempts):
            start, end, ok, _ = attempts[i]
            if ok:
                last_ok_end = end
                i += 1
                continue
            failed = 0
            while i < len(attempts) and not attempts[i][2]:
                failed += 1
                i += 1
            to = attempts[i][1] if i < len(attempts) else math.inf
            windows.append((last_ok_end, to, failed))
        return windows

    def outage(self):
        """Seconds of the first write-unavailability window, None if writes never failed,
        math.inf if they had not come back when asked."""
        windows = self.outages()
        if not windows:
            return None
        start, end, _ = windows[0]
        return end - start

    def max_gap(self):
        """Longest time between the ends of two consecutive acknowledged writes (stalls
        without errors included); 0.0 with fewer than two acknowledged writes."""
        ends = [a[1] for a in self.acks()]
        return max((b - a for a, b in zip(ends, ends[1:])), default=0.0)

    def unavailability(self):
        """The longest window in which no write was acknowledged: max of every outage
        window and max_gap() (math.inf if writes had not come back)."""
        worst = self.max_gap()
        for start, end, _ in self.outages():
            worst = max(worst, end - start)
        return worst

    def ack_after(self, t):
        """Whether an acknowledged write started at or after monotonic time t."""
        return any(a[2] and a[0] >= t for a in self.attempts)

    def wait_ack_after(self, t, timeout):
        wait_until(lambda: self.ack_after(t), timeout, interval=0.01,
                   what="an acknowledged probe write after the event")

    def summary(self):
        attempts = self.attempts
        windows = self.outages()
        text = ", ".join(f"{(b - a) * 1000:.0f} ms ({n} failed)" for a, b, n in windows) or "none"
        errors = {}
        for a in attempts:
            if not a[2]:
                errors[a[3]] = errors.get(a[3], 0) + 1
        error_text = "; ".join(f"{n}x {e}" for e, n in list(errors.items())[:3])
        return (f"probe: {sum(1 for a in attempts if a[2])}/{len(attempts)} writes acknowledged, "
                f"outages: {text}, longest gap {self.max_gap() * 1000:.0f} ms"
                + (f" (errors: {error_text})" if errors else ""))
