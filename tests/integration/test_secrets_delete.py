"""DeleteSecret: recovery windows, forced deletion, what a secret scheduled for deletion
refuses, RestoreSecret, re-creating a name, and the purge when the window ends."""

import datetime
import time

import pytest

from aws_checks import (
    MSG_MARKED_FOR_DELETION,
    MSG_NOT_FOUND,
    MSG_SCHEDULED_FOR_DELETION,
    assert_matches_recording,
    error_response,
    raises_aws,
    uniq,
)

REGION = "us-east-1"
DAY = 86400


def _utc(dt):
    return dt.astimezone(datetime.timezone.utc)


def _days_from_now(dt):
    return (_utc(dt) - datetime.datetime.now(datetime.timezone.utc)).total_seconds() / DAY


# ----- replays of recorded AWS sequences -------------------------------------------------------

def test_restore_matches_aws(sm):
    name = uniq("s")
    sm.create_secret(Name=name, SecretString="my_secret", Description="test description")
    r = {"delete_secret_res": sm.delete_secret(SecretId=name)}
    r["restore_secret_res"] = sm.restore_secret(SecretId=name)
    assert_matches_recording("test_secret_restore", r, REGION)
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "my_secret"
    assert "DeletedDate" not in sm.describe_secret(SecretId=name)


def test_force_delete_of_deleted_secret_matches_aws(sm):
    name = uniq("s")
    r = {"create_secret_response": sm.create_secret(Name=name, SecretString="secretstr-x")}
    arn = r["create_secret_response"]["ARN"]
    r["delete_secret_response"] = sm.delete_secret(SecretId=arn)
    r["describe_secret_response"] = sm.describe_secret(SecretId=arn)
    r["force_delete_secret_response"] = sm.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
    assert_matches_recording("test_force_delete_deleted_secret", r, REGION)
    with raises_aws("ResourceNotFoundException", MSG_NOT_FOUND):
        sm.describe_secret(SecretId=arn)


def test_create_while_scheduled_for_deletion_matches_aws(sm):
    name = uniq("s")
    sm.create_secret(Name=name, SecretString="secretstr-1")
    r = {"delete_res": sm.delete_secret(SecretId=name, RecoveryWindowInDays=7)}
    with raises_aws("InvalidRequestException", MSG_SCHEDULED_FOR_DELETION) as e:
        sm.create_secret(Name=name, SecretString="secretstr-1")
    r["invalid_req_ex"] = error_response(e)
    assert_matches_recording("test_exp_raised_on_creation_of_secret_scheduled_for_deletion", r, REGION,
                             keys=["delete_res", "invalid_req_ex"])


def test_recreate_after_forced_delete_matches_aws(sm):
    name = uniq("s")
    r = {"create_secret_res_0": sm.create_secret(Name=name, SecretString="secretstr-1")}
    r["delete_res_1"] = sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    r["create_secret_res_1"] = sm.create_secret(Name=name, SecretString="secretstr-1")
    for k in r:
        r[k] = {f: r[k][f] for f in r[k] if f != "ResponseMetadata"}
    assert_matches_recording("test_can_recreate_delete_secret", r, REGION)
    assert r["create_secret_res_0"]["ARN"] != r["create_secret_res_1"]["ARN"]
    got = sm.get_secret_value(SecretId=name)
    assert got["VersionId"] == r["create_secret_res_1"]["VersionId"]


def test_tag_untag_on_deleted_secret_matches_aws(sm):
    name = uniq("s")
    created = sm.create_secret(Name=name, SecretString="test-secret-value",
                               Tags=[{"Key": "initial-tag", "Value": "initial-value"}])
    r = {"create_secret": created, "delete_secret": sm.delete_secret(SecretId=created["ARN"])}
    with raises_aws("InvalidRequestException", MSG_MARKED_FOR_DELETION) as e:
        sm.tag_resource(SecretId=created["ARN"], Tags=[{"Key": "new-tag", "Value": "new-value"}])
    r["tag_deleted_secret_error"] = error_response(e)
    with raises_aws("InvalidRequestException", MSG_MARKED_FOR_DELETION) as e:
        sm.untag_resource(SecretId=created["ARN"], TagKeys=["initial-tag"])
    r["untag_deleted_secret_error"] = error_response(e)
    assert_matches_recording("test_tag_untag_resource_on_deleted_secret", r, REGION)
    assert sm.describe_secret(SecretId=name)["Tags"] == [{"Key": "initial-tag", "Value": "initial-value"}]


# ----- recovery windows ---------------------------------------------------------------------------

def test_default_recovery_window_is_30_days(sm):
    name = uniq("window")
    sm.create_secret(Name=name, SecretString="x")
    deleted = sm.delete_secret(SecretId=name)
    assert set(deleted) - {"ResponseMetadata"} == {"ARN", "Name", "DeletionDate"}
    assert 29.99 < _days_from_now(deleted["DeletionDate"]) < 30.01
    described = sm.describe_secret(SecretId=name)
    assert abs(_days_from_now(described["DeletedDate"])) < 0.01
    assert "DeletionDate" not in described


@pytest.mark.parametrize("days", [7, 30])
def test_recovery_window_bounds_accepted(sm, days):
    name = uniq("window")
    sm.create_secret(Name=name, SecretString="x")
    deleted = sm.delete_secret(SecretId=name, RecoveryWindowInDays=days)
    assert days - 0.01 < _days_from_now(deleted["DeletionDate"]) < days + 0.01


@pytest.mark.parametrize("kwargs", [
    {"RecoveryWindowInDays": 6},
    {"RecoveryWindowInDays": 31},
    {"RecoveryWindowInDays": 7, "ForceDeleteWithoutRecovery": True},
])
def test_bad_delete_parameters_refused_and_change_nothing(sm, kwargs):
    name = uniq("badwindow")
    sm.create_secret(Name=name, SecretString="still here")
    with raises_aws("InvalidParameterException"):
        sm.delete_secret(SecretId=name, **kwargs)
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "still here"
    assert "DeletedDate" not in sm.describe_secret(SecretId=name)


def test_operations_on_secret_marked_for_deletion(sm):
    name = uniq("marked")
    v1 = sm.create_secret(Name=name, SecretString="kept")["VersionId"]
    v2 = sm.put_secret_value(SecretId=name, SecretString="pending", VersionStages=["AWSPENDING"])["VersionId"]
    sm.delete_secret(SecretId=name, RecoveryWindowInDays=7)
    refused = [
        lambda: sm.get_secret_value(SecretId=name),
        lambda: sm.put_secret_value(SecretId=name, SecretString="new"),
        lambda: sm.update_secret(SecretId=name, SecretString="new"),
        lambda: sm.update_secret(SecretId=name, Description="new"),
        lambda: sm.update_secret_version_stage(SecretId=name, VersionStage="AWSCURRENT",
                                               MoveToVersionId=v2, RemoveFromVersionId=v1),
        lambda: sm.tag_resource(SecretId=name, Tags=[{"Key": "k", "Value": "v"}]),
        lambda: sm.untag_resource(SecretId=name, TagKeys=["k"]),
        lambda: sm.put_resource_policy(SecretId=name, ResourcePolicy=(
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":'
            '"arn:aws:iam::000000000000:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}')),
        lambda: sm.delete_secret(SecretId=name),
    ]
    for call in refused:
        with raises_aws("InvalidRequestException", MSG_MARKED_FOR_DELETION):
            call()
    # Still visible to DescribeSecret, hidden from ListSecrets.
    described = sm.describe_secret(SecretId=name)
    assert "DeletedDate" in described
    assert {k: sorted(v) for k, v in described["VersionIdsToStages"].items()} == {
        v1: ["AWSCURRENT"], v2: ["AWSPENDING"]}
    listed = sm.get_paginator("list_secrets").paginate(
        Filters=[{"Key": "name", "Values": [name]}]).build_full_result()["SecretList"]
    assert listed == []

    sm.restore_secret(SecretId=name)
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "kept"
    assert sm.get_secret_value(SecretId=name, VersionStage="AWSPENDING")["SecretString"] == "pending"


def test_restore_of_a_missing_secret(sm):
    with raises_aws("ResourceNotFoundException", MSG_NOT_FOUND):
        sm.restore_secret(SecretId=uniq("missing"))


def test_forced_delete_is_immediate(sm):
    name = uniq("forced")
    created = sm.create_secret(Name=name, SecretString="x")
    deleted = sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    assert deleted["ARN"] == created["ARN"] and deleted["Name"] == name
    assert abs(_days_from_now(deleted["DeletionDate"])) < 0.01
    with raises_aws("ResourceNotFoundException", MSG_NOT_FOUND):
        sm.get_secret_value(SecretId=name)
    with raises_aws("ResourceNotFoundException", MSG_NOT_FOUND):
        sm.restore_secret(SecretId=name)


def test_forced_delete_of_missing_secret_answers_as_if_deleted(sm):
    # AWS answers a forced delete of a secret that does not exist as if it existed (validated
    # against AWS by the suite our recordings come from); a cleanup that runs twice must not fail.
    missing = uniq("never")
    answer = sm.delete_secret(SecretId=missing, ForceDeleteWithoutRecovery=True)
    assert answer["Name"] == missing and answer["ARN"] and answer["DeletionDate"]


# ----- the purge when the window ends ---------------------------------------------------------------

def _wait_until_gone(sm, name, timeout=8.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            sm.describe_secret(SecretId=name)
        except sm.exceptions.ResourceNotFoundException:
            return True
        time.sleep(0.2)
    return False


def test_secret_is_purged_when_recovery_window_ends(tandemd):
    server = tandemd("--enable-test-clock", "--purge-interval-seconds", "1")
    sm = server.client()
    short, long, live = uniq("purge7"), uniq("purge30"), uniq("live")
    old_arn = sm.create_secret(Name=short, SecretString="goes away")["ARN"]
    sm.create_secret(Name=long, SecretString="stays scheduled")
    sm.create_secret(Name=live, SecretString="never deleted")
    sm.delete_secret(SecretId=short, RecoveryWindowInDays=7)
    sm.delete_secret(SecretId=long, RecoveryWindowInDays=30)

    # Not yet: the window has not ended.
    time.sleep(1.5)
    assert "DeletedDate" in sm.describe_secret(SecretId=short)

    server.advance_clock(7 * DAY + 120)
    # Requests are signed with the real time; advancing tandemd's clock must not make them stale.
    assert sm.get_secret_value(SecretId=live)["SecretString"] == "never deleted"
    assert _wait_until_gone(sm, short), "secret still there after its recovery window ended"
    with raises_aws("ResourceNotFoundException", MSG_NOT_FOUND):
        sm.get_secret_value(SecretId=short)
    assert "DeletedDate" in sm.describe_secret(SecretId=long)
    assert sm.get_secret_value(SecretId=live)["SecretString"] == "never deleted"

    # The name is free again, with a new ARN.
    recreated = sm.create_secret(Name=short, SecretString="second life")
    assert recreated["ARN"] != old_arn
    assert sm.get_secret_value(SecretId=short)["SecretString"] == "second life"

    # The purge survives a restart: nothing comes back.
    server.restart()
    sm = server.client()
    assert sm.get_secret_value(SecretId=short)["SecretString"] == "second life"
    assert len(sm.list_secret_version_ids(SecretId=short)["Versions"]) == 1
