#!/usr/bin/python3
"""Writes sigv4_vectors.json: requests signed by the real botocore.

Run with Debian's python3 and python3-botocore:

    /usr/bin/python3 tests/unit/data/make_sigv4_vectors.py > tests/unit/data/sigv4_vectors.json

Each vector is a request as it goes on the wire (method, request-target,
header fields, body) after botocore.auth.SigV4Auth signed it, with botocore's
canonical request for comparison. Requests are built the way botocore's
serializers build them: paths and url-form query strings arrive already
percent-encoded; params-form queries are url-encoded by botocore itself.
"""

import base64
import datetime
import hashlib
import json
import sys
import types
from urllib.parse import urlsplit

import botocore
import botocore.auth
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.utils import percent_encode_sequence

SIGNED_AT = datetime.datetime(2023, 11, 14, 22, 13, 20)
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


class FixedClock(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return SIGNED_AT


# botocore reads the signing time from datetime.datetime.utcnow().
botocore.auth.datetime = types.SimpleNamespace(datetime=FixedClock)


class RecordingSigV4Auth(SigV4Auth):
    """SigV4Auth that keeps the canonical request it signed."""

    def canonical_request(self, request):
        self.recorded = super().canonical_request(request)
        return self.recorded


def sign(name, method, url, service, region, headers=(), body=b"", params=None,
         token=None):
    request = AWSRequest(method=method, url=url, data=body, params=params or {})
    for key, value in headers:
        # HTTPHeaders appends: a name given twice is sent twice.
        request.headers[key] = value
    auth = RecordingSigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY, token), service, region)
    auth.add_auth(request)

    prepared = request.prepare()
    parts = urlsplit(prepared.url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    wire_headers = [[k, v if isinstance(v, str) else v.decode("latin-1")]
                    for k, v in request.headers.items()]
    if not any(k.lower() == "host" for k, _ in wire_headers):
        # What the HTTP client adds, as botocore assumed when it signed.
        wire_headers.insert(0, ["Host", botocore.auth._host_from_url(prepared.url)])
    if body:
        wire_headers.append(["Content-Length", str(len(body))])
    return {
        "name": name,
        "access_key_id": ACCESS_KEY,
        "secret_access_key": SECRET_KEY,
        "region": region,
        "service": service,
        "now": int(SIGNED_AT.replace(tzinfo=datetime.timezone.utc).timestamp()),
        "method": method,
        "target": target,
        "headers": wire_headers,
        "body_base64": base64.b64encode(body).decode(),
        "canonical_request": auth.recorded,
    }


def main():
    json11 = [("Content-Type", "application/x-amz-json-1.1")]
    vectors = [
        sign("json11_get_secret_value", "POST", "http://localhost:4566/", "secretsmanager",
             "us-west-2",
             json11 + [("X-Amz-Target", "secretsmanager.GetSecretValue")],
             b'{"SecretId": "prod/db/password"}'),
        sign("json11_unicode_body", "POST", "http://127.0.0.1:4566/", "secretsmanager",
             "eu-west-1",
             json11 + [("X-Amz-Target", "secretsmanager.CreateSecret"),
                       ("amz-sdk-invocation-id", "6f0b6f43-7d1e-4a8b-9d7e-0a1b2c3d4e5f")],
             json.dumps({"Name": "caf\u00e9", "SecretString": "p\u00e4ss \u20ac"},
                        ensure_ascii=False).encode()),
        sign("query_form_post", "POST", "http://localhost:4566/", "rds", "eu-central-1",
             [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
             b"Action=DescribeDBInstances&Version=2014-10-31&DBInstanceIdentifier=db-1"),
        sign("get_params_special_chars", "GET", "http://localhost:4566/2015-03-31/functions/",
             "lambda", "ap-southeast-2",
             params={"Marker": "a b+c/d~e*f!'()", "MaxItems": "10", "Empty": "",
                     "Unicode": "\u20ac\u00e9", "Eq": "x=y&z"}),
        sign("get_url_query_repeated_keys", "GET",
             "http://localhost:4566/things?" + percent_encode_sequence(
                 [("b", "2"), ("a", "1"), ("b", "1"), ("c", "\u20ac"), ("d", "x y"),
                  ("e", "")]),
             "lambda", "us-east-1"),
        sign("get_url_query_key_without_value", "GET",
             "http://localhost:4566/things?versions&list-type=2", "lambda", "us-east-1"),
        sign("path_with_spaces_and_unicode", "POST",
             "http://localhost:4566/2015-03-31/functions/my%20function%E2%82%AC/invocations",
             "lambda", "us-east-1", [("Content-Type", "application/json")], b'{"a": 1}'),
        sign("path_with_dot_segments", "GET", "http://localhost:4566/a/./b/../c//d/",
             "lambda", "us-east-1"),
        sign("headers_with_runs_of_spaces", "POST", "http://localhost:4566/", "secretsmanager",
             "us-west-2",
             json11 + [("X-Amz-Target", "secretsmanager.ListSecrets"),
                       ("X-Amz-Meta-Note", "  a   b \t c  "),
                       ("X-Amz-Meta-Dup", "first  value"), ("X-Amz-Meta-Dup", "second")],
             b"{}"),
        sign("empty_body_post", "POST", "http://localhost:4566/", "secretsmanager",
             "us-west-2", json11 + [("X-Amz-Target", "secretsmanager.ListSecrets")], b""),
        sign("security_token", "POST", "http://localhost:4566/", "secretsmanager",
             "us-west-2", json11 + [("X-Amz-Target", "secretsmanager.ListSecrets")], b"{}",
             token="FwoGZXIvYXdzEJr//////////wEaDHN0cy10b2tlbg=="),
        sign("content_sha256_header", "POST", "http://localhost:4566/", "secretsmanager",
             "us-west-2",
             json11 + [("X-Amz-Target", "secretsmanager.DescribeSecret"),
                       ("X-Amz-Content-SHA256",
                        hashlib.sha256(b'{"SecretId": "x"}').hexdigest())],
             b'{"SecretId": "x"}'),
        sign("https_default_port", "POST", "https://secretsmanager.example.internal/",
             "secretsmanager", "us-west-2",
             json11 + [("X-Amz-Target", "secretsmanager.ListSecrets")], b"{}"),
        sign("explicit_host_header", "POST", "http://localhost:4566/", "secretsmanager",
             "us-west-2",
             [("Host", "tandem.example:4566")] + json11 +
             [("X-Amz-Target", "secretsmanager.ListSecrets"), ("User-Agent", "Boto3/1.26")],
             b"{}"),
    ]
    json.dump({"botocore_version": botocore.__version__, "vectors": vectors}, sys.stdout,
              indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
