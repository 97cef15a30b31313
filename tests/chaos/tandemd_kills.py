"""Scenario 2: kill -9 of tandemd at a random moment of an operation, N times.

The operations run in cycles on a fresh instance each: create-db-instance (single-AZ),
modify-db-instance --multi-az --apply-immediately, reboot-db-instance --force-failover,
rotate-secret with the built-in rotator tandem-mysql-single-user on a secret for the
instance's master user, delete-db-instance. Each trial asks for one operation, waits a
random time drawn from [0, the operation's usual duration] (so most kills land in the middle
of the work, some just after it), kills tandemd with SIGKILL, starts it again on the same data
directory, and waits a bounded time for everything to settle.

Checked after every trial (violations):
- the operation completed (available; fully redundant Multi-AZ; failed over or the refusal
  event RDS-EVENT-0034; rotation finished, AWSCURRENT on the new version; instance gone) or
  failed cleanly with an event (status failed + "DB instance put into failed state"; the
  rotation recorded failed with its error) -- never left half done;
- no instance in a transitional status (every one available, stopped, failed,
  incompatible-parameters or storage-full within the bound);
- no orphaned engine process: every process running with a file under <data dir>/nodes/
  in its arguments is the mariadbd of a node of a live instance, in one of its zones;
- no secret version lost: every secret's version ids before the trial are still there after
  it, and the master user secret's AWSCURRENT password logs in through the endpoint.
Completion events that are missing (the operation done, its event not recorded) are counted
as a figure.
"""

import json
import os
import random
import time

import pymysql

from chaos_env import (
    REGION,
    RESTING_STATUSES,
    USER,
    Sandbox,
    create_instance,
    describe,
    describe_all,
    events,
    ms_figures,
    wait_gone,
    node_processes,
    wait_status,
)
from failover_tools import endpoint_connect, redundancy_problems, wait_until

OPERATIONS = ("create", "modify-multi-az", "force-failover", "rotate", "delete")
# Upper end of the random kill delay, seconds: about each operation's duration here.
KILL_WINDOW = {"create": 2.5, "modify-multi-az": 3.0, "force-failover": 0.3, "rotate": 0.12,
               "delete": 0.8}
SETTLE_TIMEOUT = 120.0
ROTATION_TIMEOUT = 60.0  # a failing rotation retries for about 15 s before it is recorded failed
SINGLE_USER = f"arn:aws:lambda:{REGION}:000000000000:function:tandem-mysql-single-user"
FIRST_PASSWORD = "Chaos-Ops-Passw0rd-1"
CREATED = "DB instance created"
FAILED = "DB instance put into failed state"
MULTI_AZ_DONE = "Finished applying modification to convert to a Multi-AZ DB instance"
FAILOVER_DONE = "Multi-AZ instance failover completed."
FAILOVER_REFUSED = "Amazon RDS is not attempting a requested failover"
DELETED = "DB instance deleted"


class Cycle:
    """One instance going through the operations, and what the checks need to know of it."""

    def __init__(self, n):
        self.ident = f"chaos-ops-{n}"
        self.secret = f"chaos/{self.ident}/master"
        self.password = FIRST_PASSWORD
        self.failed = False  # an operation failed cleanly: only delete is left to do
        self.exists = False


# ----- observations ---------------------------------------------------------------------

def secret_versions(sandbox):
    """{secret name: set of version ids} of every secret, deprecated versions included."""
    sm = sandbox.sm()
    out = {}
    for listing in sm.get_paginator("list_secrets").paginate():
        for secret in listing["SecretList"]:
            ids = set()
            kwargs = {"SecretId": secret["ARN"], "IncludeDeprecated": True, "MaxResults": 100}
            while True:
                page = sm.list_secret_version_ids(**kwargs)
                ids |= {v["VersionId"] for v in page["Versions"]}
                if not page.get("NextToken"):
                    break
                kwargs["NextToken"] = page["NextToken"]
            out[secret["Name"]] = ids
    return out


def rotations(sandbox):
    answer = sandbox.server.raw("GET", "/_tandem/rotations")
    assert answer.status == 200, answer
    return answer.json()["Rotations"]


def orphans(sandbox):
    """Processes under the nodes directory that are not the mariadbd of a live node."""
    zones = {}
    for instance in describe_all(sandbox.server):
        live = {instance["AvailabilityZone"]}
        if instance.get("MultiAZ") and instance.get("SecondaryAvailabilityZone"):
            live.add(instance["SecondaryAvailabilityZone"])
        zones[instance["DbiResourceId"]] = live
    nodes_dir = os.path.join(os.path.abspath(sandbox.data_dir), "nodes")
    bad = []
    for pid, name, args in node_processes(sandbox.data_dir):
        config = [a for a in args if a.startswith(f"--defaults-file={nodes_dir}/")]
        owner = None
        if name == "mariadbd" and config and "--bootstrap" not in args:
            rid, zone = config[0][len(f"--defaults-file={nodes_dir}/"):].split("/")[:2]
            owner = zone if zone in zones.get(rid, ()) else None
        if owner is None:
            bad.append(f"pid {pid} {name} {' '.join(args)[:200]}")
    return bad


def logs_in(sandbox, instance, user, password):
    try:
        conn = endpoint_connect(instance, user, password, sandbox.server.ca_bundle,
                                connect_timeout=5)
    except pymysql.err.OperationalError as e:
        return f"{e.args[0]}: {e.args[1] if len(e.args) > 1 else ''}"
    conn.close()
    return True


# ----- one trial ------------------------------------------------------------------------

def begin(sandbox, cycle, op, state):
    """Asks for op; fills state with what its outcome is judged by."""
    rds = sandbox.rds()
    if op == "create":
        create_instance(sandbox.server, cycle.ident, cycle.password)
        cycle.exists = True
    elif op == "modify-multi-az":
        rds.modify_db_instance(DBInstanceIdentifier=cycle.ident, MultiAZ=True,
                               ApplyImmediately=True)
    elif op == "force-failover":
        state["from"] = describe(sandbox.server, cycle.ident)["AvailabilityZone"]
        rds.reboot_db_instance(DBInstanceIdentifier=cycle.ident, ForceFailover=True)
    elif op == "rotate":
        state["token"] = sandbox.sm().rotate_secret(
            SecretId=cycle.secret, RotationLambdaARN=SINGLE_USER,
            RotationRules={"AutomaticallyAfterDays": 30})["VersionId"]
    elif op == "delete":
        rds.delete_db_instance(DBInstanceIdentifier=cycle.ident, SkipFinalSnapshot=True)


def busy(sandbox, cycle, op, state):
    """Whether op is still under way (read just before the kill)."""
    if op == "rotate":
        return any(r["VersionId"] == state["token"] for r in rotations(sandbox))
    try:
        instance = describe(sandbox.server, cycle.ident)
    except Exception:  # noqa: BLE001 - deleted already
        return False
    if op == "modify-multi-az" or op == "force-failover":
        return bool(redundancy_problems(sandbox.server, instance, cycle.password)) or (
            op == "force-failover" and instance["AvailabilityZone"] == state["from"])
    return instance["DBInstanceStatus"] not in RESTING_STATUSES


def settle(tally, sandbox, cycle, op, state, n, counts_before):
    """Waits for op's outcome: "done" (with its event), "done, no event", "refused" (a forced
    failover declined with its event), "failed" (cleanly), or None after recording a
    violation (it did not settle within the bound)."""
    server = sandbox.server

    def new_events(message):
        return [m for m in events(server, cycle.ident) if m.startswith(message)][
            counts_before.get(message, 0):]

    try:
        if op == "delete":
            wait_gone(server, cycle.ident, SETTLE_TIMEOUT)
            cycle.exists = False
            return "done" if new_events(DELETED) else "done, no event"
        if op == "rotate":
            def rotated():
                record = [r for r in rotations(sandbox) if r["VersionId"] == state["token"]]
                if record and record[0]["State"] == "failed":
                    return "failed" if record[0]["LastError"] else "failed, no error recorded"
                stages = sandbox.sm().describe_secret(SecretId=cycle.secret)["VersionIdsToStages"]
                return "done" if not record and "AWSCURRENT" in stages.get(state["token"], []) \
                    else None
            outcome = wait_until(rotated, ROTATION_TIMEOUT, interval=0.1,
                                 what=f"the rotation of {cycle.secret} finished or failed")
            if outcome == "done":
                value = json.loads(sandbox.sm().get_secret_value(
                    SecretId=cycle.secret)["SecretString"])
                cycle.password = value["password"]
            return outcome
        instance = wait_status(server, cycle.ident, RESTING_STATUSES, SETTLE_TIMEOUT)
        if instance["DBInstanceStatus"] == "failed":
            cycle.failed = True
            if not new_events(FAILED):
                tally.violation(f"trial {n} ({op}): {cycle.ident} failed without the event "
                                f"'{FAILED}': {events(server, cycle.ident)}")
            return "failed"
        if op == "create":
            wait_status(server, cycle.ident, ("available",), SETTLE_TIMEOUT)
            return "done" if new_events(CREATED) else "done, no event"
        if op == "modify-multi-az":
            wait_until(lambda: not redundancy_problems(server, describe(server, cycle.ident),
                                                       cycle.password),
                       SETTLE_TIMEOUT, interval=0.1, what=f"{cycle.ident} fully redundant")
            return "done" if new_events(MULTI_AZ_DONE) else "done, no event"
        if op == "force-failover":
            def switched():
                now = describe(server, cycle.ident)
                if redundancy_problems(server, now, cycle.password):
                    return None
                if now["AvailabilityZone"] != state["from"]:
                    return "done" if new_events(FAILOVER_DONE) else "done, no event"
                return "refused" if new_events(FAILOVER_REFUSED) else None
            return wait_until(switched, SETTLE_TIMEOUT, interval=0.1,
                              what=f"{cycle.ident} switched over (or the refusal event), "
                                   "fully redundant")
    except AssertionError as e:
        tally.violation(f"trial {n} ({op}): did not settle: {str(e)[:800]}")
        return None
    return None


def check_invariants(tally, sandbox, cycle, op, n, versions_before):
    server = sandbox.server
    try:
        wait_until(lambda: all(i["DBInstanceStatus"] in RESTING_STATUSES
                               for i in describe_all(server)), SETTLE_TIMEOUT, interval=0.1,
                   what="every instance in a resting status")
    except AssertionError as e:
        tally.violation(f"trial {n} ({op}): an instance stuck in a transitional status: "
                        f"{str(e)[:500]}")
    # A node being stopped, or a copy's helper, may take a moment to be gone.
    try:
        wait_until(lambda: not orphans(sandbox), 10, interval=0.1, what="no orphaned process")
    except AssertionError:
        tally.violation(f"trial {n} ({op}): orphaned processes: {orphans(sandbox)}")
    after = secret_versions(sandbox)
    for name, ids in versions_before.items():
        lost = ids - after.get(name, set())
        tally.check(not lost, f"trial {n} ({op}): secret {name} lost versions {sorted(lost)}")
    if cycle.exists and not cycle.failed and cycle.secret in after:
        value = json.loads(sandbox.sm().get_secret_value(SecretId=cycle.secret)["SecretString"])
        instance = describe(server, cycle.ident)
        ok = logs_in(sandbox, instance, value["username"], value["password"])
        tally.check(ok is True, f"trial {n} ({op}): the AWSCURRENT password of {cycle.secret} "
                                f"does not log in ({ok})")


def trial(tally, sandbox, rng, cycle, op, n, figures):
    server = sandbox.server
    if op == "rotate" and cycle.secret not in secret_versions(sandbox):
        instance = describe(server, cycle.ident)
        sandbox.sm().create_secret(Name=cycle.secret, SecretString=json.dumps({
            "engine": "mysql", "host": instance["Endpoint"]["Address"],
            "port": instance["Endpoint"]["Port"], "username": USER,
            "password": cycle.password}))
    versions_before = secret_versions(sandbox)
    counts_before = {}
    if cycle.exists:
        for message in (CREATED, FAILED, MULTI_AZ_DONE, FAILOVER_DONE, FAILOVER_REFUSED, DELETED):
            counts_before[message] = sum(m.startswith(message)
                                         for m in events(server, cycle.ident))
    state = {}
    delay = rng.uniform(0.0, KILL_WINDOW[op])
    begin(sandbox, cycle, op, state)
    began = time.monotonic()
    time.sleep(delay)
    mid = busy(sandbox, cycle, op, state)
    sandbox.crash_tandemd()
    killed_at = time.monotonic()
    server.start()
    figures["restart"].append(time.monotonic() - killed_at)
    outcome = settle(tally, sandbox, cycle, op, state, n, counts_before)
    if outcome == "failed, no error recorded":
        tally.violation(f"trial {n} ({op}): the rotation failed without saying why")
    figures["settle"].append(time.monotonic() - killed_at)
    figures["mid"] += bool(mid)
    figures["outcomes"][outcome] = figures["outcomes"].get(outcome, 0) + 1
    print(f"  kill {n}: {op}, tandemd killed {(killed_at - began) * 1000:.0f} ms in "
          f"({'mid-operation' if mid else 'after it finished'}), outcome {outcome}, settled "
          f"{figures['settle'][-1]:.1f} s after the kill", flush=True)
    check_invariants(tally, sandbox, cycle, op, n, versions_before)


def run(tally, kills, seed):
    rng = random.Random(seed)
    print(f"  random seed {seed} (CHAOS_SEED={seed} repeats this run's delays)", flush=True)
    figures = {"restart": [], "settle": [], "mid": 0, "outcomes": {}}
    with Sandbox("tandemd-kills") as sandbox:
        n = 0
        cycle_number = 0
        while n < kills:
            cycle_number += 1
            cycle = Cycle(cycle_number)
            for op in OPERATIONS:
                if n >= kills:
                    break
                if cycle.failed and op != "delete":
                    continue
                n += 1
                tally.trials += 1
                trial(tally, sandbox, rng, cycle, op, n, figures)
            if cycle.exists and n >= kills:
                # Leave nothing behind for the sandbox's teardown to find mid-work.
                sandbox.rds().delete_db_instance(DBInstanceIdentifier=cycle.ident,
                                                 SkipFinalSnapshot=True)
                wait_gone(sandbox.server, cycle.ident, SETTLE_TIMEOUT)
    outcomes = figures["outcomes"]
    tally.figure("killed mid-operation", f"{figures['mid']}/{tally.trials}")
    tally.figure("outcomes", ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items(),
                                                                     key=lambda kv: str(kv[0]))))
    tally.figure("tandemd restart", ms_figures(figures["restart"]))
    tally.figure("settled after kill", ms_figures(figures["settle"]))
