"""Versions and staging labels: AWSCURRENT/AWSPREVIOUS moves, custom labels,
UpdateSecretVersionStage, deprecated versions, ClientRequestToken idempotency, AWSPENDING.

The replays run the same calls as recorded against real AWS and compare label maps and
field presence with the recordings."""

import threading
import uuid

import pytest

from aws_checks import (
    MSG_NOT_FOUND,
    assert_aws_error,
    assert_matches_recording,
    msg_no_value_for_stage,
    raises_aws,
    uniq,
)

REGION = "us-east-1"


def labels_of(sm, secret_id, include_deprecated=False):
    """{version id: sorted labels} from ListSecretVersionIds (all pages)."""
    out = {}
    kwargs = {"SecretId": secret_id, "IncludeDeprecated": include_deprecated}
    while True:
        page = sm.list_secret_version_ids(**kwargs)
        for v in page["Versions"]:
            out[v["VersionId"]] = sorted(v.get("VersionStages", []))
        if not page.get("NextToken"):
            return out
        kwargs["NextToken"] = page["NextToken"]


def described_labels(sm, secret_id):
    return {k: sorted(v) for k, v in sm.describe_secret(SecretId=secret_id)["VersionIdsToStages"].items()}


def assert_label_invariants(sm, secret_id):
    """Each label sits on at most one version; exactly one version is AWSCURRENT."""
    seen = {}
    for vid, labels in labels_of(sm, secret_id, include_deprecated=True).items():
        for label in labels:
            assert label not in seen, f"{label} on both {seen[label]} and {vid}"
            seen[label] = vid
    assert "AWSCURRENT" in seen


# ----- replays of recorded AWS sequences -------------------------------------------------------

def test_update_secret_version_stage_return_type_matches_aws(sm):
    name = uniq("s")
    r = {"create_secret_rs_0": sm.create_secret(Name=name, SecretString="Something1")}
    v0 = r["create_secret_rs_0"]["VersionId"]
    r["put_secret_value_res_0"] = sm.put_secret_value(
        SecretId=name, SecretString="Something2", VersionStages=["AWSPENDING"])
    v1 = r["put_secret_value_res_0"]["VersionId"]
    assert v1 != v0
    r["update_secret_version_stage_res_0"] = sm.update_secret_version_stage(
        SecretId=name, RemoveFromVersionId=v0, MoveToVersionId=v1, VersionStage="AWSCURRENT")
    r["delete_secret_res_0"] = sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    assert_matches_recording("test_update_secret_version_stages_return_type", r, REGION)


def test_update_secret_moves_current_to_previous_matches_aws(sm):
    name = uniq("s")
    r = {"create_secret_rs_0": sm.create_secret(Name=name, SecretString="secret_string_v0")}
    r["list_secret_version_ids_res_0"] = sm.list_secret_version_ids(SecretId=name)
    r["update_secret_res_0"] = sm.update_secret(SecretId=name, SecretString="secret_string_v1")
    r["list_secret_version_ids_res_1"] = sm.list_secret_version_ids(SecretId=name)
    r["delete_secret_res_0"] = sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    assert_matches_recording("test_update_secret_version_stages_current_previous", r, REGION)


def test_current_pending_matches_aws(sm):
    name = uniq("s")
    r = {"create_secret_rs_0": sm.create_secret(Name=name, SecretString="Something1")}
    v0 = r["create_secret_rs_0"]["VersionId"]
    r["put_secret_value_res_0"] = sm.put_secret_value(
        SecretId=name, SecretString="Something2", VersionStages=["AWSPENDING"])
    v1 = r["put_secret_value_res_0"]["VersionId"]
    r["list_secret_version_ids_res_0"] = sm.list_secret_version_ids(SecretId=name)
    r["update_secret_version_stage_res_0"] = sm.update_secret_version_stage(
        SecretId=name, RemoveFromVersionId=v0, MoveToVersionId=v1, VersionStage="AWSCURRENT")
    r["list_secret_version_ids_res_1"] = sm.list_secret_version_ids(SecretId=name)
    r["put_secret_value_res_1"] = sm.put_secret_value(SecretId=name, SecretString="SS3")
    r["list_secret_version_ids_res_2"] = sm.list_secret_version_ids(SecretId=name)
    r["delete_secret_res_0"] = sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    assert_matches_recording("test_update_secret_version_stages_current_pending", r, REGION)


def test_current_pending_cycle_matches_aws(sm):
    name = uniq("s")
    r = {"create_secret_rs_0": sm.create_secret(Name=name, SecretString="S1")}
    vid_0 = r["create_secret_rs_0"]["VersionId"]
    r["put_secret_value_res_0"] = sm.put_secret_value(
        SecretId=name, SecretString="S2", VersionStages=["AWSPENDING"])
    vid_1 = r["put_secret_value_res_0"]["VersionId"]
    r["list_secret_version_ids_res_0"] = sm.list_secret_version_ids(SecretId=name)
    r["get_secret_value_res_0"] = sm.get_secret_value(SecretId=name)
    r["update_secret_version_stage_res_0"] = sm.update_secret_version_stage(
        SecretId=name, RemoveFromVersionId=vid_0, MoveToVersionId=vid_1, VersionStage="AWSCURRENT")
    r["list_secret_version_ids_res_1"] = sm.list_secret_version_ids(SecretId=name)
    r["get_secret_value_res_1"] = sm.get_secret_value(SecretId=name)
    r["put_secret_value_res_1"] = sm.put_secret_value(
        SecretId=name, SecretString="S3", VersionStages=["AWSPENDING"])
    vid_2 = r["put_secret_value_res_1"]["VersionId"]
    r["list_secret_version_ids_res_2"] = sm.list_secret_version_ids(SecretId=name)
    r["get_secret_value_res_2"] = sm.get_secret_value(SecretId=name)
    r["put_secret_value_res_2"] = sm.update_secret_version_stage(
        SecretId=name, RemoveFromVersionId=vid_1, MoveToVersionId=vid_2, VersionStage="AWSCURRENT")
    r["list_secret_version_ids_res_3"] = sm.list_secret_version_ids(SecretId=name)
    r["get_secret_value_res_3"] = sm.get_secret_value(SecretId=name)
    r["delete_secret_res_0"] = sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    assert_matches_recording("test_update_secret_version_stages_current_pending_cycle", r, REGION)


def test_custom_stages_1_matches_aws(sm):
    name = uniq("s")
    r = {"create_secret_rs_0": sm.create_secret(Name=name, SecretString="S1")}
    vid_0 = r["create_secret_rs_0"]["VersionId"]
    r["put_secret_value_res_0"] = sm.put_secret_value(
        SecretId=name, SecretString="S2", VersionStages=["AWSSOMETHING", "AWSPENDING", "PUT1"])
    vid_1 = r["put_secret_value_res_0"]["VersionId"]
    r["list_secret_version_ids_res_0"] = sm.list_secret_version_ids(SecretId=name)
    r["get_secret_value_res_0"] = sm.get_secret_value(SecretId=name)
    r["update_secret_version_stage_res_0"] = sm.update_secret_version_stage(
        SecretId=name, RemoveFromVersionId=vid_0, MoveToVersionId=vid_1, VersionStage="AWSCURRENT")
    r["list_secret_version_ids_res_1"] = sm.list_secret_version_ids(SecretId=name)
    r["get_secret_value_res_1"] = sm.get_secret_value(SecretId=name)
    r["put_secret_value_res_1"] = sm.put_secret_value(
        SecretId=name, SecretString="S3", VersionStages=["AWSPENDING", "PUT2"])
    vid_2 = r["put_secret_value_res_1"]["VersionId"]
    r["list_secret_version_ids_res_2"] = sm.list_secret_version_ids(SecretId=name)
    r["get_secret_value_res_2"] = sm.get_secret_value(SecretId=name)
    r["update_secret_version_stage_res_1"] = sm.update_secret_version_stage(
        SecretId=name, RemoveFromVersionId=vid_1, MoveToVersionId=vid_2, VersionStage="AWSCURRENT")
    r["list_secret_version_ids_res_3"] = sm.list_secret_version_ids(SecretId=name)
    r["get_secret_value_res_3"] = sm.get_secret_value(SecretId=name)
    r["delete_secret_res_0"] = sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    assert_matches_recording(
        "test_update_secret_version_stages_current_pending_cycle_custom_stages_1", r, REGION)


def test_custom_stages_2_matches_aws(sm):
    name = uniq("s")
    r = {"create_secret_rs_0": sm.create_secret(Name=name, SecretString="SS")}
    r["put_secret_value_res_0"] = sm.put_secret_value(
        SecretId=name, SecretString="S1", VersionStages=["AWSCURRENT", "PUT0"])
    vid_0 = r["put_secret_value_res_0"]["VersionId"]
    r["list_secret_version_ids_res_0"] = sm.list_secret_version_ids(SecretId=name)
    r["put_secret_value_res_1"] = sm.put_secret_value(
        SecretId=name, SecretString="S2", VersionStages=["AWSPENDING", "PUT1"])
    vid_1 = r["put_secret_value_res_1"]["VersionId"]
    r["list_secret_version_ids_res_1"] = sm.list_secret_version_ids(SecretId=name)
    r["get_secret_value_res_0"] = sm.get_secret_value(SecretId=name)
    r["update_secret_version_stage_res_0"] = sm.update_secret_version_stage(
        SecretId=name, RemoveFromVersionId=vid_0, MoveToVersionId=vid_1, VersionStage="AWSCURRENT")
    r["list_secret_version_ids_res_2"] = sm.list_secret_version_ids(SecretId=name)
    r["get_secret_value_res_1"] = sm.get_secret_value(SecretId=name)
    r["put_secret_value_res_2"] = sm.put_secret_value(
        SecretId=name, SecretString="S3", VersionStages=["AWSPENDING", "PUT2"])
    vid_2 = r["put_secret_value_res_2"]["VersionId"]
    r["list_secret_version_ids_res_3"] = sm.list_secret_version_ids(SecretId=name)
    r["get_secret_value_res_2"] = sm.get_secret_value(SecretId=name)
    r["update_secret_version_stage_res_1"] = sm.update_secret_version_stage(
        SecretId=name, RemoveFromVersionId=vid_1, MoveToVersionId=vid_2, VersionStage="AWSCURRENT")
    r["list_secret_version_ids_res_4"] = sm.list_secret_version_ids(SecretId=name)
    r["get_secret_value_res_3"] = sm.get_secret_value(SecretId=name)
    r["delete_secret_res_0"] = sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    assert_matches_recording(
        "test_update_secret_version_stages_current_pending_cycle_custom_stages_2", r, REGION)


def test_custom_stages_3_matches_aws(sm):
    name = uniq("s")
    r = {"create_secret_rs": sm.create_secret(Name=name, SecretString="SS")}
    v1 = r["create_secret_rs"]["VersionId"]
    r["put_secret_value_res_0"] = sm.put_secret_value(
        SecretId=name, SecretString="S1", VersionStages=["PENDING"])
    v2 = r["put_secret_value_res_0"]["VersionId"]
    r["list_secret_version_ids_rs"] = sm.list_secret_version_ids(SecretId=name)
    r["get_secret_value_v1_rs"] = sm.get_secret_value(SecretId=name, VersionId=v1)
    r["get_secret_value_v2_rs"] = sm.get_secret_value(SecretId=name, VersionId=v2)
    r["update_secret_version_stage_res_1"] = sm.update_secret_version_stage(
        SecretId=name, RemoveFromVersionId=v1, MoveToVersionId=v2, VersionStage="AWSCURRENT")
    r["get_secret_value_v1_rs_1"] = sm.get_secret_value(SecretId=name, VersionId=v1)
    r["get_secret_value_v2_rs_1"] = sm.get_secret_value(SecretId=name, VersionId=v2)
    r["update_secret_version_stage_res_2"] = sm.update_secret_version_stage(
        SecretId=name, RemoveFromVersionId=v2, VersionStage="PENDING")
    r["get_secret_value_v1_rs_2"] = sm.get_secret_value(SecretId=name, VersionId=v1)
    r["get_secret_value_v2_rs_2"] = sm.get_secret_value(SecretId=name, VersionId=v2)
    r["delete_secret_res_0"] = sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    assert_matches_recording(
        "test_update_secret_version_stages_current_pending_cycle_custom_stages_3", r, REGION)


@pytest.mark.parametrize("recording, second_labels", [
    ("test_non_versioning_version_stages_replacement", ["one", "two", "three", "four"]),
    ("test_non_versioning_version_stages_no_replacement", ["one", "two", "four"]),
])
def test_custom_labels_move_between_versions_matches_aws(sm, recording, second_labels):
    name = uniq("s")
    r = {"create_secret_rs_0": sm.create_secret(Name=name, SecretString="S0")}
    r["put_secret_value_res_0"] = sm.put_secret_value(
        SecretId=name, SecretString="S1", VersionStages=["one", "two", "three"])
    r["list_secret_version_ids_res_0"] = sm.list_secret_version_ids(SecretId=name)
    r["put_secret_value_res_1"] = sm.put_secret_value(
        SecretId=name, SecretString="S2", VersionStages=second_labels)
    r["list_secret_version_ids_res_1"] = sm.list_secret_version_ids(SecretId=name)
    r["delete_secret_res_0"] = sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    assert_matches_recording(recording, r, REGION)


def test_put_secret_value_with_version_stages_matches_aws(sm):
    name = uniq("s")
    r = {"create_secret_rs_0": sm.create_secret(Name=name, SecretString="secret_string_v0")}
    r["get_secret_value_res_0"] = sm.get_secret_value(SecretId=name)
    calls = [
        ("secret_string_v1", ["SAMPLESTAGE1", "SAMPLESTAGE0"]),
        ("secret_string_v2", ["SAMPLESTAGE1", "SAMPLESTAGE0"]),
        ("secret_string_v3", ["AWSPENDING"]),
        ("secret_string_v4", None),
    ]
    for i, (value, stages) in enumerate(calls, start=1):
        kwargs = {"SecretId": name, "SecretString": value, "ClientRequestToken": str(uuid.uuid4())}
        if stages:
            kwargs["VersionStages"] = stages
        r[f"put_secret_value_res_{i}"] = sm.put_secret_value(**kwargs)
        assert r[f"put_secret_value_res_{i}"]["VersionId"] == kwargs["ClientRequestToken"]
        r[f"get_secret_value_res_{i}"] = sm.get_secret_value(SecretId=name)
    r["delete_secret_res_1"] = sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    assert_matches_recording("test_put_secret_value_with_version_stages", r, REGION)


def test_deprecated_versions_match_aws(sm):
    name = uniq("s")
    r = {"create_secret": sm.create_secret(Name=name, SecretString="original", Description="My secret")}
    r["list_secret_version_ids"] = sm.list_secret_version_ids(SecretId=name)
    r["put_secret_value_1"] = sm.put_secret_value(SecretId=name, SecretString="update1")
    r["list_secret_version_ids_1"] = sm.list_secret_version_ids(SecretId=name)
    r["put_secret_value_2"] = sm.put_secret_value(SecretId=name, SecretString="update2")
    r["list_secret_version_ids_2"] = sm.list_secret_version_ids(SecretId=name)
    r["list_secret_version_ids_3"] = sm.list_secret_version_ids(SecretId=name, IncludeDeprecated=True)
    r["put_secret_value_3"] = sm.put_secret_value(SecretId=name, SecretString="update3")
    r["list_secret_version_ids_4"] = sm.list_secret_version_ids(SecretId=name)
    r["list_secret_version_ids_5"] = sm.list_secret_version_ids(SecretId=name, IncludeDeprecated=True)
    assert_matches_recording("test_deprecated_secret_version_stage", r, REGION)


# ----- label rules -------------------------------------------------------------------------------

def test_put_and_update_move_current_and_previous(sm):
    name = uniq("labels")
    v1 = sm.create_secret(Name=name, SecretString="one")["VersionId"]
    v2 = sm.put_secret_value(SecretId=name, SecretString="two")["VersionId"]
    assert described_labels(sm, name) == {v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT"]}
    v3 = sm.update_secret(SecretId=name, SecretString="three")["VersionId"]
    assert described_labels(sm, name) == {v2: ["AWSPREVIOUS"], v3: ["AWSCURRENT"]}
    assert labels_of(sm, name, include_deprecated=True) == {
        v1: [], v2: ["AWSPREVIOUS"], v3: ["AWSCURRENT"]}
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "three"
    assert sm.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")["SecretString"] == "two"
    assert sm.get_secret_value(SecretId=name, VersionId=v1)["SecretString"] == "one"
    assert sm.get_secret_value(SecretId=name, VersionId=v1).get("VersionStages", []) == []
    # Description-only updates make no version.
    assert "VersionId" not in sm.update_secret(SecretId=name, Description="only words")
    assert described_labels(sm, name) == {v2: ["AWSPREVIOUS"], v3: ["AWSCURRENT"]}
    assert_label_invariants(sm, name)


def test_pending_version_and_promotion(sm):
    name = uniq("pending")
    v1 = sm.create_secret(Name=name, SecretString="current")["VersionId"]
    put = sm.put_secret_value(SecretId=name, SecretString="next", VersionStages=["AWSPENDING"])
    v2 = put["VersionId"]
    assert put["VersionStages"] == ["AWSPENDING"]
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "current"
    pending = sm.get_secret_value(SecretId=name, VersionStage="AWSPENDING")
    assert (pending["SecretString"], pending["VersionId"], pending["VersionStages"]) == (
        "next", v2, ["AWSPENDING"])
    assert described_labels(sm, name) == {v1: ["AWSCURRENT"], v2: ["AWSPENDING"]}

    sm.update_secret_version_stage(SecretId=name, VersionStage="AWSCURRENT",
                                   MoveToVersionId=v2, RemoveFromVersionId=v1)
    assert described_labels(sm, name) == {v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT", "AWSPENDING"]}
    sm.update_secret_version_stage(SecretId=name, VersionStage="AWSPENDING", RemoveFromVersionId=v2)
    assert described_labels(sm, name) == {v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT"]}
    with raises_aws("ResourceNotFoundException", msg_no_value_for_stage("AWSPENDING")):
        sm.get_secret_value(SecretId=name, VersionStage="AWSPENDING")
    assert_label_invariants(sm, name)


def test_custom_label_moves_and_leaves_deprecated_version(sm):
    name = uniq("custom")
    v1 = sm.create_secret(Name=name, SecretString="a")["VersionId"]
    v2 = sm.put_secret_value(SecretId=name, SecretString="b", VersionStages=["blue"])["VersionId"]
    assert described_labels(sm, name) == {v1: ["AWSCURRENT"], v2: ["blue"]}
    v3 = sm.put_secret_value(SecretId=name, SecretString="c", VersionStages=["blue", "green"])["VersionId"]
    assert described_labels(sm, name) == {v1: ["AWSCURRENT"], v3: ["blue", "green"]}
    assert v2 in labels_of(sm, name, include_deprecated=True)
    assert v2 not in labels_of(sm, name)
    assert sm.get_secret_value(SecretId=name, VersionStage="green")["SecretString"] == "c"
    # A deprecated version can still be read by id and relabelled.
    assert sm.get_secret_value(SecretId=name, VersionId=v2)["SecretString"] == "b"
    sm.update_secret_version_stage(SecretId=name, VersionStage="red", MoveToVersionId=v2)
    assert described_labels(sm, name) == {v1: ["AWSCURRENT"], v2: ["red"], v3: ["blue", "green"]}
    assert_label_invariants(sm, name)


def test_update_secret_version_stage_errors_change_nothing(sm):
    name = uniq("stage-errors")
    v1 = sm.create_secret(Name=name, SecretString="1")["VersionId"]
    v2 = sm.put_secret_value(SecretId=name, SecretString="2", VersionStages=["AWSPENDING"])["VersionId"]
    before = labels_of(sm, name, include_deprecated=True)

    # Moving AWSCURRENT without naming the version it leaves: AWS's message names that version.
    with raises_aws("InvalidParameterException",
                    "The parameter RemoveFromVersionId can't be empty. Staging label AWSCURRENT is "
                    f"currently attached to version {v1}, so you must explicitly reference that "
                    "version in RemoveFromVersionId."):
        sm.update_secret_version_stage(SecretId=name, VersionStage="AWSCURRENT", MoveToVersionId=v2)
    # RemoveFromVersionId that does not hold the label.
    with raises_aws({"InvalidParameterException", "InvalidRequestException"}):
        sm.update_secret_version_stage(SecretId=name, VersionStage="AWSCURRENT",
                                       MoveToVersionId=v1, RemoveFromVersionId=v2)
    with raises_aws({"InvalidParameterException", "InvalidRequestException"}):
        sm.update_secret_version_stage(SecretId=name, VersionStage="AWSPENDING", RemoveFromVersionId=v1)
    # A version that does not exist.
    missing = str(uuid.uuid4())
    with pytest.raises(Exception) as e:
        sm.update_secret_version_stage(SecretId=name, VersionStage="AWSCURRENT",
                                       MoveToVersionId=missing, RemoveFromVersionId=v1)
    assert_aws_error(e, {"ResourceNotFoundException", "InvalidParameterException"})
    # A secret that does not exist.
    with raises_aws("ResourceNotFoundException", MSG_NOT_FOUND):
        sm.update_secret_version_stage(SecretId=uniq("missing"), VersionStage="AWSCURRENT",
                                       MoveToVersionId=v2, RemoveFromVersionId=v1)
    assert labels_of(sm, name, include_deprecated=True) == before
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "1"


def test_client_request_token_is_idempotent(sm):
    name = uniq("token")
    create_token = str(uuid.uuid4())
    created = sm.create_secret(Name=name, SecretString="v1", ClientRequestToken=create_token)
    assert created["VersionId"] == create_token

    token = str(uuid.uuid4())
    first = sm.put_secret_value(SecretId=name, SecretString="v2", ClientRequestToken=token)
    assert first["VersionId"] == token
    after_first = labels_of(sm, name, include_deprecated=True)
    assert after_first == {create_token: ["AWSPREVIOUS"], token: ["AWSCURRENT"]}

    # Same token, same value: success, the same version, nothing moves.
    again = sm.put_secret_value(SecretId=name, SecretString="v2", ClientRequestToken=token)
    assert again["VersionId"] == token
    assert labels_of(sm, name, include_deprecated=True) == after_first

    # Same token, different value: refused, nothing changes.
    with raises_aws("ResourceExistsException"):
        sm.put_secret_value(SecretId=name, SecretString="v3", ClientRequestToken=token)
    with raises_aws("ResourceExistsException"):
        sm.put_secret_value(SecretId=name, SecretBinary=b"v2", ClientRequestToken=token)
    with raises_aws("ResourceExistsException"):
        sm.update_secret(SecretId=name, SecretString="v4", ClientRequestToken=token)
    assert labels_of(sm, name, include_deprecated=True) == after_first
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "v2"
    assert sm.get_secret_value(SecretId=name, VersionId=token)["SecretString"] == "v2"

    update_token = str(uuid.uuid4())
    updated = sm.update_secret(SecretId=name, SecretString="v5", ClientRequestToken=update_token)
    assert updated["VersionId"] == update_token
    assert described_labels(sm, name) == {token: ["AWSPREVIOUS"], update_token: ["AWSCURRENT"]}


def test_binary_value_token_idempotency(sm):
    name = uniq("token-bin")
    sm.create_secret(Name=name, SecretBinary=b"\x00one")
    token = str(uuid.uuid4())
    sm.put_secret_value(SecretId=name, SecretBinary=b"\x00two", ClientRequestToken=token)
    before = labels_of(sm, name, include_deprecated=True)
    assert sm.put_secret_value(SecretId=name, SecretBinary=b"\x00two",
                               ClientRequestToken=token)["VersionId"] == token
    assert labels_of(sm, name, include_deprecated=True) == before
    with raises_aws("ResourceExistsException"):
        sm.put_secret_value(SecretId=name, SecretBinary=b"\x00three", ClientRequestToken=token)


def test_cli_fills_tokens_so_each_put_is_a_new_version(aws):
    name = uniq("cli-token")
    assert aws("secretsmanager", "create-secret", "--name", name, "--secret-string", "a").rc == 0
    for value in ("b", "c"):
        rc, out, err = aws("secretsmanager", "put-secret-value", "--secret-id", name,
                           "--secret-string", value)
        assert rc == 0, err
    rc, out, err = aws("secretsmanager", "list-secret-version-ids", "--secret-id", name,
                       "--include-deprecated")
    assert rc == 0, err
    assert len(out["Versions"]) == 3


def test_old_deprecated_versions_are_pruned_past_100(sm):
    name = uniq("many")
    first = sm.create_secret(Name=name, SecretString="v0")["VersionId"]
    ids = [first]
    for i in range(1, 111):
        ids.append(sm.put_secret_value(SecretId=name, SecretString=f"v{i}")["VersionId"])
    versions = labels_of(sm, name, include_deprecated=True)
    deprecated = [v for v, labels in versions.items() if not labels]
    assert len(deprecated) <= 100, len(deprecated)
    assert 100 <= len(versions) <= 102, len(versions)
    assert first not in versions, "the oldest deprecated version should have been pruned"
    assert versions[ids[-1]] == ["AWSCURRENT"] and versions[ids[-2]] == ["AWSPREVIOUS"]
    assert ids[-3] in versions  # the newest deprecated ones stay
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "v110"


def test_concurrent_writers_keep_labels_consistent(shared_tandemd, sm):
    name = uniq("concurrent")
    first = sm.create_secret(Name=name, SecretString="start")["VersionId"]
    acked, errors = [], []

    def writer(w):
        client = shared_tandemd.client(validate=True)  # boto3 clients are thread-safe
        for i in range(10):
            try:
                acked.append(client.put_secret_value(SecretId=name, SecretString=f"w{w}-{i}")["VersionId"])
            except Exception as e:
                errors.append(e)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors[:3]
    assert len(set(acked)) == 80
    versions = labels_of(sm, name, include_deprecated=True)
    assert set(versions) == set(acked) | {first}
    assert_label_invariants(sm, name)
    holders = {label: vid for vid, labels in versions.items() for label in labels}
    assert set(holders) == {"AWSCURRENT", "AWSPREVIOUS"}
    current = sm.get_secret_value(SecretId=name)
    assert current["VersionId"] == holders["AWSCURRENT"]


def test_concurrent_creates_of_one_name(shared_tandemd):
    name = uniq("race")
    outcomes = []

    def create(i):
        client = shared_tandemd.client()
        try:
            client.create_secret(Name=name, SecretString=f"creator {i}")
            outcomes.append(("ok", i))
        except client.exceptions.ResourceExistsException:
            outcomes.append(("exists", i))
        except Exception as e:
            outcomes.append(("error", repr(e)))

    threads = [threading.Thread(target=create, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    winners = [i for kind, i in outcomes if kind == "ok"]
    assert len(winners) == 1, outcomes
    assert sorted(kind for kind, _ in outcomes) == ["exists"] * 7 + ["ok"], outcomes
    sm = shared_tandemd.client()
    assert sm.get_secret_value(SecretId=name)["SecretString"] == f"creator {winners[0]}"
    assert len(sm.list_secret_version_ids(SecretId=name, IncludeDeprecated=True)["Versions"]) == 1
