"""SigV4 authentication: every refused request gets AWS's error and changes nothing."""

import datetime
import json
import uuid

import pytest

from aws_checks import MSG_NOT_FOUND, assert_raw_error, raises_aws, uniq

SIGNATURE_MISMATCH = "signature we calculated does not match the signature you provided"
UNKNOWN_KEY_MESSAGE = "The security token included in the request is invalid."


@pytest.fixture
def secret(sm):
    """An existing secret (name, current version id) whose value refused writes must not touch."""
    name = uniq("auth")
    return name, sm.create_secret(Name=name, SecretString="original")["VersionId"]


def assert_unchanged(sm, secret):
    name, version = secret
    got = sm.get_secret_value(SecretId=name)
    assert (got["SecretString"], got["VersionId"]) == ("original", version)
    assert len(sm.list_secret_version_ids(SecretId=name, IncludeDeprecated=True)["Versions"]) == 1


def assert_not_created(sm, name):
    with raises_aws("ResourceNotFoundException", MSG_NOT_FOUND):
        sm.describe_secret(SecretId=name)


def put_body(name, value="changed"):
    return json.dumps({"SecretId": name, "SecretString": value,
                       "ClientRequestToken": "11111111-2222-4333-8444-555555555555"}).encode()


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc)


def test_unsigned_request_is_refused(shared_tandemd, sm, secret):
    name = uniq("unsigned")
    body = json.dumps({"Name": name, "SecretString": "x",
                       "ClientRequestToken": "11111111-2222-4333-8444-555555555555"}).encode()
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "secretsmanager.CreateSecret"}
    answer = shared_tandemd.raw("POST", "/", headers=headers, body=body)
    assert_raw_error(answer, "MissingAuthenticationTokenException")
    assert_not_created(sm, name)
    answer = shared_tandemd.raw("POST", "/", headers={**headers, "X-Amz-Target": "secretsmanager.PutSecretValue"},
                                body=put_body(secret[0]))
    assert_raw_error(answer, "MissingAuthenticationTokenException")
    assert_unchanged(sm, secret)
    # Reading needs a signature too.
    answer = shared_tandemd.raw("POST", "/", headers={**headers, "X-Amz-Target": "secretsmanager.GetSecretValue"},
                                body=json.dumps({"SecretId": secret[0]}).encode())
    assert_raw_error(answer, "MissingAuthenticationTokenException")
    assert b"original" not in answer.body


def test_wrong_secret_key_is_refused(shared_tandemd, sm, secret):
    key_id, secret_key, _ = shared_tandemd.credentials()
    wrong = shared_tandemd.client(secret_key=("x" if secret_key[0] != "x" else "y") + secret_key[1:])
    with raises_aws("InvalidSignatureException", contains=SIGNATURE_MISMATCH):
        wrong.put_secret_value(SecretId=secret[0], SecretString="changed")
    name = uniq("wrongkey")
    with raises_aws("InvalidSignatureException", contains=SIGNATURE_MISMATCH):
        wrong.create_secret(Name=name, SecretString="x")
    with raises_aws("InvalidSignatureException", contains=SIGNATURE_MISMATCH):
        wrong.get_secret_value(SecretId=secret[0])
    assert_unchanged(sm, secret)
    assert_not_created(sm, name)


def test_unknown_access_key_is_refused(shared_tandemd, sm, secret):
    stranger = shared_tandemd.client(access_key="AKIAUNKNOWNUNKNOWN00", secret_key="s" * 40)
    with raises_aws("UnrecognizedClientException", UNKNOWN_KEY_MESSAGE):
        stranger.put_secret_value(SecretId=secret[0], SecretString="changed")
    with raises_aws("UnrecognizedClientException", UNKNOWN_KEY_MESSAGE):
        stranger.delete_secret(SecretId=secret[0], ForceDeleteWithoutRecovery=True)
    assert_unchanged(sm, secret)


@pytest.mark.parametrize("skew_minutes", [-20, 20, -16])
def test_stale_or_future_signature_is_refused(shared_tandemd, sm, secret, skew_minutes):
    at = now_utc() + datetime.timedelta(minutes=skew_minutes)
    answer = shared_tandemd.call("PutSecretValue", body=put_body(secret[0]), at=at)
    assert_raw_error(answer, "InvalidSignatureException")
    # AWS: "Signature expired: ..." for old dates, "Signature not yet current: ..." for future ones.
    expected = "signature expired" if skew_minutes < 0 else "signature not yet current"
    assert expected in answer.error_message.lower(), answer
    assert_unchanged(sm, secret)


def test_signature_within_clock_skew_is_accepted(shared_tandemd, sm):
    name = uniq("skew")
    for minutes in (-10, 10):
        at = now_utc() + datetime.timedelta(minutes=minutes)
        body = json.dumps({"Name": f"{name}{minutes}", "SecretString": "x",
                           "ClientRequestToken": str(uuid.uuid4())})
        answer = shared_tandemd.call("CreateSecret", body=body, at=at)
        assert answer.status == 200, answer
        assert sm.get_secret_value(SecretId=f"{name}{minutes}")["SecretString"] == "x"


def test_body_changed_after_signing_is_refused(shared_tandemd, sm, secret):
    signed_body = put_body(secret[0], "changed")
    headers = shared_tandemd.signed_headers("PutSecretValue", signed_body)
    for sent in (put_body(secret[0], "chanGed"), put_body(secret[0], "changed and longer")):
        answer = shared_tandemd.raw("POST", "/", headers=headers, body=sent)
        assert_raw_error(answer, "InvalidSignatureException")
        assert SIGNATURE_MISMATCH in answer.error_message, answer
    assert_unchanged(sm, secret)


def test_signed_header_changed_after_signing_is_refused(shared_tandemd, sm, secret):
    body = json.dumps({"SecretId": secret[0], "ForceDeleteWithoutRecovery": True}).encode()
    headers = shared_tandemd.signed_headers("DescribeSecret", body)
    headers["X-Amz-Target"] = "secretsmanager.DeleteSecret"
    answer = shared_tandemd.raw("POST", "/", headers=headers, body=body)
    assert_raw_error(answer, "InvalidSignatureException")
    assert_unchanged(sm, secret)


def test_signature_for_another_region_scope_cannot_be_replayed(shared_tandemd, sm, secret):
    body = put_body(secret[0])
    headers = shared_tandemd.signed_headers("PutSecretValue", body, region="us-east-1")
    headers["Authorization"] = headers["Authorization"].replace("/us-east-1/", "/us-west-2/")
    answer = shared_tandemd.raw("POST", "/", headers=headers, body=body)
    assert_raw_error(answer, "InvalidSignatureException")
    assert_unchanged(sm, secret)


def test_malformed_authorization_header_is_refused(shared_tandemd, sm, secret):
    body = put_body(secret[0])
    headers = shared_tandemd.signed_headers("PutSecretValue", body)
    key_id = shared_tandemd.credentials()[0]
    date = headers["X-Amz-Date"][:8]
    for auth in (
        f"AWS4-HMAC-SHA256 Credential={key_id}/{date}/us-east-1/secretsmanager/aws4_request",
        f"AWS4-HMAC-SHA256 Credential={key_id}/{date}/us-east-1/secretsmanager/aws4_request, "
        "SignedHeaders=host;x-amz-date",
        "AWS4-HMAC-SHA256 garbage",
    ):
        answer = shared_tandemd.raw("POST", "/", headers={**headers, "Authorization": auth}, body=body)
        assert_raw_error(answer, {"IncompleteSignatureException", "InvalidSignatureException"})
    answer = shared_tandemd.raw("POST", "/", headers={**headers, "Authorization": "Basic dXNlcjpwYXNz"},
                                body=body)
    assert_raw_error(answer, {"IncompleteSignatureException", "MissingAuthenticationTokenException",
                              "InvalidSignatureException"})
    no_date = {k: v for k, v in headers.items() if k.lower() != "x-amz-date"}
    answer = shared_tandemd.raw("POST", "/", headers=no_date, body=body)
    assert 400 <= answer.status < 500 and answer.error_code, answer
    assert_unchanged(sm, secret)


def test_unsigned_extra_headers_are_fine(shared_tandemd, sm, secret):
    body = json.dumps({"SecretId": secret[0]}).encode()
    headers = shared_tandemd.signed_headers("GetSecretValue", body)
    headers["amz-sdk-invocation-id"] = "5f8e2a0c-0000-4000-8000-000000000000"
    headers["amz-sdk-request"] = "attempt=1; max=1"
    answer = shared_tandemd.raw("POST", "/", headers=headers, body=body)
    assert answer.status == 200, answer
    assert answer.json()["SecretString"] == "original"


def test_unknown_service_in_scope_is_refused(shared_tandemd, sm, secret):
    body = put_body(secret[0])
    answer = shared_tandemd.call("PutSecretValue", body=body, service="s3")
    assert 400 <= answer.status < 500, answer
    assert_unchanged(sm, secret)


def test_cli_with_wrong_credentials_fails_cleanly(shared_tandemd, tmp_path):
    bad = tmp_path / "credentials"
    key_id, _, _ = shared_tandemd.credentials()
    bad.write_text(f"[default]\naws_access_key_id = {key_id}\naws_secret_access_key = {'z' * 40}\n")
    rc, out, err = shared_tandemd.aws("secretsmanager", "list-secrets",
                                      env={"AWS_SHARED_CREDENTIALS_FILE": str(bad)})
    assert rc == 254, (rc, err)
    assert "InvalidSignatureException" in err, err
