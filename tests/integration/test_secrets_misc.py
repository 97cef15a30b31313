"""ListSecrets (filters, order, pages), ListSecretVersionIds pages, BatchGetSecretValue,
GetRandomPassword, tags, resource policies, rotation and replication answers, and AWS's
validation errors."""

import json
import string
import time
import uuid

import pytest

from aws_checks import (
    MSG_INVALID_NAME,
    MSG_NO_ROTATION_LAMBDA,
    MSG_NO_TOKEN,
    MSG_NOT_FOUND,
    assert_aws_error,
    assert_matches_recording,
    assert_raw_error,
    error_response,
    msg_no_value_for_stage,
    raises_aws,
    uniq,
)

REGION = "us-east-1"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:GetSecretValue",
                   "Resource": "*"}],
}
PRIVATE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::000000000000:root"},
                   "Action": "secretsmanager:GetSecretValue", "Resource": "*"}],
}


def names_listed(sm, **kwargs):
    return [s["Name"] for s in
            sm.get_paginator("list_secrets").paginate(**kwargs).build_full_result()["SecretList"]]


# ----- ListSecrets ----------------------------------------------------------------------------------

def test_list_secrets_filters(shared_tandemd):
    sm = shared_tandemd.client("ap-southeast-2")  # a region only this test uses
    s = uuid.uuid4().hex[:6]
    one, two, three, four = f"testing1/one-{s}", f"/testing2/two-{s}", f"testing3/three-{s}", f"/testing4/four-{s}"
    sm.create_secret(Name=one, SecretString="secret", Description="a secret",
                     Tags=[{"Key": "env", "Value": "prod"}])
    sm.create_secret(Name=two, SecretString="secret", Description="an secret",
                     Tags=[{"Key": "env", "Value": "dev"}])
    sm.create_secret(Name=three, SecretString="secret", Description="asecret",
                     Tags=[{"Key": "team", "Value": "db"}])
    sm.create_secret(Name=four, SecretString="secret", Description="thesecret")

    def listed(*filters):
        return set(names_listed(sm, Filters=[{"Key": k, "Values": v} for k, v in filters]))

    everything = {one, two, three, four}
    assert set(names_listed(sm)) == everything
    # What AWS answered to these filters (validated against AWS by the LocalStack suite).
    assert listed(("name", ["/"])) == {two, four}
    assert listed(("name", ["!/"])) == {one, three}
    assert listed(("name", ["testing1 one"])) == set()
    assert listed(("description", ["a"])) == {one, two, three}
    assert listed(("description", ["!a"])) == {four}
    assert listed(("description", ["a secret"])) == {one, two}
    assert listed(("description", ["a"]), ("name", ["secret"])) == set()
    assert listed(("description", ["a"]), ("name", ["an"])) == set()
    assert listed(("description", ["!c"])) == everything
    # Name and tag filters match prefixes; '!' negates.
    assert listed(("name", ["testing3"])) == {three}
    assert listed(("tag-key", ["env"])) == {one, two}
    assert listed(("tag-key", ["en"])) == {one, two}
    assert listed(("tag-key", ["!env"])) == {three, four}
    assert listed(("tag-value", ["prod"])) == {one}
    assert listed(("tag-value", ["db"])) == {three}
    assert listed(("tag-key", ["env"]), ("tag-value", ["dev"])) == {two}
    assert listed(("all", ["prod"])) == {one}
    assert listed(("all", ["thesecret"])) == {four}


def test_list_secrets_sort_order(shared_tandemd):
    sm = shared_tandemd.client("ap-northeast-1")  # a region only this test uses
    names = []
    for i in range(3):
        if i:
            time.sleep(1.05)
        names.append(sm.create_secret(Name=uniq(f"order{i}"), SecretString="x")["Name"])
    assert names_listed(sm, SortOrder="asc") == names
    assert names_listed(sm, SortOrder="desc") == names[::-1]


def test_list_secrets_pagination_walks_every_secret_once(shared_tandemd):
    sm = shared_tandemd.client("ca-central-1")  # a region only this test uses
    created = {sm.create_secret(Name=uniq(f"page{i:02d}"), SecretString="x")["Name"] for i in range(25)}
    seen, pages, token = [], [], None
    while True:
        kwargs = {"MaxResults": 7}
        if token:
            kwargs["NextToken"] = token
        page = sm.list_secrets(**kwargs)
        pages.append(len(page["SecretList"]))
        seen += [s["Name"] for s in page["SecretList"]]
        token = page.get("NextToken")
        if not token:
            break
        assert len(pages) < 20, "pagination does not end"
    assert all(n <= 7 for n in pages), pages
    assert max(pages) == 7 and len(pages) >= 4, pages
    assert len(seen) == len(set(seen)), "a secret was listed twice"
    assert set(seen) == created

    # Filters and pages together.
    filtered = names_listed(sm, Filters=[{"Key": "name", "Values": ["page1"]}],
                            PaginationConfig={"PageSize": 3})
    assert sorted(filtered) == sorted(n for n in created if n.startswith("page1"))


def test_list_secrets_invalid_next_token(sm):
    with raises_aws("InvalidNextTokenException"):
        sm.list_secrets(NextToken="not-a-token-we-issued")


def test_list_secret_version_ids_pagination(sm):
    name = uniq("versions")
    ids = {sm.create_secret(Name=name, SecretString="v0")["VersionId"]}
    for i in range(1, 12):
        ids.add(sm.put_secret_value(SecretId=name, SecretString=f"v{i}")["VersionId"])
    seen, token = [], None
    while True:
        kwargs = {"SecretId": name, "MaxResults": 5, "IncludeDeprecated": True}
        if token:
            kwargs["NextToken"] = token
        page = sm.list_secret_version_ids(**kwargs)
        assert len(page["Versions"]) <= 5
        assert page["Name"] == name and page["ARN"]
        seen += [v["VersionId"] for v in page["Versions"]]
        token = page.get("NextToken")
        if not token:
            break
    assert len(seen) == len(set(seen)) == 12
    assert set(seen) == ids
    with raises_aws("InvalidNextTokenException"):
        sm.list_secret_version_ids(SecretId=name, NextToken="bogus-token")


# ----- BatchGetSecretValue (not in boto3 1.26: raw signed calls) ----------------------------------------

def test_batch_get_secret_value_by_ids_with_errors(shared_tandemd, sm):
    a, b, missing = uniq("batch"), uniq("batch"), uniq("batch-missing")
    va = sm.create_secret(Name=a, SecretString="value a")["VersionId"]
    sm.create_secret(Name=b, SecretBinary=b"\x00value b")
    arn_b = sm.describe_secret(SecretId=b)["ARN"]
    r = shared_tandemd.call("BatchGetSecretValue", {"SecretIdList": [a, arn_b, missing]})
    assert r.status == 200, r
    doc = r.json()
    values = {v["Name"]: v for v in doc["SecretValues"]}
    assert set(values) == {a, b}
    assert set(values[a]) == {"ARN", "Name", "VersionId", "SecretString", "VersionStages", "CreatedDate"}
    assert (values[a]["SecretString"], values[a]["VersionId"], values[a]["VersionStages"]) == (
        "value a", va, ["AWSCURRENT"])
    assert values[b]["SecretBinary"] == "AHZhbHVlIGI="  # base64 of b"\x00value b"
    assert doc["Errors"] == [{"SecretId": missing, "ErrorCode": "ResourceNotFoundException",
                              "Message": MSG_NOT_FOUND}]


def test_batch_get_secret_value_by_filters_and_pages(shared_tandemd, sm):
    prefix = uniq("bf")
    names = {f"{prefix}/{i}" for i in range(3)}
    for n in names:
        sm.create_secret(Name=n, SecretString=f"value of {n}")
    r = shared_tandemd.call("BatchGetSecretValue", {"Filters": [{"Key": "name", "Values": [prefix]}]})
    assert r.status == 200, r
    got = {v["Name"]: v["SecretString"] for v in r.json()["SecretValues"]}
    assert got == {n: f"value of {n}" for n in names}
    assert r.json().get("Errors", []) == []

    seen, token = [], None
    while True:
        params = {"Filters": [{"Key": "name", "Values": [prefix]}], "MaxResults": 2}
        if token:
            params["NextToken"] = token
        page = shared_tandemd.call("BatchGetSecretValue", params)
        assert page.status == 200, page
        assert len(page.json()["SecretValues"]) <= 2
        seen += [v["Name"] for v in page.json()["SecretValues"]]
        token = page.json().get("NextToken")
        if not token:
            break
    assert sorted(seen) == sorted(names)


def test_batch_get_secret_value_refuses_ids_and_filters_together(shared_tandemd, sm):
    name = uniq("batch-both")
    sm.create_secret(Name=name, SecretString="x")
    both = shared_tandemd.call("BatchGetSecretValue", {
        "SecretIdList": [name], "Filters": [{"Key": "name", "Values": [name]}]})
    assert_raw_error(both, {"InvalidParameterException", "InvalidRequestException", "ValidationException"})
    neither = shared_tandemd.call("BatchGetSecretValue", {})
    assert_raw_error(neither, {"InvalidParameterException", "InvalidRequestException", "ValidationException"})


# ----- GetRandomPassword ------------------------------------------------------------------------------

PUNCTUATION = set(string.punctuation)
CLASSES = {
    "lower": set(string.ascii_lowercase),
    "upper": set(string.ascii_uppercase),
    "digit": set(string.digits),
    "punct": PUNCTUATION,
}


def classes_in(password):
    return {name for name, chars in CLASSES.items() if chars & set(password)}


def test_random_password_defaults(sm):
    pw = sm.get_random_password()["RandomPassword"]
    assert len(pw) == 32
    assert set(pw) <= set().union(*CLASSES.values())
    assert classes_in(pw) == set(CLASSES)  # RequireEachIncludedType defaults to true
    many = {sm.get_random_password()["RandomPassword"] for _ in range(50)}
    assert len(many) == 50


@pytest.mark.parametrize("option, removed", [
    ("ExcludeNumbers", "digit"),
    ("ExcludePunctuation", "punct"),
    ("ExcludeUppercase", "upper"),
    ("ExcludeLowercase", "lower"),
])
def test_random_password_exclude_options(sm, option, removed):
    for _ in range(5):
        pw = sm.get_random_password(PasswordLength=64, **{option: True})["RandomPassword"]
        assert len(pw) == 64
        assert classes_in(pw) == set(CLASSES) - {removed}, pw
        assert " " not in pw


def test_random_password_lengths_space_and_excluded_characters(sm):
    assert len(sm.get_random_password(PasswordLength=4096)["RandomPassword"]) == 4096
    four = sm.get_random_password(PasswordLength=4)["RandomPassword"]
    assert len(four) == 4 and classes_in(four) == set(CLASSES)
    assert len(sm.get_random_password(PasswordLength=1, RequireEachIncludedType=False)["RandomPassword"]) == 1

    spaced = sm.get_random_password(PasswordLength=4096, IncludeSpace=True)["RandomPassword"]
    assert " " in spaced

    pw = sm.get_random_password(PasswordLength=120, ExcludeCharacters="xyzDje@?!.")["RandomPassword"]
    assert len(pw) == 120 and not set(pw) & set("xyzDje@?!.")

    only_lower = sm.get_random_password(
        PasswordLength=50, ExcludeNumbers=True, ExcludePunctuation=True, ExcludeUppercase=True,
        RequireEachIncludedType=False)["RandomPassword"]
    assert set(only_lower) <= CLASSES["lower"]


def test_random_password_uses_every_character(sm):
    chars = set()
    for _ in range(10):
        chars |= set(sm.get_random_password(PasswordLength=4096)["RandomPassword"])
    assert chars == set().union(*CLASSES.values())


def test_random_password_bad_combinations(shared_tandemd):
    sm = shared_tandemd.client(validate=False)
    impossible = [
        dict(ExcludeNumbers=True, ExcludePunctuation=True, ExcludeUppercase=True, ExcludeLowercase=True),
        dict(ExcludeCharacters=string.ascii_letters + string.digits + string.punctuation),
        dict(ExcludeLowercase=True, ExcludeUppercase=True, ExcludePunctuation=True,
             ExcludeCharacters=string.digits),
        dict(PasswordLength=3),  # four character types required, three characters
    ]
    for kwargs in impossible:
        with pytest.raises(Exception) as e:
            sm.get_random_password(**kwargs)
        assert_aws_error(e, {"InvalidParameterException", "InvalidRequestException", "ValidationException"})
    for length in (0, 4097, -1):
        with pytest.raises(Exception) as e:
            sm.get_random_password(PasswordLength=length)
        assert_aws_error(e, {"ValidationException", "InvalidParameterException"})


# ----- tags ----------------------------------------------------------------------------------------------

def test_tags_match_aws(sm):
    r = {"create_secret": sm.create_secret(Name=uniq("tags"))}
    arn = r["create_secret"]["ARN"]
    r["describe_secret"] = sm.describe_secret(SecretId=arn)
    r["tag_resource_1"] = sm.tag_resource(SecretId=arn, Tags=[{"Key": "tag1", "Value": "value1"}])
    r["describe_secret_1"] = sm.describe_secret(SecretId=arn)
    r["tag_resource_2"] = sm.tag_resource(SecretId=arn, Tags=[{"Key": "tag2", "Value": "value2"}])
    r["describe_secret_2"] = sm.describe_secret(SecretId=arn)
    r["untag_resource_1"] = sm.untag_resource(SecretId=arn, TagKeys=["tag1"])
    r["describe_secret_3"] = sm.describe_secret(SecretId=arn)
    r["untag_resource_2"] = sm.untag_resource(SecretId=arn, TagKeys=["tag2"])
    r["describe_secret_4"] = sm.describe_secret(SecretId=arn)
    sm.tag_resource(SecretId=arn, Tags=[{"Key": "tag3", "Value": "value3"}, {"Key": "tag4", "Value": "value4"}])
    r["describe_secret_5"] = sm.describe_secret(SecretId=arn)
    sm.untag_resource(SecretId=arn, TagKeys=["tag3", "tag4"])
    r["describe_secret_6"] = sm.describe_secret(SecretId=arn)
    assert_matches_recording("test_secret_tags", r, REGION)


def test_tag_overwrite_listing_and_errors(sm):
    name = uniq("tagged")
    sm.create_secret(Name=name, SecretString="x", Tags=[{"Key": "env", "Value": "dev"}])
    sm.tag_resource(SecretId=name, Tags=[{"Key": "env", "Value": "prod"}, {"Key": "Owner", "Value": ""}])
    assert sorted(sm.describe_secret(SecretId=name)["Tags"], key=lambda t: t["Key"]) == [
        {"Key": "Owner", "Value": ""}, {"Key": "env", "Value": "prod"}]
    listed = sm.list_secrets(Filters=[{"Key": "name", "Values": [name]}])["SecretList"]
    assert sorted(listed[0]["Tags"], key=lambda t: t["Key"]) == [
        {"Key": "Owner", "Value": ""}, {"Key": "env", "Value": "prod"}]
    sm.untag_resource(SecretId=name, TagKeys=["no-such-key"])  # removing an absent key is fine
    assert len(sm.describe_secret(SecretId=name)["Tags"]) == 2
    with raises_aws("ResourceNotFoundException", MSG_NOT_FOUND):
        sm.tag_resource(SecretId=uniq("missing"), Tags=[{"Key": "k", "Value": "v"}])
    with raises_aws("ResourceNotFoundException", MSG_NOT_FOUND):
        sm.untag_resource(SecretId=uniq("missing"), TagKeys=["k"])


# ----- resource policies -------------------------------------------------------------------------------------

def test_resource_policy_matches_aws(sm):
    name = uniq("policy")
    sm.create_secret(Name=name, SecretString="my_secret", Description="testing creation of secrets")
    r = {"put_resource_policy": sm.put_resource_policy(SecretId=name, ResourcePolicy=json.dumps(POLICY))}
    r["get_resource_policy"] = sm.get_resource_policy(SecretId=name)
    assert_matches_recording("test_resource_policy", r, REGION)
    assert json.loads(r["get_resource_policy"]["ResourcePolicy"]) == POLICY

    deleted = sm.delete_resource_policy(SecretId=name)
    assert set(deleted) - {"ResponseMetadata"} == {"ARN", "Name"}
    after = sm.get_resource_policy(SecretId=name)
    assert set(after) - {"ResponseMetadata"} == {"ARN", "Name"}


def test_resource_policy_validation_and_refusals(sm):
    name = uniq("policy")
    sm.create_secret(Name=name, SecretString="x")
    valid = sm.validate_resource_policy(SecretId=name, ResourcePolicy=json.dumps(PRIVATE_POLICY))
    assert valid["PolicyValidationPassed"] is True
    assert valid.get("ValidationErrors", []) == []
    assert sm.validate_resource_policy(ResourcePolicy=json.dumps(PRIVATE_POLICY))["PolicyValidationPassed"]

    sm.put_resource_policy(SecretId=name, ResourcePolicy=json.dumps(PRIVATE_POLICY))
    for malformed in ("{not json", "[]", '"a string"', '{"Statement": "nope"}'):
        with raises_aws("MalformedPolicyDocumentException"):
            sm.put_resource_policy(SecretId=name, ResourcePolicy=malformed)
    with raises_aws("PublicPolicyException"):
        sm.put_resource_policy(SecretId=name, ResourcePolicy=json.dumps(POLICY), BlockPublicPolicy=True)
    # Refusals change nothing.
    assert json.loads(sm.get_resource_policy(SecretId=name)["ResourcePolicy"]) == PRIVATE_POLICY

    try:
        answer = sm.validate_resource_policy(SecretId=name, ResourcePolicy="{not json")
        assert answer["PolicyValidationPassed"] is False and answer["ValidationErrors"]
    except sm.exceptions.MalformedPolicyDocumentException:
        pass
    with raises_aws("ResourceNotFoundException", MSG_NOT_FOUND):
        sm.get_resource_policy(SecretId=uniq("missing"))


# ----- rotation and replication ---------------------------------------------------------------------------

def versions_of(sm, name):
    return {v["VersionId"]: sorted(v.get("VersionStages", []))
            for v in sm.list_secret_version_ids(SecretId=name, IncludeDeprecated=True)["Versions"]}


def test_rotate_without_lambda_matches_aws(sm):
    name = uniq("rotate")
    r = {"create_secret": sm.create_secret(Name=name, SecretString="init")}
    with raises_aws("InvalidRequestException", MSG_NO_ROTATION_LAMBDA) as e:
        sm.rotate_secret(SecretId=name, RotationRules={"AutomaticallyAfterDays": 1})
    r["rotate_secret_no_arn_exc"] = error_response(e)
    r["describe_secret"] = sm.describe_secret(SecretId=name)
    assert_matches_recording("test_first_rotate_secret_with_missing_lambda_arn", r, REGION)


def test_rotate_secret_that_cannot_run_changes_nothing(sm):
    name = uniq("rotate")
    sm.create_secret(Name=name, SecretString="init")
    before = versions_of(sm, name)
    lambda_arn = "arn:aws:lambda:us-east-1:000000000000:function:rotate-me"
    with pytest.raises(Exception) as e:
        sm.rotate_secret(SecretId=name, RotationLambdaARN=lambda_arn,
                         RotationRules={"AutomaticallyAfterDays": 1}, RotateImmediately=True)
    assert_aws_error(e, {"InvalidRequestException", "InvalidParameterException",
                         "AccessDeniedException", "ResourceNotFoundException"})
    assert versions_of(sm, name) == before
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "init"
    with raises_aws("ResourceNotFoundException", msg_no_value_for_stage("AWSPENDING")):
        sm.get_secret_value(SecretId=name, VersionStage="AWSPENDING")


def test_rotation_configuration_without_immediate_rotation(sm):
    """RotateImmediately=False may store the configuration (the spec: accept and store it) or
    refuse clearly; either way no version is created."""
    name = uniq("rotate-later")
    sm.create_secret(Name=name, SecretString="init")
    before = versions_of(sm, name)
    lambda_arn = "arn:aws:lambda:us-east-1:000000000000:function:rotate-me"
    try:
        sm.rotate_secret(SecretId=name, RotationLambdaARN=lambda_arn,
                         RotationRules={"AutomaticallyAfterDays": 30}, RotateImmediately=False)
        stored = True
    except sm.exceptions.ClientError as e:
        assert_aws_error(e, {"InvalidRequestException", "InvalidParameterException",
                             "AccessDeniedException", "ResourceNotFoundException"})
        stored = False
    assert versions_of(sm, name) == before
    described = sm.describe_secret(SecretId=name)
    if stored:
        assert described["RotationEnabled"] is True
        assert described["RotationLambdaARN"] == lambda_arn
        assert described["RotationRules"]["AutomaticallyAfterDays"] == 30
        cancelled = sm.cancel_rotate_secret(SecretId=name)
        assert cancelled["Name"] == name
        assert sm.describe_secret(SecretId=name).get("RotationEnabled", False) is False
    else:
        assert "RotationEnabled" not in described and "RotationLambdaARN" not in described
    assert versions_of(sm, name) == before


@pytest.mark.parametrize("operation", [
    lambda sm, n: sm.replicate_secret_to_regions(SecretId=n, AddReplicaRegions=[{"Region": "eu-west-3"}]),
    lambda sm, n: sm.remove_regions_from_replication(SecretId=n, RemoveReplicaRegions=["eu-west-3"]),
    lambda sm, n: sm.stop_replication_to_replica(SecretId=n),
], ids=["ReplicateSecretToRegions", "RemoveRegionsFromReplication", "StopReplicationToReplica"])
def test_replication_operations_are_refused_clearly(sm, operation):
    name = uniq("replica")
    sm.create_secret(Name=name, SecretString="x")
    with raises_aws("InvalidRequestException", contains="region"):
        operation(sm, name)
    described = sm.describe_secret(SecretId=name)
    assert "ReplicationStatus" not in described and "PrimaryRegion" not in described


def test_create_secret_with_replica_regions_is_refused(sm):
    name = uniq("replica")
    with raises_aws("InvalidRequestException", contains="region"):
        sm.create_secret(Name=name, SecretString="x", AddReplicaRegions=[{"Region": "eu-west-3"}])
    with raises_aws("ResourceNotFoundException", MSG_NOT_FOUND):
        sm.describe_secret(SecretId=name)


# ----- AWS's validation errors -------------------------------------------------------------------------------

@pytest.mark.parametrize("bad_name", ["Inv Name", " Inv Name", " Inv*Name? ", " Inv *?!]Name\\-"])
def test_invalid_secret_names_match_aws(sm, bad_name):
    validate_policy = ('{\n"Version":"2012-10-17",\n"Statement":[{\n"Effect":"Allow",\n"Principal":{\n'
                       '"AWS":"arn:aws:iam::123456789012:root"\n},\n"Action":"secretsmanager:GetSecretValue",'
                       '\n"Resource":"*"\n}]\n}')
    calls = [
        lambda: sm.create_secret(Name=bad_name, SecretString="MySecretString"),
        lambda: sm.delete_secret(SecretId=bad_name, ForceDeleteWithoutRecovery=True),
        lambda: sm.describe_secret(SecretId=bad_name),
        lambda: sm.get_secret_value(SecretId=bad_name),
        lambda: sm.list_secret_version_ids(SecretId=bad_name, IncludeDeprecated=True),
        lambda: sm.put_secret_value(SecretId=bad_name, SecretString="MySecretString"),
        lambda: sm.tag_resource(SecretId=bad_name, Tags=[{"Key": "FirstTag", "Value": "SomeValue"}]),
        lambda: sm.untag_resource(SecretId=bad_name, TagKeys=["FirstTag"]),
        lambda: sm.update_secret(SecretId=bad_name, Description="MyNewDescription"),
        lambda: sm.validate_resource_policy(SecretId=bad_name, ResourcePolicy=validate_policy),
    ]
    r = {}
    for i, call in enumerate(calls, start=1):
        with raises_aws("ValidationException", MSG_INVALID_NAME) as e:
            call()
        r[f"ex_log_{i}"] = error_response(e)
    recording = "test_invalid_secret_name[%s]" % bad_name.replace("\\", "\\\\")  # pytest id escaping
    assert_matches_recording(recording, r, REGION)


@pytest.mark.parametrize("operation, params", [
    ("CreateSecret", "Name"),
    ("UpdateSecret", "SecretId"),
    ("RotateSecret", "SecretId"),
    ("PutSecretValue", "SecretId"),
])
def test_missing_client_request_token_matches_aws(shared_tandemd, operation, params):
    name = uuid.uuid4().hex[:8]  # never created: the token is checked first
    body = {"SecretString": "thisisthesecret", "Description": "My secret string", params: name}
    answer = shared_tandemd.call(operation, body)
    r = {"no-client-request-exc": {"Error": answer.json(), "Metadata": {"StatusCode": answer.status}}}
    assert_matches_recording(f"test_no_client_request_token[{operation}]", r, REGION)
    assert answer.error_message == MSG_NO_TOKEN


def test_length_limits_from_the_model(shared_tandemd, sm):
    loose = shared_tandemd.client(validate=False)
    with raises_aws("ValidationException"):
        loose.create_secret(Name="n" * 513, SecretString="x")
    with raises_aws("ValidationException"):
        loose.create_secret(Name=uniq("desc"), SecretString="x", Description="d" * 2049)
    with raises_aws("ValidationException"):
        loose.create_secret(Name=uniq("token"), SecretString="x", ClientRequestToken="short")
    with raises_aws("ValidationException"):
        loose.list_secrets(MaxResults=101)
    longest = "n" * 512
    assert sm.create_secret(Name=longest, SecretString="x")["Name"] == longest
    sm.delete_secret(SecretId=longest, ForceDeleteWithoutRecovery=True)


def test_string_and_binary_together_refused(sm):
    name = uniq("both")
    with pytest.raises(Exception) as e:
        sm.create_secret(Name=name, SecretString="x", SecretBinary=b"x")
    assert_aws_error(e, {"InvalidParameterException", "InvalidRequestException", "ValidationException"})
    with raises_aws("ResourceNotFoundException", MSG_NOT_FOUND):
        sm.describe_secret(SecretId=name)
    sm.create_secret(Name=name, SecretString="x")
    with pytest.raises(Exception) as e:
        sm.put_secret_value(SecretId=name, SecretString="y", SecretBinary=b"y")
    assert_aws_error(e, {"InvalidParameterException", "InvalidRequestException", "ValidationException"})
    assert len(versions_of(sm, name)) == 1


# ----- the remaining operations through the aws CLI ------------------------------------------------------

def test_cli_walk_through_the_other_operations(aws):
    def ok(*args):
        rc, out, err = aws(*args)
        assert rc == 0, (args, err)
        return out

    name = uniq("cli-ops")
    v1 = ok("secretsmanager", "create-secret", "--name", name, "--secret-string", "one")["VersionId"]
    pw = ok("secretsmanager", "get-random-password", "--password-length", "20", "--exclude-punctuation")
    assert len(pw["RandomPassword"]) == 20 and not set(pw["RandomPassword"]) & PUNCTUATION

    ok("secretsmanager", "tag-resource", "--secret-id", name, "--tags", "Key=a,Value=1", "Key=b,Value=2")
    ok("secretsmanager", "untag-resource", "--secret-id", name, "--tag-keys", "a")
    assert ok("secretsmanager", "describe-secret", "--secret-id", name)["Tags"] == [{"Key": "b", "Value": "2"}]

    policy = json.dumps(PRIVATE_POLICY)
    assert ok("secretsmanager", "validate-resource-policy", "--resource-policy", policy)["PolicyValidationPassed"]
    ok("secretsmanager", "put-resource-policy", "--secret-id", name, "--resource-policy", policy)
    got = ok("secretsmanager", "get-resource-policy", "--secret-id", name)
    assert json.loads(got["ResourcePolicy"]) == PRIVATE_POLICY
    ok("secretsmanager", "delete-resource-policy", "--secret-id", name)

    v2 = ok("secretsmanager", "put-secret-value", "--secret-id", name, "--secret-string", "two",
            "--version-stages", "AWSPENDING")["VersionId"]
    ok("secretsmanager", "update-secret-version-stage", "--secret-id", name, "--version-stage", "AWSCURRENT",
       "--move-to-version-id", v2, "--remove-from-version-id", v1)
    assert ok("secretsmanager", "get-secret-value", "--secret-id", name)["SecretString"] == "two"

    deleted = ok("secretsmanager", "delete-secret", "--secret-id", name, "--recovery-window-in-days", "7")
    assert "DeletionDate" in deleted
    rc, _, err = aws("secretsmanager", "get-secret-value", "--secret-id", name)
    assert rc == 254 and "InvalidRequestException" in err, err
    ok("secretsmanager", "restore-secret", "--secret-id", name)
    rc, _, err = aws("secretsmanager", "rotate-secret", "--secret-id", name)
    assert rc == 254 and "InvalidRequestException" in err, err
    ok("secretsmanager", "delete-secret", "--secret-id", name, "--force-delete-without-recovery")
