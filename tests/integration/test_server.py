"""tandemd as a process: health, first start, credentials, TLS, refusals at start-up,
bad input, crash safety (kill -9) and encryption at rest."""

import base64
import http.client
import json
import os
import socket
import ssl
import stat
import subprocess
import threading
import time
import uuid

import boto3
import botocore.exceptions
import pytest

from aws_checks import MSG_NOT_FOUND, arn_pattern, assert_raw_error, raises_aws, uniq
from disk_checks import files_containing
from tandem_server import http_status_of, tandemd_binary

BAD_INPUT_CODES = {"SerializationException", "ValidationException", "InvalidParameterException",
                   "InvalidRequestException"}


def assert_serving(server):
    """The server still answers health and a signed API call, quickly."""
    started = time.monotonic()
    status, doc = server.health()
    assert status == 200 and doc["status"] == "ready", (status, doc)
    assert server.client().get_random_password(PasswordLength=8)["RandomPassword"]
    assert time.monotonic() - started < 10, "server answered, but slowly"


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def wait_exit(proc, timeout=10.0):
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return None


# ----- health, first start, credentials ---------------------------------------------------------

def test_health_needs_no_auth_and_reveals_nothing(tandemd):
    server = tandemd()
    marker = "health-marker-" + uuid.uuid4().hex
    server.client().create_secret(Name=uniq("health"), SecretString=marker)
    status, doc = server.health()
    assert status == 200 and isinstance(doc, dict) and doc["status"] == "ready", (status, doc)
    body = server.raw("GET", "/_tandem/health").body
    _, secret_key, _ = server.credentials()
    with open(os.path.join(server.data_dir, "master.key"), "rb") as f:
        master = f.read()
    forbidden = [marker.encode(), secret_key.encode(), master.strip(), master.hex().encode(),
                 base64.b64encode(master)]
    for item in forbidden:
        assert item not in body, f"health reveals {item[:12]!r}..."


def test_first_start_writes_credentials_keys_and_ca(tandemd):
    server = tandemd()
    d = server.data_dir
    assert mode_of(server.credentials_path) == 0o600
    assert mode_of(os.path.join(d, "master.key")) == 0o600
    key_id, secret_key, region = server.credentials()
    assert key_id.startswith("AKIA") and len(key_id) == 20, key_id
    assert len(secret_key) == 40
    assert region == "us-east-1"
    for name in ("ca.pem", "rds-combined-ca-bundle.pem", "global-bundle.pem"):
        with open(os.path.join(d, "ca", name)) as f:
            assert "-----BEGIN CERTIFICATE-----" in f.read(), name
    # The log never shows the secret access key.
    assert secret_key not in server.log_text()

    # The aws CLI uses the credentials file as it is.
    rc, out, err = server.aws("secretsmanager", "list-secrets")
    assert rc == 0, err
    assert out == {"SecretList": []}

    # A restart keeps the same keys.
    server.restart()
    assert server.credentials()[:2] == (key_id, secret_key)
    assert server.aws("secretsmanager", "list-secrets").rc == 0


def test_root_key_from_environment(tandemd):
    key_id, secret_key = "AKIATANDEMTESTKEY001", "tandemTestSecretKey/0123456789abcdefghij"
    server = tandemd(env={"TANDEM_ACCESS_KEY_ID": key_id, "TANDEM_SECRET_ACCESS_KEY": secret_key})
    assert server.credentials()[:2] == (key_id, secret_key)
    name = uniq("envkey")
    server.client(access_key=key_id, secret_key=secret_key).create_secret(Name=name, SecretString="x")
    server.stop()
    server.extra_env = {}
    server.start()
    assert server.client(access_key=key_id, secret_key=secret_key).get_secret_value(
        SecretId=name)["SecretString"] == "x"


def test_every_flag_also_from_environment(tandemd, tmp_path):
    server = tandemd.new()
    server.spawn(command=[tandemd_binary()], env={
        "TANDEM_DATA_DIR": server.data_dir,
        "TANDEM_LISTEN": f"127.0.0.1:{server.port}",
        "TANDEM_ACCOUNT_ID": "123456789012",
        "TANDEM_DEFAULT_REGION": "eu-west-2",
    })
    server.wait_ready()
    assert server.credentials()[2] == "eu-west-2"
    name = uniq("envflags")
    arn = server.client("eu-west-2").create_secret(Name=name, SecretString="x")["ARN"]
    assert arn_pattern(name, "eu-west-2", account="123456789012").fullmatch(arn), arn


def test_sigterm_stops_cleanly_and_keeps_data(tandemd):
    server = tandemd()
    name = uniq("term")
    server.client().create_secret(Name=name, SecretString="kept")
    started = time.monotonic()
    assert server.stop() == 0, server.log_text()
    assert time.monotonic() - started < 8
    server.start()
    assert server.client().get_secret_value(SecretId=name)["SecretString"] == "kept"


# ----- TLS ------------------------------------------------------------------------------------------------

def make_other_ca(tmp_path):
    key, cert = tmp_path / "other-ca.key", tmp_path / "other-ca.pem"
    p = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=Some Other CA", "-keyout", str(key), "-out", str(cert)],
                       capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr.decode()
    return str(cert)


def test_tls_with_tandem_ca_bundle(tandemd, tmp_path):
    server = tandemd(tls=True)
    assert server.url.startswith("https://")
    name = uniq("tls")
    sm = server.client(verify=server.ca_bundle)
    sm.create_secret(Name=name, SecretString="over tls")
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "over tls"
    for bundle in ("ca.pem", "global-bundle.pem"):
        other = server.client(verify=os.path.join(server.data_dir, "ca", bundle))
        assert other.get_secret_value(SecretId=name)["SecretString"] == "over tls"

    # Answers longer than one TLS record (16 KB) arrive whole.
    for size in (16 * 1024 + 1, 65536):
        big = uniq("tls-big")
        sm.create_secret(Name=big, SecretString="x" * size)
        assert sm.get_secret_value(SecretId=big)["SecretString"] == "x" * size

    # The certificate names localhost too.
    key_id, secret_key, _ = server.credentials()
    by_name = boto3.session.Session().client(
        "secretsmanager", endpoint_url=f"https://localhost:{server.port}", region_name="us-east-1",
        aws_access_key_id=key_id, aws_secret_access_key=secret_key, verify=server.ca_bundle)
    assert by_name.get_secret_value(SecretId=name)["SecretString"] == "over tls"

    # The aws CLI with --ca-bundle (the runner passes it in TLS mode).
    rc, out, err = server.aws("secretsmanager", "get-secret-value", "--secret-id", name)
    assert rc == 0, err
    assert out["SecretString"] == "over tls"

    # A client trusting another CA refuses the server.
    wrong = server.client(verify=make_other_ca(tmp_path))
    with pytest.raises(botocore.exceptions.SSLError):
        wrong.get_secret_value(SecretId=name)
    rc, out, err = server.aws("secretsmanager", "list-secrets", ca_bundle=make_other_ca(tmp_path))
    assert rc != 0 and "SSL" in err.upper(), err

    # Plain HTTP on the TLS port gets nothing useful back.
    reply = server.send_bytes(b"GET /_tandem/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", timeout=5)
    assert http_status_of(reply) in (None, 400), reply[:200]
    assert b"ready" not in reply


def test_tls_with_operator_certificate(tandemd, tmp_path):
    ca_key, ca_cert = tmp_path / "op-ca.key", tmp_path / "op-ca.pem"
    key, csr, cert = tmp_path / "server.key", tmp_path / "server.csr", tmp_path / "server.pem"
    ext = tmp_path / "san.ext"
    ext.write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    for cmd in (
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
         "/CN=Operator CA", "-keyout", ca_key, "-out", ca_cert],
        ["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
         "-keyout", key, "-out", csr],
        ["openssl", "x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key, "-CAcreateserial",
         "-days", "1", "-extfile", ext, "-out", cert],
    ):
        p = subprocess.run([str(c) for c in cmd], capture_output=True, timeout=60)
        assert p.returncode == 0, p.stderr.decode()
    server = tandemd.new("--tls-cert", str(cert), "--tls-key", str(key), tls=True)
    server.spawn()
    # wait_ready verifies against Tandem's own bundle: probe with the operator's CA instead.
    deadline = time.monotonic() + 10
    while True:
        try:
            ctx = ssl.create_default_context(cafile=str(ca_cert))
            with socket.create_connection(("127.0.0.1", server.port), timeout=2) as raw:
                with ctx.wrap_socket(raw, server_hostname="localhost"):
                    break
        except OSError:
            assert server.running, server.log_text()
            assert time.monotonic() < deadline, server.log_text()
            time.sleep(0.1)
    sm = server.client(verify=str(ca_cert))
    sm.create_secret(Name=uniq("opcert"), SecretString="x")
    with pytest.raises(botocore.exceptions.SSLError):
        server.client(verify=server.ca_bundle).list_secrets()


def test_master_key_file_outside_the_data_dir(tandemd, tmp_path):
    key_file = tmp_path / "keys" / "tandem-master.key"
    key_file.parent.mkdir()
    server = tandemd("--master-key-file", str(key_file))
    assert mode_of(key_file) == 0o600
    assert not os.path.exists(os.path.join(server.data_dir, "master.key"))
    name = uniq("mk")
    server.client().create_secret(Name=name, SecretString="sealed")
    server.restart()
    assert server.client().get_secret_value(SecretId=name)["SecretString"] == "sealed"

    # Another master key cannot open this data directory: tandemd must not come up serving
    # garbage; it refuses to start or refuses to read.
    server.stop()
    other = tandemd.new("--master-key-file", str(tmp_path / "keys" / "other.key"),
                        data_dir=server.data_dir, log_path=str(tmp_path / "other.log"))
    proc = other.spawn()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if other.health(timeout=1)[0] == 200:
                break
        except OSError:
            pass
        time.sleep(0.1)
    if proc.poll() is not None:
        assert proc.returncode != 0
        return
    with pytest.raises(Exception) as e:
        other.client().get_secret_value(SecretId=name)
    assert "sealed" not in str(e.value)


def test_non_loopback_without_tls_is_not_served_in_plain_http(tandemd):
    """Plain HTTP is refused on a non-loopback address unless --insecure-http is given: tandemd
    either exits with a clear message before binding, or serves HTTPS only. No traffic goes to a
    non-loopback address: the probe uses 127.0.0.1."""
    server = tandemd.new(host="0.0.0.0")
    proc = server.spawn()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and proc.poll() is None:
        server.tls = True
        try:
            if server.health(timeout=1)[0] == 200:
                break
        except Exception:
            pass
        time.sleep(0.1)
    if proc.poll() is not None:
        assert proc.returncode != 0
        log = server.log_text().lower()
        assert "insecure-http" in log or "tls" in log, log
        return
    # Still running: it must be HTTPS only.
    server.tls = False
    reply = server.send_bytes(b"GET /_tandem/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", timeout=5)
    assert b"ready" not in reply, "plain HTTP served on a non-loopback address"
    server.tls = True
    assert server.health()[0] == 200


def test_second_tandemd_on_same_data_dir_is_refused(tandemd, tmp_path):
    first = tandemd()
    name = uniq("first")
    first.client().create_secret(Name=name, SecretString="mine")
    second = tandemd.new(data_dir=first.data_dir, log_path=str(tmp_path / "second.log"))
    proc = second.spawn()
    rc = wait_exit(proc)
    assert rc is not None, "a second tandemd kept running on the same data directory"
    assert rc != 0
    log = second.log_text()
    assert "another tandemd" in log.lower() or "lock" in log.lower(), log
    assert str(proc.pid) not in open(os.path.join(first.data_dir, "tandemd.lock")).read()
    assert_serving(first)
    assert first.client().get_secret_value(SecretId=name)["SecretString"] == "mine"


# ----- bad input: each gets an AWS-style answer and the server keeps serving ----------------------------

def test_malformed_json(shared_tandemd):
    for body in (b'{"Name": ', b"{not json}", b'{"Name": "x",}', b"\x00\x01\x02"):
        answer = shared_tandemd.call("CreateSecret", body=body)
        assert_raw_error(answer, "SerializationException")
    assert_serving(shared_tandemd)


def test_wrong_types_and_shapes(shared_tandemd):
    for params in ({"Name": 123, "SecretString": "x"},
                   {"Name": uniq("types"), "SecretString": {"nested": True}},
                   {"Name": uniq("types"), "Tags": "not-a-list"},
                   {"Name": uniq("types"), "SecretBinary": "***not base64***"}):
        answer = shared_tandemd.call("CreateSecret", params)
        assert_raw_error(answer, BAD_INPUT_CODES)
    answer = shared_tandemd.call("ListSecrets", body=b"[1, 2, 3]")
    assert_raw_error(answer, BAD_INPUT_CODES)
    answer = shared_tandemd.call("GetSecretValue", {})  # required SecretId missing
    assert_raw_error(answer, BAD_INPUT_CODES)
    assert_serving(shared_tandemd)


def test_unknown_operation_and_missing_target(shared_tandemd):
    answer = shared_tandemd.call("NoSuchOperation", {})
    assert_raw_error(answer, "UnknownOperationException")
    answer = shared_tandemd.call(None, {"SecretId": "x"})
    assert 400 <= answer.status < 500 and answer.error_code, answer
    assert_serving(shared_tandemd)


def test_secret_string_size_limit(shared_tandemd, sm):
    name = uniq("big")
    answer = shared_tandemd.call("CreateSecret", {"Name": name, "SecretString": "x" * 65537,
                                                  "ClientRequestToken": str(uuid.uuid4())})
    assert_raw_error(answer, "ValidationException")
    with raises_aws("ResourceNotFoundException", MSG_NOT_FOUND):
        sm.describe_secret(SecretId=name)
    sm.create_secret(Name=name, SecretString="x" * 65536)
    assert len(sm.get_secret_value(SecretId=name)["SecretString"]) == 65536
    answer = shared_tandemd.call("PutSecretValue", {"SecretId": name, "SecretString": "y" * 65537,
                                                    "ClientRequestToken": str(uuid.uuid4())})
    assert_raw_error(answer, "ValidationException")
    answer = shared_tandemd.call("PutSecretValue", {
        "SecretId": name, "SecretBinary": base64.b64encode(b"\x01" * 65537).decode(),
        "ClientRequestToken": str(uuid.uuid4())})
    assert_raw_error(answer, "ValidationException")
    assert len(sm.list_secret_version_ids(SecretId=name)["Versions"]) == 1
    assert_serving(shared_tandemd)


def test_body_over_one_mebibyte(shared_tandemd):
    body = json.dumps({"Name": uniq("huge"), "SecretString": "z" * (1024 * 1024 + 100)}).encode()
    headers = shared_tandemd.signed_headers("CreateSecret", body)
    head = "POST / HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + \
        f"Content-Length: {len(body)}\r\n\r\n"
    with socket.create_connection(("127.0.0.1", shared_tandemd.port), timeout=10) as s:
        s.sendall(head.encode())
        s.settimeout(1.0)
        try:
            reply = s.recv(65536)  # a server that checks Content-Length answers before the body
        except socket.timeout:
            reply = b""
        if not reply:
            s.settimeout(10)
            try:
                s.sendall(body)
                reply = s.recv(65536)
            except (BrokenPipeError, ConnectionResetError) as e:
                pytest.fail(f"connection dropped without an answer: {e!r}")
    status = http_status_of(reply)
    assert status == 413 or (status == 400 and b"__type" in reply), reply[:300]
    assert_serving(shared_tandemd)


def test_invalid_utf8(shared_tandemd, sm):
    name = uniq("utf8")
    body = b'{"Name": "' + name.encode() + b'", "SecretString": "bad \xff\xfe \xc3\x28 utf8", ' \
        b'"ClientRequestToken": "' + str(uuid.uuid4()).encode() + b'"}'
    answer = shared_tandemd.call("CreateSecret", body=body)
    assert_raw_error(answer, BAD_INPUT_CODES)
    with raises_aws("ResourceNotFoundException", MSG_NOT_FOUND):
        sm.describe_secret(SecretId=name)
    body = b'{"Name": "bad\xffname", "SecretString": "x", "ClientRequestToken": "' + \
        str(uuid.uuid4()).encode() + b'"}'
    assert_raw_error(shared_tandemd.call("CreateSecret", body=body), BAD_INPUT_CODES)
    assert_serving(shared_tandemd)


@pytest.mark.parametrize("flood", ["one-huge-header", "many-headers"])
def test_header_flood(shared_tandemd, flood):
    if flood == "one-huge-header":
        extra = "X-Flood: " + "a" * (200 * 1024) + "\r\n"
    else:
        extra = "".join(f"X-Flood-{i}: {'b' * 30}\r\n" for i in range(5000))
    request = ("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\n"
               "X-Amz-Target: secretsmanager.ListSecrets\r\n" + extra + "Content-Length: 2\r\n\r\n{}")
    try:
        reply = shared_tandemd.send_bytes(request.encode(), timeout=10)
    except (BrokenPipeError, ConnectionResetError):
        reply = b""
    status = http_status_of(reply)
    assert status in (None, 400, 413, 431), reply[:300]
    assert_serving(shared_tandemd)


def test_garbage_and_half_requests(shared_tandemd):
    for junk in (b"\x16\x03\x01\x02\x00garbage\r\n\r\n", b"NOT HTTP AT ALL\r\n\r\n",
                 b"POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
                 b"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
                 b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n"):
        try:
            reply = shared_tandemd.send_bytes(junk, timeout=5)
        except (BrokenPipeError, ConnectionResetError):
            reply = b""
        status = http_status_of(reply)
        assert status is None or 400 <= status < 500, (junk, reply[:200])
    assert_serving(shared_tandemd)


def test_slow_clients_do_not_block_others(shared_tandemd):
    stalled = []
    try:
        for _ in range(40):
            s = socket.create_connection(("127.0.0.1", shared_tandemd.port), timeout=5)
            s.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\n"
                      b"Content-Length: 100\r\n\r\n{\"Name\": ")
            stalled.append(s)
        half_header = socket.create_connection(("127.0.0.1", shared_tandemd.port), timeout=5)
        half_header.sendall(b"POST / HTTP/1.1\r\nHost: 127.")
        stalled.append(half_header)
        time.sleep(0.3)
        sm = shared_tandemd.client()
        for _ in range(10):
            started = time.monotonic()
            sm.get_random_password(PasswordLength=16)
            # Generous for a loaded machine; a blocked server would wait for its 30 s read timeout.
            assert time.monotonic() - started < 5, "a stalled client held up another request"
        assert_serving(shared_tandemd)
    finally:
        for s in stalled:
            s.close()


def test_keep_alive_connection_serves_several_requests(shared_tandemd):
    conn = http.client.HTTPConnection("127.0.0.1", shared_tandemd.port, timeout=10)
    try:
        for _ in range(3):
            body = b"{}"
            conn.request("POST", "/", body=body, headers=shared_tandemd.signed_headers("ListSecrets", body))
            resp = conn.getresponse()
            assert resp.status == 200
            assert "SecretList" in json.loads(resp.read())
    finally:
        conn.close()


# ----- crash safety: kill -9 loses no acknowledged write -------------------------------------------------

def test_kill9_loses_no_acknowledged_write(tandemd):
    server = tandemd()
    sm = server.client()
    expected = {}  # name -> {"labels": {version: labels}, "values": {version: value}, ...}
    writes = 0
    for i in range(20):
        name = f"crash/{i:02d}-{uuid.uuid4().hex[:6]}"
        state = {"values": {}, "labels": {}, "deleted": False, "tags": {}}
        v = sm.create_secret(Name=name, SecretString=f"{name} v1")["VersionId"]
        state["values"][v] = f"{name} v1"
        state["labels"] = {v: ["AWSCURRENT"]}
        writes += 1
        if i % 2 == 0:
            v2 = sm.put_secret_value(SecretId=name, SecretString=f"{name} v2")["VersionId"]
            state["values"][v2] = f"{name} v2"
            state["labels"] = {v: ["AWSPREVIOUS"], v2: ["AWSCURRENT"]}
            writes += 1
        if i % 3 == 0:
            current = next(k for k, ls in state["labels"].items() if "AWSCURRENT" in ls)
            p = sm.put_secret_value(SecretId=name, SecretString=f"{name} pending",
                                    VersionStages=["AWSPENDING"])["VersionId"]
            state["values"][p] = f"{name} pending"
            state["labels"][p] = ["AWSPENDING"]
            writes += 1
            if i % 2 == 0:
                sm.update_secret_version_stage(SecretId=name, VersionStage="AWSCURRENT",
                                               MoveToVersionId=p, RemoveFromVersionId=current)
                state["labels"] = {k: [l for l in ls if l != "AWSPREVIOUS"] for k, ls in state["labels"].items()}
                state["labels"][current] = ["AWSPREVIOUS"]
                state["labels"][p] = ["AWSCURRENT", "AWSPENDING"]
                state["labels"] = {k: ls for k, ls in state["labels"].items() if ls}
                writes += 1
        if i % 4 == 1:
            sm.tag_resource(SecretId=name, Tags=[{"Key": "n", "Value": str(i)}])
            state["tags"] = {"n": str(i)}
            writes += 1
        if i % 7 == 5:
            sm.delete_secret(SecretId=name, RecoveryWindowInDays=7)
            state["deleted"] = True
            writes += 1
        expected[name] = state
    forced = uniq("crash-forced")
    sm.create_secret(Name=forced, SecretString="gone")
    sm.delete_secret(SecretId=forced, ForceDeleteWithoutRecovery=True)
    writes += 2
    assert writes >= 50, writes

    server.kill9()  # right after the last acknowledgement
    server.start()
    sm = server.client()
    for name, state in expected.items():
        described = sm.describe_secret(SecretId=name)
        labels = {k: sorted(v) for k, v in described["VersionIdsToStages"].items()}
        assert labels == {k: sorted(v) for k, v in state["labels"].items()}, name
        assert ("DeletedDate" in described) == state["deleted"], name
        assert {t["Key"]: t["Value"] for t in described.get("Tags", [])} == state["tags"], name
        if not state["deleted"]:
            for version, value in state["values"].items():
                if version in labels:
                    assert sm.get_secret_value(SecretId=name, VersionId=version)["SecretString"] == value
    with raises_aws("ResourceNotFoundException", MSG_NOT_FOUND):
        sm.describe_secret(SecretId=forced)


def test_kill9_during_a_stream_of_writes(tandemd):
    server = tandemd()
    sm = server.client()
    acknowledged, stop, errors = [], threading.Event(), []

    def writer():
        i = 0
        while not stop.is_set():
            name = f"stream-{i:05d}"
            try:
                sm.create_secret(Name=name, SecretString=f"value {i}")
            except Exception as e:  # the kill interrupts one call
                errors.append(e)
                return
            acknowledged.append(name)
            i += 1

    t = threading.Thread(target=writer)
    t.start()
    deadline = time.monotonic() + 10
    time.sleep(1.0)
    while len(acknowledged) < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.kill9()
    stop.set()
    t.join(timeout=30)
    assert len(acknowledged) >= 20, f"only {len(acknowledged)} writes in 10 seconds"

    server.start()
    sm = server.client()
    for name in acknowledged:
        i = int(name.split("-")[1])
        assert sm.get_secret_value(SecretId=name)["SecretString"] == f"value {i}", name
    listed = {s["Name"] for s in sm.get_paginator("list_secrets").paginate().build_full_result()["SecretList"]}
    assert set(acknowledged) <= listed
    assert len(listed - set(acknowledged)) <= 1  # at most the write in flight at the kill


# ----- encryption at rest ---------------------------------------------------------------------------------

def test_secret_values_never_reach_disk_in_plaintext(tandemd):
    server = tandemd()
    sm = server.client()
    tag = uuid.uuid4().hex
    string_marker = f"TANDEM-SECRET-STRING-{tag}"
    pending_marker = f"TANDEM-PENDING-STRING-{tag}"
    binary_marker = b"TANDEM-SECRET-BINARY-" + tag.encode() + bytes(range(200, 256))
    name = f"grep-visible-name-{tag}"
    description = f"grep-visible-description-{tag}"
    sm.create_secret(Name=name, Description=description, SecretString=string_marker)
    sm.put_secret_value(SecretId=name, SecretString=pending_marker, VersionStages=["AWSPENDING"])
    bin_name = f"grep-visible-binary-{tag}"
    sm.create_secret(Name=bin_name, SecretBinary=binary_marker)
    sm.update_secret(SecretId=bin_name, SecretBinary=binary_marker + b"-v2")
    assert sm.get_secret_value(SecretId=name)["SecretString"] == string_marker
    assert sm.get_secret_value(SecretId=bin_name, VersionStage="AWSPREVIOUS")["SecretBinary"] == binary_marker

    secrets = []
    for s in (string_marker.encode(), pending_marker.encode(), binary_marker):
        secrets += [s, base64.b64encode(s), s.hex().encode(), s.hex().upper().encode()]
    secrets.append(binary_marker[:21 + 32])  # the printable head of the binary value
    visible = [name.encode()]
    log = os.path.abspath(server.log_path)

    def check(when):
        found = files_containing(server.data_dir, secrets + visible)
        leaks = {n[:40]: paths for n, paths in found.items() if paths and n not in visible}
        assert not leaks, f"{when}: secret value in plaintext in {leaks}"
        store_hits = [p for p in found[visible[0]] if os.path.join(server.data_dir, p) != log]
        assert store_hits, f"{when}: the grep found not even the secret's name in the store files"

    check("while running (WAL)")
    server.kill9()
    check("after kill -9")
    server.start()
    assert server.client().get_secret_value(SecretId=name)["SecretString"] == string_marker
    server.stop()
    check("after a clean stop")
