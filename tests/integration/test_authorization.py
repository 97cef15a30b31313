"""Authorisation, for every operation of every service: a request signed with an unknown
access key, with the right key id and a wrong secret, or correctly signed with an
x-amz-date 20 minutes old, is refused with the protocol's AWS error, and changes nothing.

The table is botocore's: each operation of secretsmanager (JSON 1.1), rds (Query) and
lambda (REST-JSON) is serialized by botocore's own serializer from a minimal input (every
required member, recursively, with a placeholder value), so each request has the method,
path, target header or Action of that operation, exactly as an SDK sends it. The answer is
parsed by botocore's parser for the protocol, so the codes checked are the ones an SDK user
would see:

  protocol   unknown key                       wrong secret / expired date
  JSON 1.1   UnrecognizedClientException 400   InvalidSignatureException 400
  Query      InvalidClientTokenId 403          SignatureDoesNotMatch 403
  REST-JSON  UnrecognizedClientException 403   InvalidSignatureException 403

as AWS answers (expired: "Signature expired: <date> is now earlier than ..." for all three).
"""

import datetime
import http.client
import re

import botocore.awsrequest
import botocore.parsers
import botocore.serialize
import botocore.session
import pytest

from conftest import ServerLauncher
from tandem_server import create_watched_resources, resources_snapshot

SERVICES = ("secretsmanager", "rds", "lambda")
UNKNOWN_KEY = ("AKIAUNKNOWNKEY000000", "x" * 40)
EXPECTED = {
    # protocol: {case: (code, HTTP status)}
    "json": {"unknown-key": ("UnrecognizedClientException", 400),
             "wrong-secret": ("InvalidSignatureException", 400),
             "expired": ("InvalidSignatureException", 400)},
    "query": {"unknown-key": ("InvalidClientTokenId", 403),
              "wrong-secret": ("SignatureDoesNotMatch", 403),
              "expired": ("SignatureDoesNotMatch", 403)},
    "rest-json": {"unknown-key": ("UnrecognizedClientException", 403),
                  "wrong-secret": ("InvalidSignatureException", 403),
                  "expired": ("InvalidSignatureException", 403)},
}
MESSAGES = {
    "unknown-key": "The security token included in the request is invalid",
    "wrong-secret": "The request signature we calculated does not match the signature you provided",
    "expired": "Signature expired: ",
}

_botocore = botocore.session.get_session()


# ----- minimal inputs and botocore's serialization -------------------------------------

def placeholder(shape, depth=0):
    """A value of shape that satisfies its type, enum and minimums (required members only)."""
    t = shape.type_name
    if t == "structure":
        return {name: placeholder(shape.members[name], depth + 1)
                for name in shape.required_members} if depth < 8 else {}
    if t == "list":
        count = max(shape.metadata.get("min", 0), 0)
        return [placeholder(shape.member, depth + 1) for _ in range(min(count, 2))]
    if t == "map":
        return {}
    if t == "string":
        if shape.enum:
            return shape.enum[0]
        return "x" * max(shape.metadata.get("min", 1), 1)
    if t in ("integer", "long"):
        return max(int(shape.metadata.get("min", 1)), 1)
    if t in ("float", "double"):
        return 1.0
    if t == "boolean":
        return False
    if t == "blob":
        return b"x"
    if t == "timestamp":
        return datetime.datetime(2023, 11, 14, 22, 13, 20)
    raise AssertionError(f"no placeholder for shape type {t}")


def serialized_operations(service):
    """(operation name, method, target, headers, body) of each operation, as botocore sends
    it with a minimal input."""
    model = _botocore.get_service_model(service)
    serializer = botocore.serialize.create_serializer(model.protocol, include_validation=False)
    out = []
    for name in model.operation_names:
        op = model.operation_model(name)
        params = placeholder(op.input_shape) if op.input_shape is not None else {}
        request_dict = serializer.serialize_to_request(params, op)
        botocore.awsrequest.prepare_request_dict(request_dict, endpoint_url="http://tandem.invalid")
        prepared = botocore.awsrequest.create_request_object(request_dict).prepare()
        target = prepared.url[len("http://tandem.invalid"):] or "/"
        body = prepared.body or b""
        if isinstance(body, str):
            body = body.encode()
        headers = {k: v for k, v in prepared.headers.items()
                   if k.lower() not in ("content-length", "host")}
        out.append((name, prepared.method, target, headers, body))
    return out


def parse_error(service, operation, status, headers, body):
    """(code, message) as botocore's parser for the service's protocol reads the answer."""
    model = _botocore.get_service_model(service)
    parser = botocore.parsers.create_parser(model.protocol)
    parsed = parser.parse({"status_code": status, "headers": headers, "body": body},
                          model.operation_model(operation).output_shape)
    error = parsed.get("Error", {})
    return error.get("Code"), error.get("Message", "")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One tandemd holding a secret, a DB instance and a function (module scope)."""
    launcher = ServerLauncher(str(tmp_path_factory.mktemp("authz")))
    try:
        srv = launcher(engine_nodes=True)
        create_watched_resources(srv, "authz")
        yield srv
    finally:
        launcher.stop_all()


@pytest.fixture(scope="module")
def before(server):
    return resources_snapshot(server)


# ----- the table ------------------------------------------------------------------------

def sign_case(server, case, service, method, target, headers, body):
    now = datetime.datetime.now(datetime.timezone.utc)
    _, secret, _ = server.credentials()
    if case == "unknown-key":
        return server.sign(method, target, headers, body, service=service,
                           access_key=UNKNOWN_KEY[0], secret_key=UNKNOWN_KEY[1])
    if case == "wrong-secret":
        wrong = ("y" if secret[0] != "y" else "z") + secret[1:]
        return server.sign(method, target, headers, body, service=service, secret_key=wrong)
    assert case == "expired"
    return server.sign(method, target, headers, body, service=service,
                       at=now - datetime.timedelta(minutes=20))


@pytest.mark.parametrize("case", ["unknown-key", "wrong-secret", "expired"])
@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_refuses_a_bad_signature(server, before, service, case):
    protocol = _botocore.get_service_model(service).protocol
    want_code, want_status = EXPECTED[protocol][case]
    operations = serialized_operations(service)
    assert len(operations) >= {"secretsmanager": 20, "rds": 100, "lambda": 50}[service]

    wrong = []
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        for name, method, target, headers, body in operations:
            signed = sign_case(server, case, service, method, target, headers, body)
            conn.request(method, target, body=body, headers=signed)
            resp = conn.getresponse()
            raw = resp.read()
            answer_headers = {k.lower(): v for k, v in resp.getheaders()}
            code, message = parse_error(service, name, resp.status, answer_headers, raw)
            if (code, resp.status) != (want_code, want_status) or MESSAGES[case] not in message:
                wrong.append(f"{name}: {method} {target} -> {resp.status} {code}: {message!r}")
            if resp.will_close:
                conn.close()
    finally:
        conn.close()
    print(f"\n{service} {case}: {len(operations)} operations, {len(wrong)} not refused as AWS does")
    assert not wrong, f"expected {want_code} (HTTP {want_status}):\n" + "\n".join(wrong)
    assert resources_snapshot(server) == before


def test_the_table_sends_real_requests(server):
    """The serialized requests are real ones: each Lambda request's path is its operation's
    request-URI template filled in, and correctly signed, a sample of them per service is
    routed to its operation (no UnknownOperationException, InvalidAction or unknown path),
    so the refusals above are the signature check's."""
    lam = _botocore.get_service_model("lambda")
    for name, method, target, headers, body in serialized_operations("lambda"):
        route = lam.operation_model(name).http
        template = re.sub(r"\{[^}]+\}", "[^/]+", route["requestUri"].split("?")[0])
        assert method == route["method"], name
        assert re.fullmatch(template, target.split("?")[0]), (name, target, route["requestUri"])

    probes = {
        "secretsmanager": ["DescribeSecret", "ListSecrets", "GetRandomPassword"],
        "rds": ["DescribeDBInstances", "DescribeDBParameterGroups", "DescribeEvents"],
        "lambda": ["GetFunction", "ListFunctions", "GetPolicy", "Invoke"],
    }
    for service, names in probes.items():
        for name, method, target, headers, body in serialized_operations(service):
            if name not in names:
                continue
            signed = server.sign(method, target, headers, body, service=service)
            answer = server.raw(method, target, headers=signed, body=body)
            code, _ = parse_error(service, name, answer.status, answer.headers, answer.body)
            assert answer.status < 500 and code not in (
                "UnknownOperationException", "InvalidAction", "InvalidSignatureException",
                "SignatureDoesNotMatch", "UnrecognizedClientException", "InvalidClientTokenId",
            ), (service, name, answer)
