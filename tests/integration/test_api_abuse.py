"""API abuse: 100,000 hostile requests, sent fast, against one real tandemd.

Categories (see CATEGORIES): malformed request lines and headers, bodies that lie about
their Content-Length, chunked-encoding abuse, header blocks and bodies beyond tandemd's
limits (16 KiB, 1 MiB), unsigned requests, wrong signatures, signatures more than 15
minutes old (replayed), signatures scoped to a service that does not exist or to a region
that is no region name, and correctly signed but malformed JSON / form / REST bodies for
real operations of all three protocols. (A well-formed region name that AWS does not have,
such as xx-nowhere-1, is not hostile to Tandem: every region name is a namespace of its own.)

Requests that keep the connection usable are pipelined on keep-alive connections, many per
write; those after which tandemd must close (it cannot frame what follows) get a connection
each. Several threads send at once. Every answer must be a well-formed HTTP/1.1 response
(status line, headers, Content-Length framing, a JSON or XML error body that parses) or a
clean close; and every answer is a 4xx, as AWS gives to all of these (never a 5xx, and no
hostile request is served). Throughout and at the end,
tandemd stays healthy (same pid, /_tandem/health ready), its memory stays flat (VmRSS after
the run minus VmRSS after a warm-up of 5,000 requests < 16 MiB) and its state is unchanged
(ListSecrets, DescribeDBInstances and ListFunctions answer the same before and after).

Within the categories, each request is drawn from a set of templates built once (signed
with botocore at the start of the run, so they stay within the 15-minute window) and the
set is cycled; a signed template may be sent many times, as a replaying attacker would.
"""

import collections
import datetime
import json
import os
import random
import socket
import threading
import time
import xml.etree.ElementTree as ET

import pytest

from conftest import ServerLauncher
from tandem_server import create_watched_resources, resources_snapshot

TOTAL = 100_000
WARMUP = 5_000
THREADS = 4
PIPELINE_BYTES = 48 * 1024  # per write; tandemd reads 16 KiB at a time
MAX_RSS_GROWTH = 16 * 1024 * 1024
MAX_HEADER_BYTES = 16 * 1024  # tandemd's limits (HttpServerOptions)
MAX_BODY_BYTES = 1 << 20
ROLE = "arn:aws:iam::000000000000:role/abuse"
JSON_TYPE = "application/x-amz-json-1.1"
FORM_TYPE = "application/x-www-form-urlencoded; charset=utf-8"

# Share of TOTAL per category, and whether tandemd keeps the connection open after it.
CATEGORIES = {
    # name: (share, keep_alive)
    "malformed-request-line": (0.04, False),
    "malformed-headers": (0.04, False),
    "lying-content-length": (0.04, False),
    "chunked-abuse": (0.05, False),
    "oversized-headers": (0.02, False),
    "oversized-body": (0.02, False),
    "unsigned": (0.10, True),
    "wrong-signature": (0.13, True),
    "replayed": (0.10, True),
    "wrong-service-or-region": (0.08, True),
    "malformed-json": (0.13, True),
    "malformed-query": (0.13, True),
    "malformed-rest-json": (0.12, True),
}


# ----- raw HTTP ---------------------------------------------------------------------------

def http_request(method, target, headers, body=b""):
    """Bytes of one HTTP/1.1 request, headers in the order given (plus Host and
    Content-Length unless given)."""
    lines = [f"{method} {target} HTTP/1.1".encode()]
    names = {k.lower() for k in headers}
    if "host" not in names:
        lines.append(b"Host: 127.0.0.1")
    for name, value in headers.items():
        lines.append(name.encode() + b": " + (value if isinstance(value, bytes) else value.encode()))
    if "content-length" not in names and "transfer-encoding" not in names:
        lines.append(f"Content-Length: {len(body)}".encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


class Malformed(Exception):
    """An answer that is not well-formed HTTP."""


def parse_response(buf, pos):
    """(status, headers dict, body, next position) of the response at buf[pos:], or None if
    it is not all there yet. Raises Malformed for anything but a well-formed answer."""
    end = buf.find(b"\r\n\r\n", pos)
    if end < 0:
        if len(buf) - pos > 64 * 1024:
            raise Malformed(f"no end of head in {bytes(buf[pos:pos + 200])!r}")
        return None
    lines = bytes(buf[pos:end]).split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if len(parts) < 3 or parts[0] != b"HTTP/1.1" or len(parts[1]) != 3 or not parts[1].isdigit():
        raise Malformed(f"bad status line {lines[0]!r}")
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep or not name or name != name.strip() or b"\n" in line or b"\r" in line:
            raise Malformed(f"bad header line {line!r}")
        key = name.decode("ascii").lower()
        if key in headers:
            raise Malformed(f"header {key} twice")
        headers[key] = value.strip().decode("latin-1")
    if parts[1].startswith(b"1"):  # an interim answer (100 Continue): no body
        return int(parts[1]), headers, b"", end + 4
    if "content-length" not in headers or not headers["content-length"].isdigit():
        raise Malformed(f"no Content-Length in {lines!r}")
    length = int(headers["content-length"])
    if len(buf) < end + 4 + length:
        return None
    body = bytes(buf[end + 4:end + 4 + length])
    return int(parts[1]), headers, body, end + 4 + length


def check_error_body(status, headers, body):
    """A 4xx must carry an AWS error a client can parse: JSON with a code, or Query XML."""
    content_type = headers.get("content-type", "")
    if content_type.startswith("text/xml"):
        root = ET.fromstring(body)
        if not root.tag.endswith("ErrorResponse") or root.find("./{*}Error/{*}Code") is None:
            raise Malformed(f"XML error without ErrorResponse/Error/Code: {body[:200]!r}")
        return
    doc = json.loads(body)
    code = doc.get("__type") or headers.get("x-amzn-errortype")
    if not code or not (doc.get("Message") or doc.get("message")):
        raise Malformed(f"JSON error without a code and message: {body[:200]!r}")


class Results:
    """Counts per category: status codes seen, clean closes, and failures (with samples)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.statuses = collections.defaultdict(collections.Counter)
        self.failures = []

    def record(self, category, outcome):
        with self.lock:
            self.statuses[category][outcome] += 1

    def fail(self, category, what, request):
        with self.lock:
            self.statuses[category]["FAILED"] += 1
            if len(self.failures) < 20:
                self.failures.append(f"{category}: {what}; request {request[:300]!r}")

    def acceptable(self, category, status, headers, body, request):
        """Whether an answer is the one AWS gives: a 4xx (no 5xx, and no hostile request
        served) with an error body a client can parse."""
        if not 400 <= status < 500:
            self.fail(category, f"HTTP {status} {body[:300]!r}", request)
            return False
        try:
            check_error_body(status, headers, body)
        except (ValueError, ET.ParseError, Malformed) as e:
            self.fail(category, f"unparsable error body ({e})", request)
            return False
        return True

    def answered(self, category, status, headers, body, request):
        if self.acceptable(category, status, headers, body, request):
            self.record(category, status)


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def run_pipelined(port, batch, results):
    """Sends batch [(category, request bytes)] pipelined on one keep-alive connection and
    checks one well-formed answer per request, in order."""
    with connect(port) as s:
        s.sendall(b"".join(r for _, r in batch))
        buf = bytearray()
        pos = 0
        for i, (category, request) in enumerate(batch):
            while True:
                try:
                    parsed = parse_response(buf, pos)
                except Malformed as e:
                    results.fail(category, str(e), request)
                    return
                if parsed is not None:
                    break
                chunk = s.recv(256 * 1024)
                if not chunk:
                    for c, r in batch[i:]:
                        results.fail(c, "connection closed before its answer", r)
                    return
                buf += chunk
            status, headers, body, pos = parsed
            results.answered(category, status, headers, body, request)
            if headers.get("connection", "").lower() == "close":
                for c, r in batch[i + 1:]:
                    results.fail(c, f"connection closed after {status} to a keep-alive request",
                                 request)
                return


def run_alone(port, category, request, results):
    """Sends a request after which tandemd cannot keep framing, on its own connection, and
    half-closes: the answers (none, or well-formed responses, one per request tandemd could
    frame) must be followed by a clean close (FIN, not a reset)."""
    with connect(port) as s:
        try:
            s.sendall(request)
            s.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            # tandemd refused early (413/431) and stopped reading: read its answer below.
            pass
        buf = bytearray()
        try:
            while True:
                chunk = s.recv(256 * 1024)
                if not chunk:
                    break
                buf += chunk
        except ConnectionResetError:
            return results.fail(category, f"connection reset (after {bytes(buf[:120])!r})",
                                request)
        except socket.timeout:
            return results.fail(category, "no answer and no close within 10 s", request)
    # One outcome per request: "close", or the final statuses before the close ("403+400"
    # when the bytes after a lying Content-Length were answered as a second request).
    statuses = []
    pos = 0
    while pos < len(buf):
        try:
            parsed = parse_response(buf, pos)
        except Malformed as e:
            return results.fail(category, str(e), request)
        if parsed is None:
            return results.fail(category, f"truncated answer {bytes(buf[pos:pos + 200])!r}",
                                request)
        status, headers, body, pos = parsed
        if status < 200:
            continue
        if not results.acceptable(category, status, headers, body, request):
            return
        statuses.append(status)
    outcome = "+".join(str(s) for s in statuses) or "close"
    results.record(category, int(outcome) if outcome.isdigit() else outcome)


# ----- the hostile requests ---------------------------------------------------------------

class Templates:
    """Request bytes per category, built once for one server."""

    def __init__(self, server):
        self.server = server
        self.key_id, self.secret, _ = server.credentials()
        self.now = datetime.datetime.now(datetime.timezone.utc)
        self.by_category = {
            "malformed-request-line": self.malformed_request_lines(),
            "malformed-headers": self.malformed_headers(),
            "lying-content-length": self.lying_content_lengths(),
            "chunked-abuse": self.chunked_abuse(),
            "oversized-headers": self.oversized_headers(),
            "oversized-body": self.oversized_bodies(),
            "unsigned": self.unsigned(),
            "wrong-signature": self.wrong_signatures(),
            "replayed": self.replayed(),
            "wrong-service-or-region": self.wrong_scopes(),
            "malformed-json": self.malformed_json(),
            "malformed-query": self.malformed_query(),
            "malformed-rest-json": self.malformed_rest_json(),
        }

    # Real requests of each protocol, as (service, method, target, headers, body).
    def json_call(self, operation, body):
        return ("secretsmanager", "POST", "/",
                {"Content-Type": JSON_TYPE, "X-Amz-Target": f"secretsmanager.{operation}"}, body)

    def query_call(self, body, target="/"):
        return ("rds", "POST", target, {"Content-Type": FORM_TYPE}, body)

    def rest_call(self, method, target, body=b"", headers=None):
        return ("lambda", method, target, {"Content-Type": "application/json", **(headers or {})},
                body)

    def real_calls(self):
        """Well-formed calls of all three protocols, writes among them, on the resources
        the state check watches: the categories below break each of them (no signature, a
        wrong one, an old date, another scope), so none may take effect."""
        return [
            self.json_call("GetSecretValue", b'{"SecretId": "abuse-secret"}'),
            self.json_call("ListSecrets", b"{}"),
            self.json_call("PutSecretValue",
                           b'{"SecretId": "abuse-secret", "SecretString": "changed", '
                           b'"ClientRequestToken": "11111111-2222-4333-8444-555555555555"}'),
            self.json_call("DeleteSecret", b'{"SecretId": "abuse-secret", '
                                           b'"ForceDeleteWithoutRecovery": true}'),
            self.query_call(b"Action=DescribeDBInstances&Version=2014-10-31"),
            self.query_call(b"Action=DeleteDBInstance&Version=2014-10-31"
                            b"&DBInstanceIdentifier=abuse-db&SkipFinalSnapshot=true"),
            self.query_call(b"Action=ModifyDBInstance&Version=2014-10-31"
                            b"&DBInstanceIdentifier=abuse-db&MasterUserPassword=changed-Pa55"
                            b"&ApplyImmediately=true"),
            self.rest_call("GET", "/2015-03-31/functions/"),
            self.rest_call("GET", "/2015-03-31/functions/abuse-function"),
            self.rest_call("DELETE", "/2015-03-31/functions/abuse-function"),
            self.rest_call("POST", "/2015-03-31/functions/abuse-function/invocations", b"{}"),
        ]

    def signed(self, call, region="us-east-1", service=None, access_key=None, secret_key=None,
               at=None):
        svc, method, target, headers, body = call
        signed = self.server.sign(method, target, headers, body, region=region,
                                  service=service or svc, access_key=access_key,
                                  secret_key=secret_key, at=at)
        return http_request(method, target, signed, body)

    def unsigned(self):
        out = []
        for svc, method, target, headers, body in self.real_calls():
            out.append(http_request(method, target, headers, body))
            out.append(http_request(method, target, {**headers, "X-Amz-Date": "20231114T221320Z"},
                                    body))
        return out

    def wrong_signatures(self):
        out = []
        wrong_secret = ("y" if self.secret[0] != "y" else "z") + self.secret[1:]
        for call in self.real_calls():
            svc, method, target, headers, body = call
            out.append(self.signed(call, access_key="AKIAUNKNOWNKEY000000", secret_key="s" * 40))
            out.append(self.signed(call, secret_key=wrong_secret))
            good = self.server.sign(method, target, headers, body, service=svc)
            auth = good["Authorization"]
            variants = [
                auth[:-64] + "0" * 64,                                   # garbage signature
                auth[:-1],                                               # truncated
                auth.replace("Signature=", "Signature=" + "a" * 5000),   # long
                auth.replace("SignedHeaders=", "SignedHeaders=x-nothing;"),
                auth.replace("aws4_request", "aws5_request"),
                auth.replace("Credential=", "Credential=/"),
                auth.split(",")[0],                                      # no SignedHeaders
                "AWS4-HMAC-SHA256",
                "AWS4-HMAC-SHA256 Credential=, SignedHeaders=, Signature=",
                "Basic dXNlcjpwYXNz",
                "AWS " + self.key_id + ":c2lnbmF0dXJl",
                auth.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512"),
                auth + ", Signature=" + "0" * 64,
                "AWS4-HMAC-SHA256 " + "Credential=a/b/c/d/e/f/g/h, " * 50,
            ]
            for v in variants:
                out.append(http_request(method, target, {**good, "Authorization": v}, body))
            tampered = body + b" " if body else b"{}"
            out.append(http_request(method, target, good, tampered))
            out.append(http_request(method, target, {**good, "X-Amz-Date": "20231114T221320Z"}, body))
            out.append(http_request(method, target, {**good, "X-Amz-Date": "garbage"}, body))
            out.append(http_request(method, target, {**good, "X-Amz-Content-Sha256": "0" * 64},
                                    body))
            if method == "POST" and target == "/":
                out.append(http_request(method, "/?x=1", good, body))
            no_date = {k: v for k, v in good.items() if k.lower() != "x-amz-date"}
            out.append(http_request(method, target, no_date, body))
        return out

    def replayed(self):
        out = []
        for call in self.real_calls():
            for minutes in (-16, -20, -60, -24 * 60, 16, 60):
                at = self.now + datetime.timedelta(minutes=minutes)
                out.append(self.signed(call, at=at))
        return out

    def wrong_scopes(self):
        out = []
        for call in self.real_calls():
            for service in ("s3", "dynamodb", "iam", "RDS", "secretsmanager2", "x" * 200):
                out.append(self.signed(call, service=service))
            # Regions that are no region names (a well-formed one is a namespace).
            for region in ("", "US-EAST-1", "us east 1", "..", "us-east-1:x", "a" * 300,
                           "r\u00e9gion"):
                try:
                    out.append(self.signed(call, region=region))
                except UnicodeEncodeError:
                    pass
        return out

    def malformed_json(self):
        """Bodies each of the operations they are sent to must refuse."""
        any_op = ["GetSecretValue", "CreateSecret", "PutSecretValue", "ListSecrets",
                  "DescribeSecret", "UpdateSecretVersionStage", "GetRandomPassword",
                  "BatchGetSecretValue", "PutResourcePolicy", "DeleteSecret", "TagResource",
                  "RotateSecret"]
        by_secret_id = ["GetSecretValue", "PutSecretValue", "DescribeSecret", "DeleteSecret",
                        "UpdateSecretVersionStage", "TagResource", "RotateSecret",
                        "PutResourcePolicy"]
        groups = [
            (any_op, [  # not a JSON object, or not JSON at all
                b"{", b"}", b"[]", b"null", b"42", b'"x"', b"{'a': 1}", b'{"SecretId": }',
                b'{"SecretId": "x",}', b'{"SecretId": "x" "y"}', b"\xff\xfe{}",
                b'{"SecretId": "\xc3\x28"}', b'{"SecretId": "\xed\xa0\x80"}', b"[" * 10000,
                b"{" * 100 + b"}" * 100, b'{"a":' * 70 + b"1" + b"}" * 70,
                b'{"SecretId": 1e999}', b'{"SecretId": -1e400}', b'{"SecretId": "\\ud800"}',
                b'{"SecretId": "x"} trailing', b"\x00" * 64]),
            (by_secret_id, [  # SecretId missing, of the wrong type, or out of its limits
                b"", b"{}", b'{"SecretId": 123456789012345678901234567890}', b'{"SecretId": ["x"]}',
                b'{"SecretId": {"a": "b"}}', b'{"SecretId": null}', b'{"SecretId": true}',
                b'{"SecretId": "' + b"a" * 5000 + b'"}', b'{"SecretId": ""}',
                b'{"SecretId": "x\\u0000y"}', b'{"SecretId": "no-such-secret"}']),
            (["UpdateSecretVersionStage"], [
                b'{"SecretId": "abuse-secret", "VersionStage": "AWSCURRENT", "MoveToVersionId": 1}',
                b'{"SecretId": "abuse-secret", "VersionStage": "AWSCURRENT", '
                b'"RemoveFromVersionId": "nope-nope-nope-nope-nope-nope-nope"}']),
            (["PutResourcePolicy"], [b'{"SecretId": "abuse-secret", "ResourcePolicy": "{not json"}',
                                     b'{"SecretId": "abuse-secret", "ResourcePolicy": 5}']),
            (["PutSecretValue"], [
                b'{"SecretId": "abuse-secret", "SecretString": "x", "SecretBinary": "AAAA", '
                b'"ClientRequestToken": "11111111-2222-4333-8444-555555555555"}',
                b'{"SecretId": "abuse-secret", "SecretString": "x", "ClientRequestToken": "1"}',
                b'{"SecretId": "abuse-secret", "SecretBinary": "not base64!", '
                b'"ClientRequestToken": "11111111-2222-4333-8444-555555555555"}']),
            (["ListSecrets"], [
                b'{"MaxResults": -1}', b'{"MaxResults": 1.5}', b'{"MaxResults": "10"}',
                b'{"MaxResults": 99999999999999999999}', b'{"Filters": "x"}', b'{"Filters": [null]}',
                b'{"Filters": [{"Key": "nope", "Values": ["x"]}]}', b'{"SortOrder": "sideways"}',
                b'{"NextToken": "not a token we gave"}']),
            (["BatchGetSecretValue"], [b'{"SecretIdList": [' + b'"x",' * 30 + b'"x"]}',
                                       b'{"SecretIdList": ["x"], "Filters": [{"Key": "name", '
                                       b'"Values": ["x"]}]}']),
            (["CreateSecret"], [
                b'{"Name": "abuse-new", "SecretString": "x", "SecretBinary": "AAAA", '
                b'"ClientRequestToken": "11111111-2222-4333-8444-555555555555"}',
                b'{"Name": "abuse-new", "SecretString": "x", "ClientRequestToken": "1"}',
                b'{"Name": "../../etc/passwd", "SecretString": 5}',
                b'{"Name": "abuse secret!", "SecretString": "x", '
                b'"ClientRequestToken": "11111111-2222-4333-8444-555555555555"}',
                b'{"Name": "abuse-secret", "SecretString": "x", '
                b'"ClientRequestToken": "11111111-2222-4333-8444-555555555555"}',  # exists
                b'{"Name": "abuse-new", "SecretString": "' + b"x" * 70000 + b'", '
                b'"ClientRequestToken": "11111111-2222-4333-8444-555555555555"}']),
            (["GetRandomPassword"], [b'{"PasswordLength": 0}', b'{"PasswordLength": 4097}',
                                     b'{"PasswordLength": "32"}',
                                     b'{"PasswordLength": 8, "ExcludeLowercase": true, '
                                     b'"ExcludeUppercase": true, "ExcludeNumbers": true, '
                                     b'"ExcludePunctuation": true}']),
        ]
        out = []
        for ops, bodies in groups:
            for body in bodies:
                for op in ops:
                    out.append(self.signed(self.json_call(op, body)))
        for target in ("secretsmanager.", "secretsmanager.Nope", "secretsmanagerGetSecretValue",
                       "SecretsManager.GetSecretValue", "x" * 2000):
            call = ("secretsmanager", "POST", "/",
                    {"Content-Type": JSON_TYPE, "X-Amz-Target": target}, b"{}")
            out.append(self.signed(call))
        no_target = ("secretsmanager", "POST", "/", {"Content-Type": JSON_TYPE}, b"{}")
        out.append(self.signed(no_target))
        return out

    def malformed_query(self):
        version = b"Version=2014-10-31"
        bodies = [
            b"", b"Action=", b"Version=2014-10-31", b"Action=DescribeDBInstances",
            b"Action=DescribeDBInstances&Version=2099-01-01", b"Action=Nope&" + version,
            b"Action=DescribeDBInstances&Action=DeleteDBInstance&" + version,
            b"Action=DescribeDBInstances&" + version + b"&MaxRecords=abc",
            b"Action=DescribeDBInstances&" + version + b"&MaxRecords=99999999999999999999",
            b"Action=DescribeDBInstances&" + version + b"&MaxRecords=-5",
            b"Action=DescribeDBInstances&" + version + b"&Marker=%zz",
            b"Action=DescribeDBInstances&" + version + b"&Marker=%",
            b"Action=DescribeDBInstances&" + version + b"&Marker=%C3%28",
            b"Action=DescribeDBInstances&" + version + b"&%FF=1",
            b"Action=DescribeDBInstances&" + version + b"&=1",
            b"Action=DescribeDBInstances&" + version + b"&Filters.Filter.1.Name=engine",
            b"Action=DescribeDBInstances&" + version + b"&Filters.Filter.1.Values.Value.1=x",
            b"Action=DescribeDBInstances&" + version + b"&Filters=x",
            b"Action=DescribeDBInstances&" + version + b"&Filters.Filter.1.Name=x"
            b"&Filters.Filter.1.Values=x",
            b"Action=DescribeDBInstances&" + version + b"&" + b"&".join(
                b"Filters.Filter.%d.Name=n%d" % (i, i) for i in range(1, 300)),
            b"Action=DeleteDBInstance&" + version,
            b"Action=DeleteDBInstance&" + version + b"&DBInstanceIdentifier=abuse-db"
            b"&SkipFinalSnapshot=maybe",
            b"Action=DeleteDBInstance&" + version + b"&DBInstanceIdentifier=abuse-db"
            b"&DBInstanceIdentifier=other",
            b"Action=ModifyDBInstance&" + version + b"&DBInstanceIdentifier=abuse-db"
            b"&AllocatedStorage=1.5",
            b"Action=ModifyDBInstance&" + version + b"&DBInstanceIdentifier=abuse-db"
            b"&MultiAZ=yes&ApplyImmediately=true",
            b"Action=ModifyDBInstance&" + version + b"&DBInstanceIdentifier=" + b"a" * 5000,
            b"Action=CreateDBInstance&" + version + b"&DBInstanceIdentifier=abuse-new",
            b"Action=CreateDBInstance&" + version + b"&DBInstanceIdentifier=abuse-new"
            b"&Engine=mysql&DBInstanceClass=db.t3.micro&AllocatedStorage=twenty",
            b"Action=CreateDBInstance&" + version + b"&DBInstanceIdentifier=abuse-new"
            b"&Engine=mysql&DBInstanceClass=db.t3.micro&Tags.Tag.1.Value=no-key",
            b"Action=DescribeEvents&" + version + b"&StartTime=yesterday",
            b"Action=DescribeEvents&" + version + b"&StartTime=2023-13-45T99:99:99Z",
            b"Action=DescribeEvents&" + version + b"&StartTime=2023-11-14T22:13:20+99:00",
            b"Action=DescribeEvents&" + version + b"&Duration=1e9",
            b"Action=DescribeEvents&" + version + b"&EndTime=99999999999999999999",
            b"Action=AddTagsToResource&" + version + b"&ResourceName=arn:x&Tags.Tag.1.Key=",
            b"Action=ModifyDBParameterGroup&" + version + b"&DBParameterGroupName=default.mysql10.11"
            b"&Parameters.Parameter.1.ParameterValue=1",
            b"\x00\x01\x02", b"&&&&&&&",
            b"Action=DescribeDBInstances&" + version + b"&DBInstanceIdentifier=\xff\xfe",
            b"Action=DescribeDBInstances&" + version + b"&" + b"x=1&" * 2000,
        ]
        out = [self.signed(self.query_call(b)) for b in bodies]
        # The same in a query string, and a GET.
        for b in bodies[:12]:
            out.append(self.signed(("rds", "GET", "/?" + b.decode("latin-1"), {}, b"")))
        out.append(self.signed(self.query_call(version, target="/?Action=DescribeDBInstances&" +
                                                version.decode())))  # Version twice
        out.append(self.signed(("rds", "POST", "/", {"Content-Type": "application/json"},
                                b'{"Action": "DescribeDBInstances"}')))
        return out

    def malformed_rest_json(self):
        fn = "/2015-03-31/functions"
        calls = [
            self.rest_call("POST", fn, b"{"),
            self.rest_call("POST", fn, b"[]"),
            self.rest_call("POST", fn, b'{"FunctionName": 5}'),
            self.rest_call("POST", fn, b'{"FunctionName": "abuse-new"}'),
            self.rest_call("POST", fn, b'{"FunctionName": "abuse-new", "Runtime": "python3.11", '
                                        b'"Role": "r", "Handler": "h", "Code": {"ZipFile": "!!"}}'),
            self.rest_call("POST", fn, b'{"FunctionName": "abuse-new", "Runtime": "python3.11", '
                                        b'"Role": "' + ROLE.encode() + b'", "Handler": "h", '
                                        b'"Code": {"ZipFile": "AAAA"}}'),
            self.rest_call("POST", fn, b'{"FunctionName": "../../etc", "Runtime": "python3.11", '
                                        b'"Role": "' + ROLE.encode() + b'", "Handler": "h", '
                                        b'"Code": {"ZipFile": "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}}'),
            self.rest_call("POST", fn, b'{"FunctionName": "abuse-new", "Timeout": "x"}'),
            self.rest_call("POST", fn, b"[" * 5000),
            self.rest_call("GET", fn + "/?MaxItems=abc"),
            self.rest_call("GET", fn + "/?MaxItems=99999999999999999999999"),
            self.rest_call("GET", fn + "/?MaxItems=-1"),
            self.rest_call("GET", fn + "/?Marker=%zz"),
            self.rest_call("GET", fn + "/%zz"),
            self.rest_call("GET", fn + "/%2e%2e%2f%2e%2e%2fetc"),
            self.rest_call("GET", fn + "/" + "a" * 3000),
            self.rest_call("GET", fn + "/abuse-function?Qualifier=" + "9" * 100),
            self.rest_call("GET", "/2015-03-31/nothing"),
            self.rest_call("GET", "/"),
            self.rest_call("PATCH", fn + "/abuse-function"),
            self.rest_call("PUT", fn + "/abuse-function/code", b'{"ZipFile": 1}'),
            self.rest_call("PUT", fn + "/abuse-function/code", b'{"ZipFile": "not base64!"}'),
            self.rest_call("PUT", fn + "/abuse-function/configuration", b'{"Timeout": -5}'),
            self.rest_call("PUT", fn + "/abuse-function/configuration", b'{"MemorySize": 1e99}'),
            self.rest_call("POST", fn + "/abuse-function/invocations", b"{}",
                           {"X-Amz-Invocation-Type": "Sometimes"}),
            self.rest_call("POST", fn + "/abuse-function/invocations", b"{}",
                           {"X-Amz-Log-Type": "Everything"}),
            self.rest_call("POST", fn + "/abuse-function/invocations?Qualifier=%zz", b"{}"),
            self.rest_call("POST", fn + "/abuse-function/invocations?Qualifier=", b"{}"),
            self.rest_call("POST", fn + "/abuse-function/policy", b'{"StatementId": ["x"]}'),
            self.rest_call("POST", fn + "/abuse-function/policy", b'{"StatementId": "s", '
                                                                   b'"Action": "lambda:*"}'),
            self.rest_call("DELETE", fn + "/abuse-function/policy/"),
            self.rest_call("DELETE", fn + "/abuse-function?Qualifier=%00"),
            self.rest_call("DELETE", fn + "/nope-function?Qualifier=$LATEST"),
            self.rest_call("GET", fn + "/abuse-function/policy?Qualifier=%C3%A9%FF"),
        ]
        out = []
        for call in calls:
            try:
                out.append(self.signed(call))
            except (ValueError, UnicodeEncodeError):
                pass
        return out

    # ----- requests tandemd must refuse as HTTP, each on its own connection ----------------

    def malformed_request_lines(self):
        return [
            b"\r\n\r\n", b"GET\r\n\r\n", b"GET /\r\n\r\n", b"GET / HTTP/1.1 extra\r\n\r\n",
            b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", b"GET / HTTP/1.1x\r\nHost: x\r\n\r\n",
            b"G\x00T / HTTP/1.1\r\nHost: x\r\n\r\n", b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", b"GET / HTTP/1.1\n\nHost: x\r\n\r\n",
            b"POST" + b"X" * 20000 + b" / HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
            bytes(range(256)), b" GET / HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET  /  HTTP/1.1\r\nHost: x\r\n\r\n", b"get / http/1.1\r\nHost: x\r\n\r\n",
            b"GET / HTTP/1.1\r", b"GET / HTTP/1.1\r\nHost: x\r\n",  # never finished
            b"\xff" * 100 + b"\r\n\r\n", b"GET http://[::1 HTTP/1.1\r\n\r\n",
        ]

    def malformed_headers(self):
        base = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        return [
            base + b"NoColon\r\n\r\n", base + b"Bad Name: x\r\n\r\n", base + b": novalue\r\n\r\n",
            base + b"X-A : x\r\n\r\n", base + b"X-A: x\r\n folded\r\n\r\n",
            base + b"X-A: \x00\x01\r\n\r\n", base + b"X-A: x\rY: z\r\n\r\n",
            base + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
            base + b"Content-Length: -1\r\n\r\n", base + b"Content-Length: abc\r\n\r\n",
            base + b"Content-Length: 99999999999999999999999\r\n\r\n",
            base + b"Content-Length: 0x10\r\n\r\n", base + b"Content-Length: 1 2\r\n\r\n",
            base + b"Transfer-Encoding: gzip\r\n\r\n", base + b"Transfer-Encoding: chunked, gzip\r\n\r\n",
            base + b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
            base + b"\xff\xfe: x\r\n\r\n", base + b"X-A: x\n\n",
            base + b"Connection: keep-alive\r\nUpgrade: h2c\r\nX: \x7f\r\n\r\n",
            b"GET / HTTP/1.1\r\n\r\n",  # no Host
            b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            base + b"Expect: 100-continue\r\nContent-Length: 10\r\n\r\n",
        ]

    def lying_content_lengths(self):
        out = []
        call = self.json_call("ListSecrets", b"{}")
        svc, method, target, headers, body = call
        signed = self.server.sign(method, target, headers, body, service=svc)
        for claimed in (3, 100, 5000, MAX_BODY_BYTES):  # more than sent: tandemd waits, then EOF
            out.append(http_request(method, target, {**signed, "Content-Length": str(claimed)}, body))
        for claimed in (0, 1):  # less than sent: the rest is garbage as the next request
            out.append(http_request(method, target, {**signed, "Content-Length": str(claimed)},
                                    b'{"SecretId": "x"}'))
        q = b"Action=DescribeDBInstances&Version=2014-10-31"
        for claimed in (len(q) + 10, len(q) - 10, 0):
            out.append(http_request("POST", "/", {"Content-Type": FORM_TYPE,
                                                  "Content-Length": str(claimed)}, q))
        out.append(http_request("GET", "/_tandem/health", {"Content-Length": "10"}, b"abc"))
        out.append(http_request("POST", "/2015-03-31/functions", {"Content-Length": "2"},
                                b'{"FunctionName": "x"}'))
        return out

    def chunked_abuse(self):
        head = (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + JSON_TYPE.encode() +
                b"\r\nX-Amz-Target: secretsmanager.ListSecrets\r\nTransfer-Encoding: chunked\r\n\r\n")
        return [
            head + b"zz\r\nhello\r\n0\r\n\r\n", head + b"-5\r\nhello\r\n0\r\n\r\n",
            head + b"ffffffffffffffffffff\r\nx\r\n0\r\n\r\n",
            head + b"ffffffffffffffff\r\nx\r\n0\r\n\r\n",
            head + b"5\r\nhelloEXTRA\r\n0\r\n\r\n", head + b"5\r\nhel\r\n0\r\n\r\n",
            head + b"2\r\n{}\r\n", head + b"2\r\n{}\r\n0\r\n",  # never terminated
            head + b"2;" + b"e" * 20000 + b"\r\n{}\r\n0\r\n\r\n",
            head + b"2\r\n{}\r\n0\r\nTrailer: " + b"t" * 20000 + b"\r\n\r\n",
            head + b"2\r\n{}\r\n0\r\nBad Trailer\r\n\r\n",
            head + b"1\r\n{\r\n" * 2000 + b"0\r\n\r\n",
            head + b"100001\r\n" + b"x" * 16 + b"\r\n0\r\n\r\n",  # > 1 MiB declared in a chunk
            head + b" 2\r\n{}\r\n0\r\n\r\n", head + b"2\n{}\n0\n\n",
            head + b"\r\n\r\n", head + b"0x2\r\n{}\r\n0\r\n\r\n",
            (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked"
             b"\r\n\r\n2\r\n{}\r\n0\r\n\r\n"),
            (b"POST / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"),
        ]

    def oversized_headers(self):
        big = b"v" * (MAX_HEADER_BYTES + 1024)
        return [
            b"POST / HTTP/1.1\r\nHost: x\r\nX-Big: " + big + b"\r\n\r\n",
            b"POST / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(3000)) +
            b"\r\n",
            b"POST / HTTP/1.1\r\nHost: x\r\nAuthorization: AWS4-HMAC-SHA256 Credential=" + big +
            b"\r\n\r\n",
            b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: " + big + b"\r\nContent-Length: 2\r\n\r\n{}",
        ]

    def oversized_bodies(self):
        out = []
        for claimed in (MAX_BODY_BYTES + 1, 10 * MAX_BODY_BYTES, 2 ** 62):
            out.append(http_request("POST", "/", {"Content-Type": JSON_TYPE,
                                                  "X-Amz-Target": "secretsmanager.CreateSecret",
                                                  "Content-Length": str(claimed)}, b'{"Name": "'))
        return out


def bulk_bodies():
    """A few bodies really sent beyond the limit (fixed count: each is over 1 MiB)."""
    chunk = b"x" * 65536
    head = (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + JSON_TYPE.encode() +
            b"\r\nX-Amz-Target: secretsmanager.CreateSecret\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunked = head + (b"10000\r\n" + chunk + b"\r\n") * 17 + b"0\r\n\r\n"
    plain = http_request("POST", "/", {"Content-Type": JSON_TYPE,
                                       "X-Amz-Target": "secretsmanager.CreateSecret"},
                         b"x" * (MAX_BODY_BYTES + 4096))
    return [chunked, plain]


# ----- the run ----------------------------------------------------------------------------

def plan(templates, total, rng):
    """Work items for total requests: ("pipeline", [(category, bytes)]) or
    ("alone", category, bytes), shuffled."""
    items = []
    for category, (share, keep_alive) in CATEGORIES.items():
        pool = templates.by_category[category]
        assert pool, category
        count = max(1, round(total * share))
        chosen = [(category, pool[i % len(pool)]) for i in range(count)]
        if keep_alive:
            rng.shuffle(chosen)
            batch, size = [], 0
            for c in chosen:
                batch.append(c)
                size += len(c[1])
                if size >= PIPELINE_BYTES or len(batch) >= 200:
                    items.append(("pipeline", batch))
                    batch, size = [], 0
            if batch:
                items.append(("pipeline", batch))
        else:
            items.extend(("alone", category, r) for category, r in chosen)
    rng.shuffle(items)
    return items


def requests_in(items):
    return sum(len(i[1]) if i[0] == "pipeline" else 1 for i in items)


def execute(port, items, results, threads=THREADS):
    queue = list(items)
    lock = threading.Lock()
    errors = []

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                item = queue.pop()
            try:
                if item[0] == "pipeline":
                    run_pipelined(port, item[1], results)
                else:
                    run_alone(port, item[1], item[2], results)
            except Exception as e:  # noqa: BLE001 - reported, and fails the test
                errors.append(repr(e))
                requests = item[1] if item[0] == "pipeline" else [(item[1], item[2])]
                for c, r in requests:
                    results.fail(c, f"client error {e!r}", r)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return errors


def vm_rss(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


class HealthWatch(threading.Thread):
    """Polls /_tandem/health every 200 ms during the run; records anything but ready."""

    def __init__(self, server):
        super().__init__(daemon=True)
        self.server = server
        self.stop = threading.Event()
        self.checks = 0
        self.problems = []

    def run(self):
        while not self.stop.wait(0.2):
            try:
                status, doc = self.server.health(timeout=5.0)
                ok = status == 200 and isinstance(doc, dict) and doc.get("status") == "ready"
            except Exception as e:  # noqa: BLE001 - any failure to answer is the finding
                ok, status, doc = False, None, repr(e)
            self.checks += 1
            if not ok:
                self.problems.append((status, doc))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    launcher = ServerLauncher(str(tmp_path_factory.mktemp("abuse")))
    try:
        srv = launcher(engine_nodes=True)
        create_watched_resources(srv, "abuse")
        yield srv
    finally:
        launcher.stop_all()


def test_hundred_thousand_hostile_requests(server):
    rng = random.Random(int(os.environ.get("TANDEM_ABUSE_SEED", "7")))
    pid = server.proc.pid
    before = resources_snapshot(server)
    templates = Templates(server)
    results = Results()

    warmup = plan(templates, WARMUP, rng)
    main = plan(templates, TOTAL - requests_in(warmup), rng)
    watch = HealthWatch(server)
    watch.start()
    started = time.monotonic()
    errors = execute(server.port, warmup, results)
    for request in bulk_bodies():
        run_alone(server.port, "oversized-body", request, results)
    rss_warm = vm_rss(pid)
    errors += execute(server.port, main, results)
    for request in bulk_bodies():
        run_alone(server.port, "oversized-body", request, results)
    elapsed = time.monotonic() - started
    watch.stop.set()
    watch.join()
    rss_end = vm_rss(pid)

    total = sum(sum(c.values()) for c in results.statuses.values())
    print(f"\n{total} hostile requests in {elapsed:.1f} s ({total / elapsed:.0f}/s), "
          f"{THREADS} threads; health checked {watch.checks} times")
    print(f"tandemd VmRSS after warm-up ({requests_in(warmup)} requests): {rss_warm / 2**20:.1f} MiB,"
          f" after the run: {rss_end / 2**20:.1f} MiB (+{(rss_end - rss_warm) / 2**20:.1f} MiB)")
    print(f"{'category':<26}{'count':>8}  outcomes (HTTP status or clean close: count)")
    for category in CATEGORIES:
        counts = results.statuses[category]
        outcomes = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items(), key=lambda kv: str(kv[0])))
        print(f"{category:<26}{sum(counts.values()):>8}  {outcomes}")

    assert not results.failures, "\n".join(results.failures)
    assert not errors, errors[:5]
    assert total >= TOTAL, total
    assert server.proc.poll() is None and server.proc.pid == pid, "tandemd died"
    assert not watch.problems, watch.problems[:5]
    assert watch.checks > 0
    status, doc = server.health()
    assert status == 200 and doc.get("status") == "ready", (status, doc)
    assert rss_end - rss_warm < MAX_RSS_GROWTH, (rss_warm, rss_end)
    assert resources_snapshot(server) == before
