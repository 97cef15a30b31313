"""Fixtures that start real tandemd processes for the integration tests.

- `tandemd`: a factory, function scope: `tandemd("--enable-test-clock", tls=True)` starts
  one tandemd on a fresh data directory and free loopback port; every server it started
  is stopped (SIGTERM, then SIGKILL, by pid) when the test ends, pass or fail, and so is
  every engine node (mariadbd) started under its data directory. `engine_nodes=True`
  gives it a data directory the nodes' account can reach (for DB instances).
- `shared_tandemd`: one tandemd per test module for the many fast API tests.
- `sm`: a boto3 Secrets Manager client (us-east-1) on the module's shared tandemd.
- `aws`: the aws CLI v2 runner on the module's shared tandemd.
"""

import os
import shutil
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from tandem_server import (  # noqa: E402
    TandemServer,
    kill_engine_nodes,
    node_reachable_data_dir,
    tandemd_binary,
)

# Nothing of the user's AWS setup may leak into boto3 clients made in this process.
for _var in [v for v in os.environ if v.startswith("AWS_")]:
    del os.environ[_var]
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"


class ServerLauncher:
    """Starts TandemServers under one temporary directory and stops them all at the end."""

    def __init__(self, tmp_dir):
        self.tmp_dir = tmp_dir
        self.servers = []
        self.engine_dirs = []  # made for engine nodes; removed at the end

    def new(self, *args, tls=False, env=None, host="127.0.0.1", port=None, data_dir=None,
            log_path=None, engine_nodes=False):
        """A TandemServer, not started (for tests that start it themselves)."""
        tandemd_binary()  # fail early and clearly when the binary is missing
        if data_dir is None and engine_nodes:
            data_dir = node_reachable_data_dir()
            self.engine_dirs.append(data_dir)
        if data_dir is None:
            data_dir = os.path.join(self.tmp_dir, f"data{len(self.servers)}")
        server = TandemServer(data_dir, args=args, env=env, tls=tls, host=host, port=port,
                              log_path=log_path)
        self.servers.append(server)
        return server

    def __call__(self, *args, **kwargs):
        """A started, ready TandemServer."""
        return self.new(*args, **kwargs).start()

    def stop_all(self):
        errors = []
        for server in reversed(self.servers):
            try:
                server.stop()
            except Exception as e:  # keep stopping the others
                errors.append(e)
        # Engine nodes outlive tandemd by design: stop them by pid too.
        for server in self.servers:
            kill_engine_nodes(server.data_dir)
        for path in self.engine_dirs:
            shutil.rmtree(path, ignore_errors=True)
        if errors:
            raise errors[0]


@pytest.fixture
def tandemd(tmp_path):
    launcher = ServerLauncher(str(tmp_path))
    try:
        yield launcher
    finally:
        launcher.stop_all()


@pytest.fixture(scope="module")
def shared_tandemd(tmp_path_factory):
    launcher = ServerLauncher(str(tmp_path_factory.mktemp("shared")))
    try:
        yield launcher()
    finally:
        launcher.stop_all()


@pytest.fixture
def sm(shared_tandemd):
    return shared_tandemd.client()


@pytest.fixture
def aws(shared_tandemd):
    return shared_tandemd.aws


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On failure, attach the tail of each involved tandemd log to the report."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    for name in ("tandemd", "shared_tandemd"):
        value = item.funcargs.get(name) if hasattr(item, "funcargs") else None
        servers = value.servers if isinstance(value, ServerLauncher) else [value] if value else []
        for server in servers:
            tail = server.log_text()[-4000:]
            report.sections.append((f"tandemd log ({server.data_dir})", tail))
