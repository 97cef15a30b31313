"""`make demo`, the guided tour (scripts/demo), runs to completion in its fast form.

The tour starts its own tandemd on a fresh data directory (DEMO_DATA_DIR), creates a
Multi-AZ instance, measures a forced failover and a kill -9 of the primary with
tandem-meter, rotates the master password and stops everything it started. This test
runs it as a user would, with DEMO_FAST=1, and checks what it printed: every step's
heading, the SHOW DATABASES answer, both failover durations, no write lost, the old
password refused; that the meter's JSON report agrees; that the commands the README's
guided tour lists are the ones the tour ran; and that no process it started is left.

As root the tour runs inside a network namespace this test creates and always deletes
(`ip netns exec`), so tandemd's kernel-path endpoint never touches the host's nftables;
otherwise tandemd runs with its user-space endpoint (the tour chooses it when not root).
"""

import json
import os
import re
import shutil
import signal
import subprocess
import uuid

from tandem_server import (
    REPO_ROOT,
    NetworkNamespace,
    isolated_process_env,
    node_reachable_data_dir,
    tandemd_binary,
)

DEMO = os.path.join(REPO_ROOT, "scripts", "demo")
README = os.path.join(REPO_ROOT, "README.md")
TOUR_TIMEOUT_SECONDS = 300
STOP_TIMEOUT_SECONDS = 60
HEADINGS = [
    "=== 1. Start tandemd on a fresh data directory ===",
    "=== 2. Create a Multi-AZ, encrypted MySQL instance with a managed master password ===",
    "=== 3. Read the credentials from Secrets Manager ===",
    "=== 4. Connect with verified TLS ===",
    "=== 5. Measure a forced failover and a crash of the primary with tandem-meter ===",
    "=== 6. The heartbeat rows on the new primary ===",
    "=== 7. Rotate the master password ===",
    "=== 8. Delete the instance and stop tandemd ===",
    "=== Summary ===",
]
# The only commands whose text names this machine (its paths, a port chosen at run time, the
# endpoint mode chosen for a user who is not root); normalized before comparing with the README.
MACHINE_SPECIFIC_PREFIXES = ("export TANDEM_DATA_DIR=", "export PATH=")


def processes_naming(path):
    """Pids of the processes whose command line names path: tandemd (--data-dir), its engine
    nodes (--defaults-file=<path>/nodes/...) and tandem-meter (--json <path>/meter.json)."""
    needle = os.path.abspath(path).encode()
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if needle in f.read():
                    pids.append(int(entry))
        except OSError:
            continue
    return pids


def run_tour(data_dir, namespace):
    """Runs scripts/demo to its end (SIGTERM after the timeout: its trap then stops what it
    started); returns (exit status, everything it printed)."""
    bin_dir = os.path.dirname(tandemd_binary())
    meter = os.path.join(bin_dir, "tandem-meter")
    assert os.access(meter, os.X_OK), f"{meter} not built"
    command = (["ip", "netns", "exec", namespace.name] if namespace else []) + [DEMO]
    env = isolated_process_env({"DEMO_FAST": "1", "DEMO_DATA_DIR": data_dir,
                                "TANDEM_BIN_DIR": bin_dir})
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, env=env)
    try:
        out, _ = proc.communicate(timeout=TOUR_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        out += f"\n(the test stopped the tour after {TOUR_TIMEOUT_SECONDS} s)".encode()
    return proc.returncode, out.decode("utf-8", "replace")


def printed_commands(output):
    """The commands the tour printed ("$ ..." and their continuation lines), one string each."""
    commands = []
    lines = iter(output.splitlines())
    for line in lines:
        if not line.startswith("$ "):
            continue
        command = [line[2:]]
        while command[-1].endswith(("\\", "&&")):
            command.append(next(lines))
        commands.append("\n".join(command))
    return commands


def readme_tour_commands():
    """The commands of the README's guided tour: its code blocks that start with a step
    ("# 1. ..."), comments left out."""
    with open(README) as f:
        text = f.read()
    section = text.split("\n## Guided tour (`make demo`)\n", 1)[1].split("\n## ", 1)[0]
    commands = []
    for block in re.findall(r"^```\n(# \d\. .*?)^```", section, flags=re.S | re.M):
        lines = [line for line in block.splitlines() if line and not line.startswith("#")]
        command = []
        for line in lines:
            command.append(line)
            if not line.endswith(("\\", "&&")):
                commands.append("\n".join(command))
                command = []
    return commands


def comparable(commands):
    """Commands with what names this machine taken out (see MACHINE_SPECIFIC_PREFIXES)."""
    out = []
    for command in commands:
        if command.startswith(MACHINE_SPECIFIC_PREFIXES):
            continue
        command = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:4566", command)
        out.append(command.replace(" --endpoint-mode userspace", ""))
    return out


def test_the_guided_tour_runs_to_completion_and_leaves_nothing_running():
    data_dir = node_reachable_data_dir("tdemo-")
    os.rmdir(data_dir)  # the tour wants a fresh directory: one that does not exist is fine
    namespace = None
    survivors = []
    try:
        if os.geteuid() == 0:
            namespace = NetworkNamespace(f"tdemo-{os.getpid()}-{uuid.uuid4().hex[:6]}")
        status, output = run_tour(data_dir, namespace)
        survivors = processes_naming(data_dir)
        report = None
        if os.path.exists(os.path.join(data_dir, "meter.json")):
            with open(os.path.join(data_dir, "meter.json")) as f:
                report = json.load(f)
    finally:
        for pid in processes_naming(data_dir):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if namespace is not None:
            namespace.delete()
        shutil.rmtree(data_dir, ignore_errors=True)

    tail = output[-6000:]
    assert status == 0, f"the tour failed with exit status {status}:\n{tail}"
    assert not survivors, f"processes started by the tour still run: {survivors}\n{tail}"
    for heading in HEADINGS:
        assert heading in output, f"missing heading {heading!r}:\n{tail}"

    show_databases = output.split("-e 'SHOW DATABASES'", 1)[1]
    assert re.search(r"^\| information_schema +\|$", show_databases, flags=re.M), tail

    summary = output.split("=== Summary ===", 1)[1]
    forced = re.search(r"^failover 1 \(reboot --force-failover\): (\d+) ms", summary, flags=re.M)
    crash = re.search(r"^failover 2 \(kill -9 of the primary\): (\d+) ms", summary, flags=re.M)
    assert forced and crash, f"two failover durations expected in the summary:\n{summary}"
    assert "failover 3" not in summary, summary
    assert re.search(r"^writes lost: 0 \(of [1-9]\d* acknowledged\)$", summary, flags=re.M), summary
    assert re.search(r"^password rotation: \d+ ms in tandemd", summary, flags=re.M), summary

    # The summary is the meter's own report.
    assert report is not None, "no meter.json in the data directory"
    assert report["writes_lost"] == 0 and report["missing_ids"] == [], report
    assert [f["outage_ms"] for f in report["failovers"]] == [int(forced[1]), int(crash[1])]
    assert all(f["outage_ms"] > 0 for f in report["failovers"]), report["failovers"]
    assert [f["node_before"]["hostname"] != f["node_after"]["hostname"]
            for f in report["failovers"]] == [True, True], report["failovers"]

    # The rotated password works, the old one is refused.
    rotation = output.split("=== 7. Rotate the master password ===", 1)[1]
    assert "| admin@%        |" in rotation, rotation
    assert re.search(r"^ERROR 1045 \(28000\): Access denied for user 'admin'", rotation,
                     flags=re.M), rotation
    assert "# refused: exit status 1" in rotation, rotation

    # The README's guided tour lists exactly the commands the tour ran.
    assert comparable(readme_tour_commands()) == comparable(printed_commands(output))
