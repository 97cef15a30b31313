"""Secrets Manager basics: create, get, describe, list through boto3 and the aws CLI;
binary values; lookup by name, ARN and partial ARN; regions as namespaces."""

import base64
import datetime
import json
import subprocess

import pytest

from aws_checks import (
    MSG_NOT_FOUND,
    MSG_STAGE_MISMATCH,
    arn_pattern,
    assert_matches_recording,
    error_response,
    msg_exists,
    msg_no_value_for_stage,
    msg_no_value_for_version,
    raises_aws,
    uniq,
)
from tandem_server import ACCOUNT_ID

REPLAY_REGION = "eu-central-1"


# ----- replays of recorded AWS sequences -------------------------------------------------------

@pytest.mark.parametrize("recording, name, partial_arn_works", [
    ("test_create_and_update_secret[s-c64bdc03]", None, True),
    ("test_create_and_update_secret[Valid/_+=.@-Name]", "Valid/_+=.@-Name", True),
    ("test_create_and_update_secret[Valid/_+=.@-Name-a1b2]", "Valid/_+=.@-Name-a1b2", True),
    ("test_create_and_update_secret[Valid/_+=.@-Name-a1b2c3-]", "Valid/_+=.@-Name-a1b2c3-", True),
    # A name that itself ends in "-" + 6 characters reads as a full ARN when given as a
    # partial one: AWS then finds nothing.
    ("test_create_and_update_secret[Invalid/_+=.@-Name-a1b2c3-False]",
     "Invalid/_+=.@-Name-a1b2c3", False),
])
def test_create_and_update_secret_matches_aws(shared_tandemd, recording, name, partial_arn_works):
    sm = shared_tandemd.client(REPLAY_REGION)
    name = name or uniq("s")
    r = {}
    r["create_secret_rs_1"] = sm.create_secret(
        Name=name, SecretString="my_secret", Description="Testing secret creation.")
    arn = r["create_secret_rs_1"]["ARN"]
    assert len(arn.rpartition("-")[-1]) == 6
    r["get_secret_value_rs_1"] = sm.get_secret_value(SecretId=name)
    r["describe_secret_rs_1"] = sm.describe_secret(SecretId=name)
    r["get_secret_value_rs_2"] = sm.get_secret_value(SecretId=arn)
    if partial_arn_works:
        r["get_secret_value_rs_3"] = sm.get_secret_value(SecretId=arn[:-7])
    else:
        with raises_aws("ResourceNotFoundException", MSG_NOT_FOUND) as e:
            sm.get_secret_value(SecretId=arn[:-7])
        r["resource_not_found_dict_1"] = error_response(e)
    r["put_secret_value_rs_1"] = sm.put_secret_value(SecretId=name, SecretString="new_secret")
    r["get_secret_value_rs_4"] = sm.get_secret_value(SecretId=name)
    r["update_secret_res_1"] = sm.update_secret(SecretId=arn, SecretString="test123", Description="d1")
    r["delete_secret_res_1"] = sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    assert_matches_recording(recording, r, REPLAY_REGION)


def test_update_secret_description_matches_aws(sm):
    name = uniq("s")
    r = {}
    r["create_secret_rs_0"] = sm.create_secret(Name=name, SecretString="MySecretString")
    r["describe_secret_res_0"] = sm.describe_secret(SecretId=name)
    r["update_secret_res_0"] = sm.update_secret(SecretId=name, Description="MyDescription")
    r["describe_secret_res_1"] = sm.describe_secret(SecretId=name)
    r["update_secret_res_1"] = sm.update_secret(
        SecretId=name, SecretString="MyNewSecretString", Description="MyNewDescription")
    r["describe_secret_res_2"] = sm.describe_secret(SecretId=name)
    r["update_secret_res_2"] = sm.update_secret(SecretId=name, SecretString="MyNewSecretString" * 2)
    r["describe_secret_res_3"] = sm.describe_secret(SecretId=name)
    r["update_secret_res_3"] = sm.update_secret(SecretId=name)
    r["describe_secret_res_4"] = sm.describe_secret(SecretId=name)
    r["delete_secret_res_0"] = sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    assert_matches_recording("test_update_secret_description", r, "us-east-1")


def test_create_secret_without_value_matches_aws(sm):
    r = {}
    r["create-empty-secret"] = sm.create_secret(Name=uniq("test-version"), Description="")
    arn = r["create-empty-secret"]["ARN"]
    r["describe-secret"] = sm.describe_secret(SecretId=arn)
    r["put-secret-value"] = sm.put_secret_value(SecretId=arn, SecretString="example-string-to-protect")
    assert_matches_recording("test_create_secret_version_from_empty_secret", r, "us-east-1")
    assert sm.get_secret_value(SecretId=arn)["SecretString"] == "example-string-to-protect"


@pytest.mark.parametrize("recording, first, second", [
    ("test_change_secret_value_after_creation[footest-updated1]", b"footest", b"updated1"),
    ("test_change_secret_value_after_creation[tops3cret-updated2]", b"tops3cret", b"updated2"),
    ("test_change_secret_value_after_creation[\\x00\\x01\\x02\\xff-\\xfe\\xfd]",
     b"\x00\x01\x02\xff", b"\xfe\xfd"),
])
def test_change_secret_binary_matches_aws(sm, recording, first, second):
    name = uniq("bin")
    sm.create_secret(Name=name, SecretBinary=b"initial")
    r = {"put_secret_value_secret_response": sm.get_secret_value(SecretId=name)}
    sm.put_secret_value(SecretId=name, SecretBinary=first)
    r["put_secret_binary_response_updated"] = sm.get_secret_value(SecretId=name)
    sm.update_secret(SecretId=name, SecretBinary=second)
    r["update_secret_binary_response_updated"] = sm.get_secret_value(SecretId=name)
    assert_matches_recording(recording, r, "us-east-1")


def test_secret_binary_is_base64_on_the_wire_matches_aws(shared_tandemd, sm):
    name = uniq("wire")
    sm.create_secret(Name=name, SecretBinary=b"footest")
    r = {"secret_value_response": sm.get_secret_value(SecretId=sm.describe_secret(SecretId=name)["ARN"])}
    raw = shared_tandemd.call("GetSecretValue", {"SecretId": name})
    assert raw.status == 200, raw
    r["secret_value_http_response"] = raw.json()
    assert_matches_recording("test_get_secret_value", r, "us-east-1")
    assert raw.json()["SecretBinary"] == "Zm9vdGVzdA=="


def test_value_errors_match_aws(sm):
    name = uniq("s")
    sm.create_secret(Name=name)
    unknown_version = "a0d2c9e4-1111-4222-8333-944455556666"
    with raises_aws("ResourceNotFoundException", msg_no_value_for_stage("AWSCURRENT")) as e1:
        sm.get_secret_value(SecretId=name)
    with raises_aws("ResourceNotFoundException", msg_no_value_for_version(unknown_version)) as e2:
        sm.get_secret_value(SecretId=name, VersionId=unknown_version)
    with raises_aws("ResourceNotFoundException", msg_no_value_for_stage("AWSPENDING")) as e3:
        sm.get_secret_value(SecretId=name, VersionStage="AWSPENDING")

    def as_recorded(excinfo):  # botocore's message without the retry note of standard mode
        err = excinfo.value.response["Error"]
        return (f"An error occurred ({err['Code']}) when calling the GetSecretValue operation: "
                f"{err['Message']}")

    r = {"get_secret_value_no_version_ex": as_recorded(e1),
         "get_secret_value_version_not_found_ex": as_recorded(e2),
         "get_secret_value_stage_not_found_ex": as_recorded(e3)}
    assert_matches_recording("test_secret_version_not_found", r, "us-east-1")

    other = uniq("s")
    created = sm.create_secret(Name=other, SecretString="test")
    r = {}
    with raises_aws("ResourceNotFoundException", msg_no_value_for_stage("AWSPREVIOUS")) as e:
        sm.get_secret_value(SecretId=created["ARN"], VersionStage="AWSPREVIOUS")
    r["error_get_secret_value_non_existing"] = error_response(e)
    with raises_aws("InvalidRequestException", MSG_STAGE_MISMATCH) as e:
        sm.get_secret_value(SecretId=other, VersionId=created["VersionId"], VersionStage="AWSPREVIOUS")
    r["mismatch_version_id_and_stage"] = error_response(e)
    assert_matches_recording("test_get_secret_value_errors", r, "us-east-1")


def test_not_found_and_exists_match_aws(sm):
    r = {}
    with raises_aws("ResourceNotFoundException", MSG_NOT_FOUND) as e:
        sm.get_secret_value(SecretId=uniq("missing"))
    r["get_secret_value_not_found_ex"] = error_response(e)
    with raises_aws("ResourceNotFoundException", MSG_NOT_FOUND) as e:
        sm.list_secret_version_ids(SecretId=uniq("missing"))
    r["list_secret_version_ids_not_found_ex"] = error_response(e)
    assert_matches_recording("test_secret_not_found", r, "us-east-1")

    name = uniq("s")
    description = "Snapshot testing secret already exists."
    sm.create_secret(Name=name, SecretString=f"my_secret_{name}", Description=description)
    r = {}
    with raises_aws("ResourceExistsException", msg_exists(name)) as e:
        sm.create_secret(Name=name, SecretString=f"my_secret_{name}", Description=description)
    r["ex_log"] = error_response(e)
    r["delete_secret_res"] = sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    assert_matches_recording("test_secret_exists_snapshots", r, "us-east-1")


def test_list_secrets_entry_matches_aws(shared_tandemd):
    sm = shared_tandemd.client("sa-east-1")  # a region only this test uses
    name = uniq("s")
    r = {"create_secret_rs_1": sm.create_secret(
        Name=name, SecretString="my_secret", Description="testing creation of secrets")}
    for i in range(3):
        r[f"list_secrets_res_{i}"] = sm.get_paginator("list_secrets").paginate().build_full_result()
    r["delete_secret_res_1"] = sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    assert_matches_recording("test_call_lists_secrets_multiple_times_snapshots", r, "sa-east-1")


def test_list_several_secrets_matches_aws(shared_tandemd):
    sm = shared_tandemd.client("ap-south-1")  # a region only this test uses
    names = [uniq("m") for _ in range(3)]
    for n in names:
        sm.create_secret(Name=n, SecretString=f"my_secret_{n}", Description="Testing secrets creation.")
    r = {"list_secrets_res": sm.get_paginator("list_secrets").paginate().build_full_result()}
    for i, n in enumerate(names):
        r[f"delete_secret_res{i}"] = sm.delete_secret(SecretId=n, ForceDeleteWithoutRecovery=True)
    assert_matches_recording("test_create_multi_secrets_snapshot", r, "ap-south-1",
                             known={f"<SecretId-{i}idx>": n for i, n in enumerate(names)})
    assert sm.list_secrets()["SecretList"] == []


# ----- boto3 ------------------------------------------------------------------------------------

def test_create_get_describe_fields(sm):
    name = uniq("fields")
    created = sm.create_secret(Name=name, SecretString="v1", Description="about v1",
                               Tags=[{"Key": "team", "Value": "db"}])
    assert set(created) - {"ResponseMetadata"} == {"ARN", "Name", "VersionId"}
    assert arn_pattern(name, "us-east-1").fullmatch(created["ARN"]), created["ARN"]
    assert created["Name"] == name

    described = sm.describe_secret(SecretId=name)
    # Not read yet: no LastAccessedDate. No rotation, KMS key or replication fields until set.
    assert set(described) - {"ResponseMetadata"} == {
        "ARN", "Name", "Description", "CreatedDate", "LastChangedDate", "Tags", "VersionIdsToStages"}
    assert described["VersionIdsToStages"] == {created["VersionId"]: ["AWSCURRENT"]}
    assert described["Tags"] == [{"Key": "team", "Value": "db"}]
    now = datetime.datetime.now(datetime.timezone.utc)
    assert abs((described["CreatedDate"] - now).total_seconds()) < 120

    got = sm.get_secret_value(SecretId=name)
    assert set(got) - {"ResponseMetadata"} == {
        "ARN", "Name", "VersionId", "SecretString", "VersionStages", "CreatedDate"}
    assert (got["SecretString"], got["VersionId"], got["VersionStages"]) == (
        "v1", created["VersionId"], ["AWSCURRENT"])

    described = sm.describe_secret(SecretId=name)
    accessed = described["LastAccessedDate"].astimezone(datetime.timezone.utc)
    # LastAccessedDate has date granularity: midnight UTC of today.
    assert (accessed.hour, accessed.minute, accessed.second, accessed.microsecond) == (0, 0, 0, 0)
    assert accessed.date() == datetime.datetime.now(datetime.timezone.utc).date()


def test_last_changed_date_moves_on_update(sm):
    name = uniq("changed")
    sm.create_secret(Name=name, SecretString="a")
    before = sm.describe_secret(SecretId=name)["LastChangedDate"]
    sm.update_secret(SecretId=name, SecretString="b")
    after = sm.describe_secret(SecretId=name)["LastChangedDate"]
    assert after > before


def test_secret_binary_round_trip_every_byte(sm):
    value = bytes(range(256)) + b"\x00\xff\x00"
    name = uniq("bytes")
    sm.create_secret(Name=name, SecretBinary=value)
    got = sm.get_secret_value(SecretId=name)
    assert got["SecretBinary"] == value
    assert "SecretString" not in got
    sm.put_secret_value(SecretId=name, SecretBinary=b"\xff" * 65536)
    assert sm.get_secret_value(SecretId=name)["SecretBinary"] == b"\xff" * 65536


def test_unicode_secret_string_round_trip(sm):
    value = "päss→wörd ✓ 秘密 \U0001F511 \"quoted\" \\ \n\t"
    name = uniq("utf8")
    sm.create_secret(Name=name, SecretString=value)
    assert sm.get_secret_value(SecretId=name)["SecretString"] == value


def test_lookup_by_name_full_arn_and_partial_arn(sm):
    name = uniq("path/to/lookup")
    created = sm.create_secret(Name=name, SecretString="x")
    arn = created["ARN"]
    partial = arn.rsplit("-", 1)[0]
    assert partial.endswith(":secret:" + name)
    for secret_id in (name, arn, partial):
        assert sm.get_secret_value(SecretId=secret_id)["ARN"] == arn
        assert sm.describe_secret(SecretId=secret_id)["Name"] == name
    wrong_suffix = arn[:-6] + ("AAAAAA" if arn[-6:] != "AAAAAA" else "BBBBBB")
    with raises_aws("ResourceNotFoundException", MSG_NOT_FOUND):
        sm.get_secret_value(SecretId=wrong_suffix)
    with raises_aws("ResourceNotFoundException", MSG_NOT_FOUND):
        sm.get_secret_value(SecretId=name + "-extra")


def test_arns_are_unique_per_secret(sm):
    arns = [sm.create_secret(Name=uniq("arn"), SecretString="x")["ARN"] for _ in range(5)]
    assert len({a.rsplit("-", 1)[1] for a in arns}) == 5
    for a in arns:
        assert a.startswith(f"arn:aws:secretsmanager:us-east-1:{ACCOUNT_ID}:secret:")


def test_regions_are_namespaces(shared_tandemd):
    west = shared_tandemd.client("us-west-2")
    east = shared_tandemd.client("us-east-2")
    eu = shared_tandemd.client("eu-west-1")
    name = uniq("regional")
    a = west.create_secret(Name=name, SecretString="west value")
    b = east.create_secret(Name=name, SecretString="east value")
    assert arn_pattern(name, "us-west-2").fullmatch(a["ARN"]), a["ARN"]
    assert arn_pattern(name, "us-east-2").fullmatch(b["ARN"]), b["ARN"]
    assert west.get_secret_value(SecretId=name)["SecretString"] == "west value"
    assert east.get_secret_value(SecretId=name)["SecretString"] == "east value"

    with raises_aws("ResourceNotFoundException", MSG_NOT_FOUND):
        eu.get_secret_value(SecretId=name)
    with raises_aws("ResourceNotFoundException", MSG_NOT_FOUND):
        eu.describe_secret(SecretId=name)
    assert name not in {s["Name"] for s in eu.get_paginator("list_secrets").paginate()
                        .build_full_result()["SecretList"]}

    # Deleting in one region leaves the other alone.
    west.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    assert east.get_secret_value(SecretId=name)["SecretString"] == "east value"


# ----- the aws CLI -------------------------------------------------------------------------------

def _jq(program, text):
    p = subprocess.run(["jq", program], input=text.encode(), capture_output=True, timeout=30)
    assert p.returncode == 0, p.stderr.decode()
    return p.stdout.decode()


def test_readme_quickstart_with_cli_and_jq(aws):
    name = uniq("mydbsecret")
    doc = {"engine": "mysql", "host": "...", "username": "admin", "password": "...", "port": 3306}
    rc, created, err = aws("secretsmanager", "create-secret", "--name", name,
                           "--secret-string", json.dumps(doc), region="us-west-2")
    assert rc == 0, err
    assert arn_pattern(name, "us-west-2").fullmatch(created["ARN"])

    listed = aws("secretsmanager", "list-secret-version-ids", "--secret-id", name,
                 "--output", "text", "--query", "ARN", region="us-west-2", output="text")
    assert listed.rc == 0, listed.stderr
    arn = listed.stdout.strip()
    assert arn == created["ARN"]

    got = aws("secretsmanager", "get-secret-value", "--secret-id", arn,
              "--version-stage", "AWSCURRENT", region="us-west-2")
    assert got.rc == 0, got.stderr
    secret_string = _jq(".SecretString", got.stdout)
    assert json.loads(_jq("fromjson", secret_string)) == doc


def test_cli_create_describe_list_get(aws, tmp_path):
    name = uniq("cli")
    rc, created, err = aws("secretsmanager", "create-secret", "--name", name, "--description",
                           "made by the cli", "--secret-string", "s3cr3t",
                           "--tags", "Key=owner,Value=cli")
    assert rc == 0, err
    assert set(created) == {"ARN", "Name", "VersionId"}

    rc, described, err = aws("secretsmanager", "describe-secret", "--secret-id", name)
    assert rc == 0, err
    assert described["Description"] == "made by the cli"
    assert described["Tags"] == [{"Key": "owner", "Value": "cli"}]
    assert described["VersionIdsToStages"] == {created["VersionId"]: ["AWSCURRENT"]}
    datetime.datetime.fromisoformat(described["CreatedDate"])  # CLI v2 prints ISO dates

    rc, listed, err = aws("secretsmanager", "list-secrets", "--filters",
                          f"Key=name,Values={name}")
    assert rc == 0, err
    assert [s["Name"] for s in listed["SecretList"]] == [name]

    blob = tmp_path / "blob.bin"
    blob.write_bytes(b"\x00\x01binary\xff")
    rc, put, err = aws("secretsmanager", "put-secret-value", "--secret-id", name,
                       "--secret-binary", f"fileb://{blob}")
    assert rc == 0, err
    assert put["VersionStages"] == ["AWSCURRENT"]
    rc, got, err = aws("secretsmanager", "get-secret-value", "--secret-id", name)
    assert rc == 0, err
    assert base64.b64decode(got["SecretBinary"]) == b"\x00\x01binary\xff"

    rc, got, err = aws("secretsmanager", "get-secret-value", "--secret-id", name,
                       "--version-stage", "AWSPREVIOUS")
    assert rc == 0, err
    assert got["SecretString"] == "s3cr3t"


def test_cli_error_exit_code_and_message(aws):
    rc, out, err = aws("secretsmanager", "get-secret-value", "--secret-id", uniq("nope"))
    assert rc == 254, (rc, err)
    assert "ResourceNotFoundException" in err and MSG_NOT_FOUND in err, err
