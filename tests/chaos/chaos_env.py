"""What every chaos scenario stands on: a tandemd of its own inside a network namespace of its
own, a tally of trials and violations, and a few waits and reads over the RDS API.

- `Sandbox`: a context manager that creates a network namespace
  (tandem_server.NetworkNamespace), moves this thread into it (so tandemd, its nodes, every
  client and every thread started from here on share it: kernel-path endpoints and the
  scenario's own nftables rules never touch the host's), and a fresh data directory the
  nodes' account can reach. On exit, whatever happened: tandemd is stopped by pid, every
  engine node started under the data directory (and any process still working on one) is
  killed by pid, every cleanup the scenario registered runs (an unmount), the namespace is
  deleted and the data directory removed.
- `Tally`: one scenario's outcome: trials, violations (each a sentence), figures for the
  summary table. A scenario that raises is a violation too ("aborted: ...").
- `ChildProcess`, `node_processes`: processes of the scenario's own, and every process
  working on the data directory's nodes.
- RDS helpers: `describe`, `describe_all`, `events`, `wait_status`, `wait_gone`,
  `create_instance`; `ms_figures` for the summary.

Everything here runs as root (namespaces, nodes as the mysql account, mounts).
"""

import os
import shutil
import signal
import subprocess
import sys
import time
import traceback
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))

from failover_tools import wait_until  # noqa: E402
from tandem_server import (  # noqa: E402
    NetworkNamespace,
    TandemServer,
    isolated_process_env,
    kill_engine_nodes,
    node_reachable_data_dir,
)

USER = "admin"
REGION = "us-east-1"
# Statuses an instance rests in; anything else is work under way.
RESTING_STATUSES = ("available", "stopped", "failed", "incompatible-parameters", "storage-full")

# boto3 must see nothing of the user's AWS setup (TandemServer signs with its own key).
for _var in [v for v in os.environ if v.startswith("AWS_")]:
    del os.environ[_var]
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"


class Tally:
    """Trials, violations and figures of one scenario."""

    def __init__(self, name):
        self.name = name
        self.trials = 0
        self.violations = []
        self.figures = {}  # name -> text, in insertion order
        self.seconds = 0.0

    def violation(self, text):
        self.violations.append(text)
        print(f"  VIOLATION [{self.name}]: {text}", flush=True)

    def check(self, ok, text):
        """Records text as a violation unless ok; returns ok."""
        if not ok:
            self.violation(text)
        return bool(ok)

    def figure(self, name, value):
        self.figures[name] = value


class Sandbox:
    """A namespace, a data directory and a tandemd for one scenario (see the module doc)."""

    def __init__(self, name, tandemd_args=(), before_start=None):
        self.name = name
        self.tandemd_args = ["--endpoint-mode", "kernel", *tandemd_args]
        self.before_start = before_start  # called with the sandbox before tandemd's first start
        self.netns = None
        self.data_dir = None
        self.server = None
        self._cleanups = []

    def __enter__(self):
        try:
            self.netns = NetworkNamespace(f"tchaos-{os.getpid()}-{uuid.uuid4().hex[:6]}")
            self.netns.enter()
            self.data_dir = node_reachable_data_dir(prefix="tchaos-")
            if self.before_start is not None:
                self.before_start(self)
            self.server = TandemServer(self.data_dir, args=self.tandemd_args,
                                       log_path=os.path.join(self.data_dir, "tandemd.log"))
            self.server.start()
            return self
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise

    def on_exit(self, cleanup):
        """Registers cleanup() to run at exit, after tandemd and the nodes are stopped
        (last registered, first run)."""
        self._cleanups.append(cleanup)

    def rds(self):
        return self.server.client(service="rds")

    def sm(self):
        return self.server.client(service="secretsmanager")

    def crash_tandemd(self):
        """SIGKILL to tandemd alone, as a crash would: unlike TandemServer.kill9, what it
        started in its session (an install, a copy) is left running for the restarted tandemd
        to deal with."""
        proc = self.server.proc
        if proc is not None and proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def log_tail(self, chars=3000):
        return self.server.log_text()[-chars:] if self.server else ""

    def __exit__(self, *exc):
        errors = []
        if self.server is not None:
            try:
                self.server.stop()
            except Exception as e:  # noqa: BLE001 - keep cleaning up
                errors.append(e)
        if self.data_dir is not None:
            kill_engine_nodes(self.data_dir)
            # And whatever a killed tandemd left working on the nodes (installs, copies).
            for pid, _, _ in node_processes(self.data_dir):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for cleanup in reversed(self._cleanups):
            try:
                cleanup()
            except Exception as e:  # noqa: BLE001
                errors.append(e)
        if self.netns is not None:
            self.netns.delete()
        if self.data_dir is not None:
            keep = os.environ.get("CHAOS_KEEP_LOGS")
            if keep and self.server is not None and os.path.exists(self.server.log_path):
                os.makedirs(keep, exist_ok=True)
                shutil.copy(self.server.log_path, os.path.join(keep, f"{self.name}-tandemd.log"))
            shutil.rmtree(self.data_dir, ignore_errors=True)
        if errors and exc[0] is None:
            raise errors[0]


def run_scenario(name, body, *args):
    """Runs body(tally, *args); an exception is a violation. Returns the tally."""
    tally = Tally(name)
    started = time.monotonic()
    print(f"\n== {name} ==", flush=True)
    try:
        body(tally, *args)
    except Exception as e:  # noqa: BLE001 - reported as a violation, the suite goes on
        tally.violation(f"aborted: {type(e).__name__}: {str(e)[:1500]}")
        traceback.print_exc()
    tally.seconds = time.monotonic() - started
    return tally


# ----- processes -----------------------------------------------------------------------

def node_processes(data_dir):
    """[(pid, program name, args)] of every process with a path under <data_dir>/nodes/ in its
    arguments: nodes, and installs or copies working on them."""
    marker = os.path.join(os.path.abspath(data_dir), "nodes") + "/"
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                args = f.read().decode("utf-8", "replace").split("\0")
        except OSError:
            continue
        if any(marker in a for a in args):
            found.append((int(entry), os.path.basename(args[0]), args))
    return found


class ChildProcess:
    """A process of the scenario's own, in its own session, output to a file; stopped by pid."""

    def __init__(self, args, log_path, env=None, cwd=None):
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, cwd=cwd,
                                     env=isolated_process_env(env), start_new_session=True)

    def stop(self, timeout=5.0):
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=timeout)
            except ProcessLookupError:
                pass
        self._log.close()
        return self.proc.returncode

    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")


# ----- the RDS API -------------------------------------------------------------------------

def describe(server, ident):
    return server.client(service="rds").describe_db_instances(
        DBInstanceIdentifier=ident)["DBInstances"][0]


def describe_all(server):
    return server.client(service="rds").describe_db_instances()["DBInstances"]


def events(server, ident, minutes=120):
    """Messages of the instance's events, oldest first."""
    found = server.client(service="rds").describe_events(
        SourceIdentifier=ident, SourceType="db-instance", Duration=minutes)["Events"]
    return [e["Message"] for e in found]


def wait_status(server, ident, statuses, timeout, also=None):
    """Waits until the instance's status is one of statuses (and also(instance) holds)."""
    def reached():
        instance = describe(server, ident)
        return instance if instance["DBInstanceStatus"] in statuses and (
            also is None or also(instance)) else None
    return wait_until(reached, timeout, interval=0.1,
                      what=f"{ident} in status {'/'.join(statuses)}")


def wait_gone(server, ident, timeout):
    rds = server.client(service="rds")

    def gone():
        try:
            describe(server, ident)
            return False
        except rds.exceptions.DBInstanceNotFoundFault:
            return True
    wait_until(gone, timeout, interval=0.1, what=f"{ident} deleted")


def create_instance(server, ident, password, multi_az=False, **kwargs):
    server.client(service="rds").create_db_instance(
        DBInstanceIdentifier=ident, Engine="mysql", DBInstanceClass="db.t3.micro",
        AllocatedStorage=20, MasterUsername=USER, MasterUserPassword=password,
        MultiAZ=multi_az, **kwargs)


def ms_figures(values):
    """'p50 X ms, max Y ms' of seconds, or '-' when empty."""
    if not values:
        return "-"
    ordered = sorted(values)
    p50 = ordered[(len(ordered) - 1) // 2]
    return f"p50 {p50 * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms"
