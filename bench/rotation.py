"""Driver of bench/rotation.sh: against a running tandemd (its data directory and port),
creates a DB instance and an application user, uploads the Python template as a function,
then times N rotations with the built-in single-user rotator and N with the function, and
appends the figures to $BENCH_RESULTS when that is set (bench/lib/bench_results.py)."""

import argparse
import configparser
import io
import json
import os
import statistics
import sys
import time
import urllib.request
import zipfile

import boto3
import botocore.config
import pymysql

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from bench_results import record  # noqa: E402

REGION = "us-east-1"
BUILTIN = f"arn:aws:lambda:{REGION}:000000000000:function:tandem-mysql-single-user"
MASTER_PASSWORD = "Bench-Master-Passw0rd"
TARGETS = {"builtin": 0.3, "python": 1.5}
METRICS = {"builtin": "rotation, built-in single-user rotator",
           "python": "rotation, AWS's Python single-user template as a function"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--rotations", type=int, default=20)
    ap.add_argument("--function", required=True)
    ap.add_argument("--command", default="bench/rotation.sh",
                    help="the command that reproduces this run, for the results")
    args = ap.parse_args()
    url = f"http://127.0.0.1:{args.port}"
    ca = args.data_dir + "/ca/rds-combined-ca-bundle.pem"

    deadline = time.monotonic() + 15
    while True:
        try:
            if urllib.request.urlopen(url + "/_tandem/health", timeout=1).status == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            sys.exit(f"tandemd did not become ready; see {args.data_dir}/tandemd.log")
        time.sleep(0.05)

    creds = configparser.ConfigParser()
    creds.read(args.data_dir + "/credentials")
    session = boto3.session.Session(
        aws_access_key_id=creds["default"]["aws_access_key_id"],
        aws_secret_access_key=creds["default"]["aws_secret_access_key"], region_name=REGION)
    config = botocore.config.Config(retries={"max_attempts": 1}, read_timeout=60)
    sm = session.client("secretsmanager", endpoint_url=url, config=config)
    rds = session.client("rds", endpoint_url=url, config=config)
    lam = session.client("lambda", endpoint_url=url, config=config)

    rds.create_db_instance(DBInstanceIdentifier="benchrot", Engine="mysql",
                           DBInstanceClass="db.t3.micro", AllocatedStorage=20,
                           MasterUsername="admin", MasterUserPassword=MASTER_PASSWORD)
    started = time.monotonic()
    while True:
        instance = rds.describe_db_instances(DBInstanceIdentifier="benchrot")["DBInstances"][0]
        if instance["DBInstanceStatus"] == "available":
            break
        if time.monotonic() - started > 120 or instance["DBInstanceStatus"] == "failed":
            sys.exit(f"instance {instance['DBInstanceStatus']}; see {args.data_dir}/tandemd.log")
        time.sleep(0.05)
    host, port = instance["Endpoint"]["Address"], instance["Endpoint"]["Port"]

    def login(user, password):
        return pymysql.connect(host=host, port=port, user=user, password=password,
                               ssl={"ca": ca, "check_hostname": True}, connect_timeout=5)

    def works(user, password):
        try:
            login(user, password).close()
            return True
        except pymysql.err.OperationalError as e:
            if e.args[0] != 1045:
                raise
            return False

    with login("admin", MASTER_PASSWORD) as conn, conn.cursor() as cur:
        for user in ("bench_builtin", "bench_python"):
            cur.execute(f"CREATE USER '{user}'@'%%' IDENTIFIED BY %s REQUIRE SSL",
                        ("First-Passw0rd",))
            cur.execute(f"GRANT SELECT ON *.* TO '{user}'@'%'")

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.write(args.function, "lambda_function.py")
    function_arn = lam.create_function(
        FunctionName="bench-single-user", Runtime="python3.11",
        Role="arn:aws:iam::000000000000:role/rotation", Handler="lambda_function.lambda_handler",
        Code={"ZipFile": buf.getvalue()}, Timeout=30)["FunctionArn"]

    def engine_has(token):
        with urllib.request.urlopen(url + "/_tandem/rotations", timeout=5) as r:
            records = json.load(r)["Rotations"]
        for rec in records:
            if rec["VersionId"] == token and rec["Attempts"] > 0:
                sys.exit(f"rotation failed: {rec}")
        return any(rec["VersionId"] == token for rec in records)

    results = {}
    for kind, arn in (("builtin", BUILTIN), ("python", function_arn)):
        user = f"bench_{kind}"
        name = f"bench/{kind}"
        sm.create_secret(Name=name, SecretString=json.dumps({
            "engine": "mysql", "host": host, "port": port, "username": user,
            "password": "First-Passw0rd"}))
        sm.rotate_secret(SecretId=name, RotationLambdaARN=arn, RotateImmediately=False)
        # That tests the configuration (testSecret on an AWSPENDING copy), as
        # AWS does; a rotation can start once the copy is gone.
        t0 = time.monotonic()
        while any("AWSPENDING" in stages for stages in
                  sm.describe_secret(SecretId=name)["VersionIdsToStages"].values()):
            if time.monotonic() - t0 > 60:
                sys.exit(f"{kind}: the configuration test did not end in 60 s")
            time.sleep(0.01)
        seconds = []
        for i in range(args.rotations):
            t0 = time.monotonic()
            token = sm.rotate_secret(SecretId=name)["VersionId"]
            while True:
                stages = sm.describe_secret(SecretId=name)["VersionIdsToStages"]
                if stages.get(token) == ["AWSCURRENT"] and not engine_has(token):
                    break
                if time.monotonic() - t0 > 60:
                    sys.exit(f"{kind} rotation {i + 1} not done in 60 s: {stages}; "
                             f"see {args.data_dir}/tandemd.log")
                time.sleep(0.005)
            seconds.append(time.monotonic() - t0)
        final = json.loads(sm.get_secret_value(SecretId=name)["SecretString"])["password"]
        assert works(user, final), f"{kind}: AWSCURRENT's password does not log in"
        assert not works(user, "First-Passw0rd"), f"{kind}: the first password still works"
        results[kind] = seconds
        print(f"{kind:8s} {len(seconds)} rotations: min {min(seconds):.3f} s, "
              f"p50 {statistics.median(seconds):.3f} s, max {max(seconds):.3f} s", flush=True)

    for kind, target in TARGETS.items():
        p50 = statistics.median(results[kind])
        print(f"target {kind} p50 < {target} s: {'met' if p50 < target else 'NOT met'} "
              f"({p50:.3f} s, {p50 / target:.2f}x of the target)")
        record("rotation", METRICS[kind], p50, "s", better="lower",
               trials=[round(t, 4) for t in results[kind]], command=args.command,
               notes=f"{len(results[kind])} rotations, p50, polled every 5 ms; "
                     f"target p50 < {target} s")


if __name__ == "__main__":
    main()
