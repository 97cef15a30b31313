"""A real tandemd process for integration tests, and the clients that talk to it.

`TandemServer` starts tandemd on a fresh data directory and a free loopback port,
waits for /_tandem/health, and always stops it by pid. It hands out boto3
clients, an `aws` CLI runner isolated from the user's AWS configuration, and
raw SigV4-signed HTTP requests for what boto3 1.26 cannot express (new
operations, malformed bodies, forged signatures).
"""

import configparser
import datetime
import http.client
import io
import json
import os
import signal
import socket
import ssl
import subprocess
import time
import types
import unittest.mock
import zipfile

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.config
import botocore.credentials

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AWS_CLI = "/usr/bin/aws"
DEFAULT_REGION = "us-east-1"
ACCOUNT_ID = "000000000000"
READY_TIMEOUT_SECONDS = 10.0
STOP_TIMEOUT_SECONDS = 10.0


def tandemd_binary():
    """Path of the tandemd under test; fails (never skips) when it is missing."""
    bin_dir = os.environ.get("TANDEM_BIN_DIR") or os.path.join(REPO_ROOT, "build", "bin")
    path = os.path.join(bin_dir, "tandemd")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise AssertionError(
            f"tandemd binary not found at {path}: build it first (`make build`) "
            "or point TANDEM_BIN_DIR at the directory that holds it"
        )
    return path


def free_loopback_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def isolated_process_env(extra=None):
    """Environment for child processes: no AWS settings inherited from the user."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TANDEM_"))}
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    env["AWS_PAGER"] = ""
    env.setdefault("LC_ALL", "C.UTF-8")
    if extra:
        env.update(extra)
    return env


class HttpResult:
    """A raw HTTP answer: status, lower-cased headers, body bytes."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def error_code(self):
        """The AWS JSON error code (`__type` without any namespace prefix), or None."""
        try:
            doc = self.json()
        except ValueError:
            return None
        code = doc.get("__type") if isinstance(doc, dict) else None
        return code.split("#")[-1] if code else None

    @property
    def error_message(self):
        try:
            doc = self.json()
        except ValueError:
            return None
        return doc.get("Message", doc.get("message")) if isinstance(doc, dict) else None

    def __repr__(self):
        return f"HttpResult({self.status}, {self.body[:300]!r})"


class CliResult(tuple):
    """(rc, parsed json or None, stderr), plus .stdout with the raw text."""

    def __new__(cls, rc, parsed, stderr, stdout):
        obj = super().__new__(cls, (rc, parsed, stderr))
        obj.stdout = stdout
        return obj

    rc = property(lambda self: self[0])
    json = property(lambda self: self[1])
    stderr = property(lambda self: self[2])


class _FrozenDatetimeModule(types.SimpleNamespace):
    """Stands in for the `datetime` module inside botocore.auth to sign at a chosen time."""


def _frozen_datetime(at):
    class FrozenDatetime(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return at.replace(tzinfo=None)

    return _FrozenDatetimeModule(datetime=FrozenDatetime)


class TandemServer:
    """One tandemd process on its own data directory and loopback port."""

    def __init__(self, data_dir, args=(), env=None, tls=False, host="127.0.0.1", port=None,
                 log_path=None):
        self.data_dir = str(data_dir)
        self.extra_args = list(args)
        self.extra_env = dict(env or {})
        self.tls = tls
        self.host = host
        self.port = port or free_loopback_port()
        self.proc = None
        self.log_path = log_path or os.path.join(self.data_dir, "tandemd-test.log")
        self._clients = {}
        self._log_file = None

    # ----- process lifecycle -------------------------------------------------

    @property
    def url(self):
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def ca_bundle(self):
        return os.path.join(self.data_dir, "ca", "rds-combined-ca-bundle.pem")

    @property
    def credentials_path(self):
        return os.path.join(self.data_dir, "credentials")

    def command(self):
        args = [tandemd_binary(), "--data-dir", self.data_dir, "--listen", f"{self.host}:{self.port}"]
        if self.tls:
            args.append("--tls")
        # DB instance endpoints on the kernel path change the nftables rules of the
        # network namespace tandemd runs in: tests get the user-space proxy unless they ask
        # for the kernel path (and then run in a namespace of their own).
        if "--endpoint-mode" not in self.extra_args:
            args += ["--endpoint-mode", "userspace"]
        return args + self.extra_args

    def spawn(self, command=None, env=None):
        """Starts tandemd (own session, output to the log file) without waiting."""
        os.makedirs(self.data_dir, exist_ok=True)
        self._log_file = open(self.log_path, "ab")
        self._log_file.write(f"\n===== start {time.strftime('%H:%M:%S')} =====\n".encode())
        self._log_file.flush()
        self.proc = subprocess.Popen(
            command or self.command(),
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            env=isolated_process_env({**self.extra_env, **(env or {})}),
            start_new_session=True,
        )
        return self.proc

    def start(self):
        self.spawn()
        self.wait_ready()
        return self

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return "(no log)"

    def health(self, timeout=2.0):
        """GET /_tandem/health without authentication: (status, parsed json or raw text)."""
        r = self.raw("GET", "/_tandem/health", timeout=timeout)
        try:
            return r.status, r.json()
        except ValueError:
            return r.status, r.body.decode("utf-8", "replace")

    def wait_ready(self, timeout=READY_TIMEOUT_SECONDS):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"tandemd exited with {self.proc.returncode} before it was ready; "
                    f"command {self.command()}\n--- log ---\n{self.log_text()}"
                )
            try:
                status, doc = self.health(timeout=1.0)
                if status == 200 and isinstance(doc, dict) and doc.get("status") == "ready":
                    return
                last = (status, doc)
            except (OSError, http.client.HTTPException, ssl.SSLError) as e:
                last = e
            time.sleep(0.05)
        self.stop()
        raise AssertionError(
            f"tandemd not ready within {timeout}s (last health answer: {last!r})\n"
            f"--- log ---\n{self.log_text()}"
        )

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=STOP_TIMEOUT_SECONDS):
        """SIGTERM, then SIGKILL after timeout; returns the exit code. Always by pid."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._kill_session()
                self.proc.wait(timeout=timeout)
            except ProcessLookupError:
                pass
        self._kill_session()
        self._close_log()
        return self.proc.returncode

    def kill9(self):
        """SIGKILL by pid (a crash), then reaps it."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=STOP_TIMEOUT_SECONDS)
        self._kill_session()
        self._close_log()
        return self.proc.returncode

    def restart(self, kill=False):
        """Stops (SIGTERM, or SIGKILL with kill=True) and starts again on the same data dir."""
        if kill:
            self.kill9()
        else:
            self.stop()
        self._clients.clear()
        return self.start()

    def _kill_session(self):
        # tandemd runs in its own session whose id is its pid: reap anything it left there.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def _close_log(self):
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    # ----- credentials and clients --------------------------------------------

    def credentials(self):
        """(access key id, secret access key, region) from the generated credentials file."""
        cp = configparser.ConfigParser()
        with open(self.credentials_path) as f:
            cp.read_file(f)
        section = cp["default"]
        return (
            section["aws_access_key_id"],
            section["aws_secret_access_key"],
            section.get("region", DEFAULT_REGION),
        )

    def client(self, region=DEFAULT_REGION, service="secretsmanager", validate=True, verify=None,
               access_key=None, secret_key=None):
        """A boto3 client for this tandemd; retries off so every error surfaces."""
        cache_key = (region, service, validate, verify, access_key, secret_key)
        if cache_key in self._clients:
            return self._clients[cache_key]
        key_id, secret, _ = self.credentials()
        config = botocore.config.Config(
            retries={"total_max_attempts": 1, "max_attempts": 1, "mode": "standard"},
            parameter_validation=validate,
            connect_timeout=5,
            read_timeout=20,
        )
        if verify is None:
            verify = self.ca_bundle if self.tls else True
        client = boto3.session.Session().client(
            service,
            endpoint_url=self.url,
            region_name=region,
            aws_access_key_id=access_key or key_id,
            aws_secret_access_key=secret_key or secret,
            config=config,
            verify=verify,
        )
        self._clients[cache_key] = client
        return client

    def aws(self, *args, region=DEFAULT_REGION, output="json", stdin=None, env=None,
            ca_bundle=None, timeout=60):
        """Runs the aws CLI v2 against this tandemd with only the generated credentials.

        Returns (rc, parsed json or None, stderr); `.stdout` holds the raw output.
        """
        home = os.path.join(self.data_dir, "..", "cli-home")
        os.makedirs(home, exist_ok=True)
        config_file = os.path.join(home, "config")
        if not os.path.exists(config_file):
            open(config_file, "w").close()
        cmd = [AWS_CLI, "--endpoint-url", self.url, "--region", region]
        if "--output" not in args:
            cmd += ["--output", output]
        if self.tls:
            cmd += ["--ca-bundle", ca_bundle or self.ca_bundle]
        cmd += [str(a) for a in args]
        proc_env = isolated_process_env({
            "HOME": os.path.abspath(home),
            "AWS_SHARED_CREDENTIALS_FILE": self.credentials_path,
            "AWS_CONFIG_FILE": config_file,
            "AWS_MAX_ATTEMPTS": "1",
            **(env or {}),
        })
        p = subprocess.run(cmd, input=stdin, capture_output=True, env=proc_env, timeout=timeout)
        out = p.stdout.decode("utf-8", "replace")
        parsed = None
        if output == "json" and out.strip():
            try:
                parsed = json.loads(out)
            except ValueError:
                parsed = None
        return CliResult(p.returncode, parsed, p.stderr.decode("utf-8", "replace"), out)

    # ----- raw HTTP --------------------------------------------------------------

    def _connection(self, timeout):
        if self.tls:
            ctx = ssl.create_default_context(cafile=self.ca_bundle)
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout, context=ctx)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def raw(self, method, path, headers=None, body=b"", timeout=10.0):
        """One HTTP request exactly as given (no signing)."""
        conn = self._connection(timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return HttpResult(resp.status, resp.getheaders(), resp.read())
        finally:
            conn.close()

    def signed_headers(self, operation, body, region=DEFAULT_REGION, service="secretsmanager",
                       access_key=None, secret_key=None, at=None, extra_headers=None):
        """Headers for a JSON 1.1 request signed by botocore's SigV4Auth (at a chosen time)."""
        headers = {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"secretsmanager.{operation}" if operation else None,
            **(extra_headers or {}),
        }
        headers = {k: v for k, v in headers.items() if v is not None}
        return self.sign("POST", "/", headers, body, region=region, service=service,
                         access_key=access_key, secret_key=secret_key, at=at)

    def sign(self, method, target, headers, body, region=DEFAULT_REGION, service="secretsmanager",
             access_key=None, secret_key=None, at=None):
        """headers plus Host, X-Amz-Date and Authorization for any request (target: path and
        query string as sent), signed by botocore's SigV4Auth with this server's key (or the
        given one) at a chosen time."""
        key_id, secret, _ = self.credentials()
        request = botocore.awsrequest.AWSRequest(method=method, url=self.url + target, data=body,
                                                 headers=dict(headers))
        signer = botocore.auth.SigV4Auth(
            botocore.credentials.Credentials(access_key or key_id, secret_key or secret),
            service, region)
        if at is None:
            signer.add_auth(request)
        else:
            with unittest.mock.patch.object(botocore.auth, "datetime", _frozen_datetime(at)):
                signer.add_auth(request)
        out = dict(request.headers.items())
        out["Host"] = f"127.0.0.1:{self.port}"
        return out

    def call(self, operation, params=None, body=None, region=DEFAULT_REGION, **sign_kwargs):
        """A signed Secrets Manager JSON call over raw HTTP: body is params as JSON unless given."""
        if body is None:
            body = json.dumps(params or {}).encode()
        elif isinstance(body, str):
            body = body.encode()
        headers = self.signed_headers(operation, body, region=region, **sign_kwargs)
        return self.raw("POST", "/", headers=headers, body=body)

    def advance_clock(self, seconds):
        r = self.raw("POST", f"/_tandem/test/advance-clock?seconds={int(seconds)}")
        assert r.status == 200, f"advance-clock refused: {r!r}"
        return r

    def send_bytes(self, data, timeout=10.0):
        """Writes raw bytes on a fresh TCP connection and returns what comes back (b'' on close)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
            s.sendall(data)
            chunks = []
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    chunks.append(chunk)
                    if b"\r\n\r\n" in b"".join(chunks) and _complete_http_response(b"".join(chunks)):
                        break
            except (ConnectionResetError, socket.timeout):
                pass
            return b"".join(chunks)


def _complete_http_response(data):
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value.strip() or 0)
    return False


def http_status_of(raw_response):
    """Status code from raw HTTP response bytes, or None."""
    if not raw_response.startswith(b"HTTP/"):
        return None
    try:
        return int(raw_response.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None


# ----- resources that refused requests must leave alone -----------------------------------

def create_watched_resources(server, prefix, timeout=60.0):
    """One secret (value "original"), one Lambda function and one DB instance (waited for
    until available), named <prefix>-secret, -function and -db; the server needs engine
    nodes (launcher(engine_nodes=True))."""
    sm = server.client()
    sm.create_secret(Name=f"{prefix}-secret", SecretString="original")
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as z:
        z.writestr("lambda_function.py", "def lambda_handler(event, context):\n    return event\n")
    server.client(service="lambda").create_function(
        FunctionName=f"{prefix}-function", Runtime="python3.11",
        Role="arn:aws:iam::000000000000:role/tests", Handler="lambda_function.lambda_handler",
        Code={"ZipFile": code.getvalue()})
    rds = server.client(service="rds")
    rds.create_db_instance(DBInstanceIdentifier=f"{prefix}-db", Engine="mysql",
                           DBInstanceClass="db.t3.micro", AllocatedStorage=20,
                           MasterUsername="admin", MasterUserPassword=f"{prefix}-Pa55word")
    deadline = time.monotonic() + timeout
    while rds.describe_db_instances(DBInstanceIdentifier=f"{prefix}-db")["DBInstances"][0][
            "DBInstanceStatus"] != "available":
        assert time.monotonic() < deadline, f"{prefix}-db not available within {timeout}s"
        time.sleep(0.05)


def resources_snapshot(server):
    """What ListSecrets (with each secret's value and versions), DescribeDBInstances and
    ListFunctions answer; equal snapshots mean nothing was created, changed or deleted."""
    sm = server.client()

    def unread(doc):  # LastAccessedDate moves with the snapshot's own reads of the values
        return {k: v for k, v in doc.items() if k != "LastAccessedDate"}

    secrets = [unread(s) for s in sm.list_secrets()["SecretList"]]
    return {
        "secrets": secrets,
        "values": {s["Name"]: sm.get_secret_value(SecretId=s["ARN"])["SecretString"]
                   for s in secrets},
        "versions": {s["Name"]: [unread(v) for v in sm.list_secret_version_ids(
                         SecretId=s["ARN"], IncludeDeprecated=True)["Versions"]]
                     for s in secrets},
        "instances": server.client(service="rds").describe_db_instances()["DBInstances"],
        "functions": server.client(service="lambda").list_functions()["Functions"],
    }


# ----- engine nodes and network namespaces ----------------------------------------

def node_reachable_data_dir(prefix="tdr-"):
    """A fresh, short tandemd data directory the engine nodes' account can pass through.

    pytest's temporary directories are 0700 (root only), and mariadbd runs as `mysql`;
    unix socket paths are also limited to 107 bytes, so the path stays short.
    """
    import tempfile
    path = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
    os.chmod(path, 0o711)
    return path


def engine_node_pids(data_dir):
    """Pids of the mariadbd processes whose config lives under data_dir/nodes."""
    marker = f"--defaults-file={os.path.abspath(data_dir)}/nodes/".encode()
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if args and os.path.basename(args[0]) == b"mariadbd" and any(a.startswith(marker) for a in args):
            pids.append(int(entry))
    return pids


def kill_engine_nodes(data_dir, timeout=10.0):
    """SIGKILLs, by pid, every engine node started under data_dir, and waits until they are gone."""
    pids = engine_node_pids(data_dir)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(os.path.exists(f"/proc/{p}") for p in pids):
        for pid in pids:
            try:  # reap the ones that were our children
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
        time.sleep(0.02)
    return pids


class NetworkNamespace:
    """A network namespace of the test's own (`ip netns add`), with lo up.

    enter() moves this thread (pytest's, and every process it starts from now on) into
    it; leave() moves back. Deleting it removes its nftables rules and conntrack state
    with it, so kernel-path endpoints never touch the host's rules.
    """

    CLONE_NEWNET = 0x40000000

    def __init__(self, name):
        import ctypes
        self.name = name
        self._libc = ctypes.CDLL("libc.so.6", use_errno=True)
        self._host_fd = None
        subprocess.run(["ip", "netns", "add", name], check=True)
        subprocess.run(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"], check=True)

    def _setns(self, fd):
        if self._libc.setns(fd, self.CLONE_NEWNET) != 0:
            import ctypes
            raise OSError(ctypes.get_errno(), "setns failed")

    def enter(self):
        self._host_fd = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        fd = os.open(f"/var/run/netns/{self.name}", os.O_RDONLY)
        try:
            self._setns(fd)
        finally:
            os.close(fd)

    def leave(self):
        if self._host_fd is not None:
            self._setns(self._host_fd)
            os.close(self._host_fd)
            self._host_fd = None

    def delete(self):
        self.leave()
        subprocess.run(["ip", "netns", "delete", self.name], check=False)


def host_nft_ruleset():
    """The host's whole nftables ruleset as text (to prove a suite left it unchanged)."""
    return subprocess.run(["nft", "list", "ruleset"], capture_output=True, check=True).stdout
