"""The RDS API (Query protocol) through boto3, the aws CLI and raw signed requests:
validation errors with RDS's codes and boto3's modeled exceptions, parameter groups,
tags, engine versions, events, and a created instance with its managed master password.

These tests need no engine: whether or not the instance reconciler brings instances up,
they only assert what the API itself decides (the answer to the call, the record right
after it). Every instance created here is deleted with SkipFinalSnapshot.

Debian's boto3 predates ManageMasterUserPassword and MasterUserSecret, so calls that
use them go through the aws CLI, whose botocore knows them.
"""

import datetime
import json
import re
import subprocess
import urllib.parse
import uuid
import xml.etree.ElementTree as ET

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import pytest
from botocore.exceptions import ClientError

from aws_checks import assert_aws_error, raises_aws
from conftest import ServerLauncher

REGION = "us-east-1"
ACCOUNT = "000000000000"
NS = "{http://rds.amazonaws.com/doc/2014-10-31/}"


def uid(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def mariadb_version():
    out = subprocess.run(["/usr/sbin/mariadbd", "--version"], capture_output=True, text=True).stdout
    return re.search(r" Ver (\d+\.\d+\.\d+)", out).group(1)


# ----- fixtures ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One tandemd whose reconciler can really start the instances created here (the
    tests must hold either way); the launcher stops it and its engine nodes by pid."""
    launcher = ServerLauncher(str(tmp_path_factory.mktemp("rds-api")))
    try:
        yield launcher(engine_nodes=True)
    finally:
        launcher.stop_all()


@pytest.fixture(scope="module")
def rds(server):
    return server.client(service="rds")


@pytest.fixture(scope="module")
def sm_module(server):
    return server.client(service="secretsmanager")


@pytest.fixture(scope="module")
def instances(rds):
    """Identifiers to delete at the end of the module (whatever state they reached)."""
    created = []
    yield created
    for ident in created:
        try:
            rds.delete_db_instance(DBInstanceIdentifier=ident, SkipFinalSnapshot=True)
        except ClientError as e:
            # Already being deleted, or already gone: both fine.
            assert e.response["Error"]["Code"] in ("InvalidDBInstanceState", "DBInstanceNotFound")


CREATE = dict(Engine="mysql", DBInstanceClass="db.t3.micro", AllocatedStorage=20,
              MasterUsername="admin", MasterUserPassword="secret-password-1")


@pytest.fixture(scope="module")
def instance(rds, instances):
    """One instance created with a password (its record, as CreateDBInstance answered)."""
    ident = uid("api")
    instances.append(ident)
    return rds.create_db_instance(DBInstanceIdentifier=ident, Tags=[{"Key": "team", "Value": "a"}],
                                  **CREATE)["DBInstance"]


def assert_not_created(rds, ident):
    with pytest.raises(rds.exceptions.DBInstanceNotFoundFault):
        rds.describe_db_instances(DBInstanceIdentifier=ident)


# ----- engine versions ------------------------------------------------------------------

def test_engine_versions_report_the_real_mariadb(rds):
    version = mariadb_version()
    for engine in ("mysql", "mariadb"):
        got = rds.describe_db_engine_versions(Engine=engine)["DBEngineVersions"]
        assert len(got) == 1
        assert got[0]["Engine"] == engine
        assert got[0]["EngineVersion"] == version
        assert got[0]["DBParameterGroupFamily"] == "mysql10.11"
    assert len(rds.describe_db_engine_versions()["DBEngineVersions"]) == 2
    major = ".".join(version.split(".")[:2])
    assert rds.describe_db_engine_versions(Engine="mysql", EngineVersion=major)["DBEngineVersions"]
    assert not rds.describe_db_engine_versions(Engine="mysql",
                                               EngineVersion="8.0.35")["DBEngineVersions"]
    with raises_aws("InvalidParameterValue", contains="postgres"):
        rds.describe_db_engine_versions(Engine="postgres")


# ----- creating and describing ----------------------------------------------------------

def test_created_instance_is_visible_as_rds_shows_it(rds, instance):
    ident = instance["DBInstanceIdentifier"]
    assert instance["DBInstanceStatus"] == "creating"
    assert "Endpoint" not in instance, "RDS shows no endpoint while creating"
    assert instance["Engine"] == "mysql"
    assert instance["EngineVersion"] == mariadb_version()
    assert instance["AvailabilityZone"] == f"{REGION}a"
    assert instance["MultiAZ"] is False
    assert instance["StorageEncrypted"] is False
    assert instance["DBInstanceArn"] == f"arn:aws:rds:{REGION}:{ACCOUNT}:db:{ident}"
    assert re.fullmatch(r"db-[A-Z0-9]{26}", instance["DbiResourceId"])
    assert instance["DBParameterGroups"][0]["DBParameterGroupName"] == "default.mysql10.11"
    assert instance["TagList"] == [{"Key": "team", "Value": "a"}]
    assert instance["PendingModifiedValues"] == {"MasterUserPassword": "****"}
    assert instance["CACertificateIdentifier"] == "tandem-ca"

    described = rds.describe_db_instances(DBInstanceIdentifier=ident.upper())["DBInstances"]
    assert [d["DBInstanceIdentifier"] for d in described] == [ident]
    assert described[0]["DbiResourceId"] == instance["DbiResourceId"]
    listed = rds.describe_db_instances(
        Filters=[{"Name": "db-instance-id", "Values": [instance["DBInstanceArn"]]}])["DBInstances"]
    assert [d["DBInstanceIdentifier"] for d in listed] == [ident]
    by_engine = rds.describe_db_instances(
        Filters=[{"Name": "engine", "Values": ["mariadb"]}])["DBInstances"]
    assert ident not in [d["DBInstanceIdentifier"] for d in by_engine]
    assert rds.describe_db_instances(MaxRecords=20)["DBInstances"]


def test_managed_master_password_secret_is_readable(server, rds, sm_module, instances):
    ident = uid("managed")
    instances.append(ident)
    rc, out, err = server.aws(
        "rds", "create-db-instance", "--db-instance-identifier", ident, "--engine", "mysql",
        "--db-instance-class", "db.t3.micro", "--allocated-storage", "20",
        "--master-username", "admin", "--manage-master-user-password", "--storage-encrypted",
        "--db-name", "app")
    assert rc == 0, err
    created = out["DBInstance"]
    assert created["DBInstanceStatus"] == "creating"
    assert created["StorageEncrypted"] is True
    assert re.fullmatch(rf"arn:aws:kms:{REGION}:{ACCOUNT}:key/[0-9a-f-]{{36}}", created["KmsKeyId"])
    secret_arn = created["MasterUserSecret"]["SecretArn"]
    assert re.fullmatch(rf"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:rds!db-[0-9a-f-]{{36}}-\w{{6}}",
                        secret_arn), secret_arn
    assert created["MasterUserSecret"]["SecretStatus"] in ("creating", "active")

    value = json.loads(sm_module.get_secret_value(SecretId=secret_arn)["SecretString"])
    assert value["username"] == "admin"
    assert len(value["password"]) >= 32
    assert not set(value["password"]) & set('/"@ ')
    described = sm_module.describe_secret(SecretId=secret_arn)
    assert {"Key": "aws:rds:primaryDBInstanceArn",
            "Value": f"arn:aws:rds:{REGION}:{ACCOUNT}:db:{ident}"} in described["Tags"]
    assert described["OwningService"] == "rds"

    rc, out, err = server.aws("rds", "describe-db-instances",
                                      "--db-instance-identifier", ident)
    assert rc == 0, err
    assert out["DBInstances"][0]["MasterUserSecret"]["SecretArn"] == secret_arn
    assert out["DBInstances"][0]["KmsKeyId"] == created["KmsKeyId"]

    # The same key by its ARN, its id and its alias.
    for key in (created["KmsKeyId"], created["KmsKeyId"].split("/")[-1], "alias/aws/rds"):
        other = uid("key")
        instances.append(other)
        got = server.client(service="rds").create_db_instance(
            DBInstanceIdentifier=other, StorageEncrypted=True, KmsKeyId=key, **CREATE)
        assert got["DBInstance"]["KmsKeyId"] == created["KmsKeyId"]

    rc, _, err = server.aws(
        "rds", "create-db-instance", "--db-instance-identifier", uid("both"), "--engine", "mysql",
        "--db-instance-class", "db.t3.micro", "--allocated-storage", "20",
        "--master-username", "admin", "--manage-master-user-password",
        "--master-user-password", "secret-password-1")
    assert rc == 254
    assert "InvalidParameterCombination" in err

    deleted = server.client(service="rds").delete_db_instance(
        DBInstanceIdentifier=ident, SkipFinalSnapshot=True)["DBInstance"]
    assert deleted["DBInstanceStatus"] == "deleting"


# ----- validation -----------------------------------------------------------------------

@pytest.mark.parametrize("change, code, mentions", [
    ({"DBInstanceIdentifier": "bad_name"}, "InvalidParameterValue", "DBInstanceIdentifier"),
    ({"DBInstanceIdentifier": "1db"}, "InvalidParameterValue", "DBInstanceIdentifier"),
    ({"DBInstanceIdentifier": "db--x"}, "InvalidParameterValue", "DBInstanceIdentifier"),
    ({"DBInstanceIdentifier": "db-"}, "InvalidParameterValue", "DBInstanceIdentifier"),
    ({"DBInstanceIdentifier": "a" * 64}, "InvalidParameterValue", "DBInstanceIdentifier"),
    ({"Engine": "postgres"}, "InvalidParameterValue", "engine"),
    ({"DBInstanceClass": "db.x2.huge"}, "InvalidParameterCombination", "DBInstanceClass"),
    ({"AllocatedStorage": 10}, "InvalidParameterValue", "storage"),
    ({"AllocatedStorage": 70000}, "InvalidParameterValue", "storage"),
    ({"MasterUsername": "1admin"}, "InvalidParameterValue", "MasterUsername"),
    ({"MasterUsername": "a" * 17}, "InvalidParameterValue", "MasterUsername"),
    ({"MasterUsername": "select"}, "InvalidParameterValue", "reserved"),
    ({"MasterUserPassword": "short"}, "InvalidParameterValue", "MasterUserPassword"),
    ({"MasterUserPassword": "p" * 42}, "InvalidParameterValue", "MasterUserPassword"),
    ({"MasterUserPassword": "has/slash1"}, "InvalidParameterValue", "MasterUserPassword"),
    ({"MasterUserPassword": "has space1"}, "InvalidParameterValue", "MasterUserPassword"),
    ({"MasterUserPassword": 'has"quote1'}, "InvalidParameterValue", "MasterUserPassword"),
    ({"MasterUserPassword": "has@at123"}, "InvalidParameterValue", "MasterUserPassword"),
    ({"KmsKeyId": "alias/aws/rds"}, "InvalidParameterCombination", "StorageEncrypted"),
    ({"Port": 80}, "InvalidParameterValue", "port"),
    ({"DBName": "1app"}, "InvalidParameterValue", "DBName"),
    ({"BackupRetentionPeriod": 36}, "InvalidParameterValue", "retention"),
    ({"EngineVersion": "8.0.35"}, "InvalidParameterCombination", "8.0.35"),
    ({"MultiAZ": True, "AvailabilityZone": f"{REGION}a"}, "InvalidParameterCombination",
     "availability zone"),
    ({"Tags": [{"Key": "aws:reserved", "Value": "x"}]}, "InvalidParameterValue", "aws:"),
])
def test_create_validation_errors(rds, change, code, mentions):
    params = dict(CREATE, **{"DBInstanceIdentifier": uid("bad"), **change})
    with raises_aws(code, contains=mentions, status=400):
        rds.create_db_instance(**params)
    if "DBInstanceIdentifier" not in change:
        assert_not_created(rds, params["DBInstanceIdentifier"])


def test_create_errors_raise_the_modeled_exceptions(rds, instance):
    ident = uid("faults")
    with pytest.raises(rds.exceptions.DBInstanceAlreadyExistsFault):
        rds.create_db_instance(**dict(CREATE, DBInstanceIdentifier=instance["DBInstanceIdentifier"]))
    with pytest.raises(rds.exceptions.DBParameterGroupNotFoundFault) as e:
        rds.create_db_instance(DBInstanceIdentifier=ident, DBParameterGroupName="no-such-group",
                               **CREATE)
    assert_aws_error(e, "DBParameterGroupNotFound", status=404)
    with pytest.raises(rds.exceptions.KMSKeyNotAccessibleFault):
        rds.create_db_instance(DBInstanceIdentifier=ident, StorageEncrypted=True,
                               KmsKeyId="arn:aws:kms:us-east-1:000000000000:key/unknown", **CREATE)
    with pytest.raises(rds.exceptions.CertificateNotFoundFault):
        rds.modify_db_instance(DBInstanceIdentifier=instance["DBInstanceIdentifier"],
                               CACertificateIdentifier="rds-ca-rsa2048-g1")
    with pytest.raises(rds.exceptions.DBInstanceNotFoundFault) as e:
        rds.describe_db_instances(DBInstanceIdentifier=ident)
    assert_aws_error(e, "DBInstanceNotFound", f"DBInstance {ident} not found.", status=404)
    # Without a password or a managed one, and without required parameters.
    with raises_aws("InvalidParameterValue", contains="MasterUserPassword"):
        rds.create_db_instance(**{k: v for k, v in dict(CREATE, DBInstanceIdentifier=ident).items()
                                  if k != "MasterUserPassword"})
    assert_not_created(rds, ident)


def test_missing_required_parameter(server):
    client = server.client(service="rds", validate=False)
    with raises_aws("MissingParameter", "The request must contain the parameter Engine"):
        client.create_db_instance(DBInstanceIdentifier=uid("x"), DBInstanceClass="db.t3.micro")


def test_operations_on_the_instance_check_input_and_state(rds, instance):
    ident = instance["DBInstanceIdentifier"]
    # Start needs a stopped instance: this one is creating or available.
    with pytest.raises(rds.exceptions.InvalidDBInstanceStateFault):
        rds.start_db_instance(DBInstanceIdentifier=ident)
    with raises_aws("InvalidParameterCombination", contains="Multi-AZ"):
        rds.reboot_db_instance(DBInstanceIdentifier=ident, ForceFailover=True)
    with raises_aws("InvalidParameterCombination",
                    "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified."):
        rds.delete_db_instance(DBInstanceIdentifier=ident)
    with raises_aws("InvalidParameterCombination", contains="snapshots"):
        rds.delete_db_instance(DBInstanceIdentifier=ident, FinalDBSnapshotIdentifier="final")
    with raises_aws("InvalidParameterCombination", contains="snapshots"):
        rds.stop_db_instance(DBInstanceIdentifier=ident, DBSnapshotIdentifier="snap")
    with raises_aws("InvalidParameterCombination", contains="db.x9"):
        rds.modify_db_instance(DBInstanceIdentifier=ident, DBInstanceClass="db.x9.big")
    with raises_aws("InvalidParameterValue", contains="MasterUserPassword"):
        rds.modify_db_instance(DBInstanceIdentifier=ident, MasterUserPassword="short")
    with pytest.raises(rds.exceptions.DBParameterGroupNotFoundFault):
        rds.modify_db_instance(DBInstanceIdentifier=ident, DBParameterGroupName="no-such-group")
    with pytest.raises(rds.exceptions.DBInstanceNotFoundFault):
        rds.reboot_db_instance(DBInstanceIdentifier=uid("none"))
    with raises_aws("InvalidParameterValue", contains="MaxRecords"):
        rds.describe_db_instances(MaxRecords=5)
    with raises_aws("InvalidParameterValue", contains="Unrecognized filter name"):
        rds.describe_db_instances(Filters=[{"Name": "color", "Values": ["blue"]}])
    # Nothing of the above changed the instance.
    after = rds.describe_db_instances(DBInstanceIdentifier=ident)["DBInstances"][0]
    assert after["DBInstanceClass"] == "db.t3.micro"
    assert after["DBParameterGroups"][0]["DBParameterGroupName"] == "default.mysql10.11"


def test_cli_reports_rds_errors(server):
    rc, _, err = server.aws("rds", "describe-db-instances",
                                    "--db-instance-identifier", "no-such-db")
    assert rc == 254
    assert "DBInstanceNotFound" in err and "DBInstance no-such-db not found." in err


# ----- parameter groups -----------------------------------------------------------------

def test_parameter_groups(rds, instances):
    name = uid("pg")
    created = rds.create_db_parameter_group(DBParameterGroupName=name.upper(),
                                            DBParameterGroupFamily="mysql10.11",
                                            Description="test group")["DBParameterGroup"]
    assert created == {"DBParameterGroupName": name, "DBParameterGroupFamily": "mysql10.11",
                       "Description": "test group",
                       "DBParameterGroupArn": f"arn:aws:rds:{REGION}:{ACCOUNT}:pg:{name}"}
    with pytest.raises(rds.exceptions.DBParameterGroupAlreadyExistsFault):
        rds.create_db_parameter_group(DBParameterGroupName=name, DBParameterGroupFamily="mysql10.11",
                                      Description="again")
    with raises_aws("InvalidParameterValue", contains="mysql8.0"):
        rds.create_db_parameter_group(DBParameterGroupName=uid("pg"),
                                      DBParameterGroupFamily="mysql8.0", Description="d")
    names = [g["DBParameterGroupName"] for g in
             rds.describe_db_parameter_groups()["DBParameterGroups"]]
    assert "default.mysql10.11" in names and name in names

    rds.modify_db_parameter_group(DBParameterGroupName=name, Parameters=[
        {"ParameterName": "require_secure_transport", "ParameterValue": "1",
         "ApplyMethod": "immediate"},
        {"ParameterName": "max_connections", "ParameterValue": "250", "ApplyMethod": "immediate"},
        {"ParameterName": "performance_schema", "ParameterValue": "1",
         "ApplyMethod": "pending-reboot"},
    ])
    for parameter, code, mentions in [
        ({"ParameterName": "performance_schema", "ParameterValue": "0",
          "ApplyMethod": "immediate"}, "InvalidParameterCombination", "static parameter"),
        ({"ParameterName": "max_connections", "ParameterValue": "0",
          "ApplyMethod": "immediate"}, "InvalidParameterValue", "1-100000"),
        ({"ParameterName": "no_such_parameter", "ParameterValue": "1",
          "ApplyMethod": "immediate"}, "InvalidParameterValue", "no_such_parameter"),
        ({"ParameterName": "sync_binlog", "ParameterValue": "0",
          "ApplyMethod": "pending-reboot"}, "InvalidParameterValue", "cannot be modified"),
        ({"ParameterName": "time_zone", "ParameterValue": "Mars/Olympus",
          "ApplyMethod": "immediate"}, "InvalidParameterValue", "time_zone"),
    ]:
        with raises_aws(code, contains=mentions):
            rds.modify_db_parameter_group(DBParameterGroupName=name, Parameters=[parameter])
    with raises_aws("InvalidParameterValue", contains="Default parameter groups"):
        rds.modify_db_parameter_group(DBParameterGroupName="default.mysql10.11", Parameters=[
            {"ParameterName": "max_connections", "ParameterValue": "5",
             "ApplyMethod": "immediate"}])

    user = rds.describe_db_parameters(DBParameterGroupName=name, Source="user")["Parameters"]
    by_name = {p["ParameterName"]: p for p in user}
    assert set(by_name) == {"max_connections", "performance_schema", "require_secure_transport"}
    assert by_name["require_secure_transport"]["ParameterValue"] == "1"
    assert by_name["require_secure_transport"]["ApplyType"] == "dynamic"
    assert by_name["require_secure_transport"]["IsModifiable"] is True
    assert by_name["performance_schema"]["ApplyType"] == "static"
    assert by_name["performance_schema"]["ApplyMethod"] == "pending-reboot"
    system = rds.describe_db_parameters(DBParameterGroupName=name, Source="system")["Parameters"]
    assert system and all(not p["IsModifiable"] for p in system)

    # Paging through every parameter, boto3's paginator included.
    first = rds.describe_db_parameters(DBParameterGroupName="default.mysql10.11", MaxRecords=20)
    assert len(first["Parameters"]) == 20 and "Marker" in first
    pages = rds.get_paginator("describe_db_parameters").paginate(
        DBParameterGroupName="default.mysql10.11", PaginationConfig={"PageSize": 20})
    every = [p["ParameterName"] for page in pages for p in page["Parameters"]]
    assert len(every) == len(set(every)) > 20
    assert "innodb_buffer_pool_size" in every

    rds.reset_db_parameter_group(DBParameterGroupName=name, Parameters=[
        {"ParameterName": "max_connections", "ApplyMethod": "immediate"}])
    user = rds.describe_db_parameters(DBParameterGroupName=name, Source="user")["Parameters"]
    assert {p["ParameterName"] for p in user} == {"performance_schema", "require_secure_transport"}

    # A group in use cannot go.
    ident = uid("pguser")
    instances.append(ident)
    db = rds.create_db_instance(DBInstanceIdentifier=ident, DBParameterGroupName=name,
                                **CREATE)["DBInstance"]
    assert db["DBParameterGroups"][0]["DBParameterGroupName"] == name
    with pytest.raises(rds.exceptions.InvalidDBParameterGroupStateFault):
        rds.delete_db_parameter_group(DBParameterGroupName=name)

    other = uid("pg")
    rds.create_db_parameter_group(DBParameterGroupName=other, DBParameterGroupFamily="mysql10.11",
                                  Description="to delete")
    rds.reset_db_parameter_group(DBParameterGroupName=other, ResetAllParameters=True)
    rds.delete_db_parameter_group(DBParameterGroupName=other)
    with pytest.raises(rds.exceptions.DBParameterGroupNotFoundFault) as e:
        rds.describe_db_parameter_groups(DBParameterGroupName=other)
    assert_aws_error(e, "DBParameterGroupNotFound", f"DBParameterGroup not found: {other}",
                     status=404)

    # The changes are events of the group.
    events = rds.describe_events(SourceType="db-parameter-group", SourceIdentifier=name)["Events"]
    messages = [e["Message"] for e in events]
    assert "Updated parameter require_secure_transport to 1 with apply method immediate" in messages
    for e in events:
        assert e["SourceType"] == "db-parameter-group"
        assert e["SourceArn"] == created["DBParameterGroupArn"]
        assert e["EventCategories"] == ["configuration change"]
        assert isinstance(e["Date"], datetime.datetime)


# ----- tags -----------------------------------------------------------------------------

def test_tags_on_instances_and_parameter_groups(rds, instance):
    group = uid("tagged")
    group_arn = rds.create_db_parameter_group(
        DBParameterGroupName=group, DBParameterGroupFamily="mysql10.11",
        Description="d", Tags=[{"Key": "k0", "Value": "v0"}])["DBParameterGroup"]["DBParameterGroupArn"]
    for arn, start in ((instance["DBInstanceArn"], [{"Key": "team", "Value": "a"}]),
                       (group_arn, [{"Key": "k0", "Value": "v0"}])):
        assert rds.list_tags_for_resource(ResourceName=arn)["TagList"] == start
        rds.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "env", "Value": "test"},
                                                         {"Key": "owner", "Value": "x&<y>"}])
        tags = rds.list_tags_for_resource(ResourceName=arn)["TagList"]
        assert {"Key": "owner", "Value": "x&<y>"} in tags and len(tags) == 3
        rds.remove_tags_from_resource(ResourceName=arn, TagKeys=["env", "owner"])
        assert rds.list_tags_for_resource(ResourceName=arn)["TagList"] == start
        with raises_aws("InvalidParameterValue", contains="aws:"):
            rds.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "aws:x", "Value": "y"}])
    with pytest.raises(rds.exceptions.DBInstanceNotFoundFault):
        rds.list_tags_for_resource(ResourceName=f"arn:aws:rds:{REGION}:{ACCOUNT}:db:{uid('none')}")
    for bad in ("mydb", f"arn:aws:rds:eu-west-1:{ACCOUNT}:db:{instance['DBInstanceIdentifier']}",
                f"arn:aws:rds:{REGION}:{ACCOUNT}:snapshot:s1"):
        with raises_aws("InvalidParameterValue",
                        "The specified resource name does not match an RDS resource in this "
                        "region."):
            rds.list_tags_for_resource(ResourceName=bad)
    rds.delete_db_parameter_group(DBParameterGroupName=group)


# ----- events ---------------------------------------------------------------------------

def test_describe_events_shape_and_rules(rds):
    got = rds.describe_events(Duration=60, MaxRecords=20)
    assert isinstance(got["Events"], list)
    for e in got["Events"]:
        assert set(e) >= {"SourceIdentifier", "SourceType", "Message", "EventCategories", "Date",
                          "SourceArn"}
    with raises_aws("InvalidParameterCombination", contains="SourceType"):
        rds.describe_events(SourceIdentifier="mydb")
    with raises_aws("InvalidParameterValue", contains="category"):
        rds.describe_events(EventCategories=["weather"])
    with raises_aws("InvalidParameterValue", contains="MaxRecords"):
        rds.describe_events(MaxRecords=101)
    now = datetime.datetime.now(datetime.timezone.utc)
    assert "Events" in rds.describe_events(StartTime=now - datetime.timedelta(days=1), EndTime=now)


# ----- the protocol itself ---------------------------------------------------------------

def signed_query(server, params, method="POST", secret_key=None):
    key_id, secret, _ = server.credentials()
    body = urllib.parse.urlencode(params)
    if method == "POST":
        request = botocore.awsrequest.AWSRequest(
            method="POST", url=server.url + "/", data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    else:
        request = botocore.awsrequest.AWSRequest(method="GET", url=server.url + "/?" + body)
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(key_id, secret_key or secret),
                            "rds", REGION).add_auth(request)
    headers = dict(request.headers.items())
    headers["Host"] = f"127.0.0.1:{server.port}"
    path = "/" if method == "POST" else "/?" + body
    return server.raw(method, path, headers=headers, body=body.encode() if method == "POST" else b"")


def test_raw_query_requests(server):
    r = signed_query(server, {"Action": "DescribeDBEngineVersions",
                                      "Version": "2014-10-31", "Engine": "mariadb"}, method="GET")
    assert r.status == 200, r
    root = ET.fromstring(r.body)
    assert root.tag == f"{NS}DescribeDBEngineVersionsResponse"
    versions = root.findall(f"{NS}DescribeDBEngineVersionsResult/{NS}DBEngineVersions/"
                            f"{NS}DBEngineVersion")
    assert [v.find(f"{NS}Engine").text for v in versions] == ["mariadb"]
    assert root.find(f"{NS}ResponseMetadata/{NS}RequestId").text == r.headers["x-amzn-requestid"]

    for params, code in [({"Action": "DescribeDBClusters", "Version": "2014-10-31"},
                          "InvalidAction"),
                         ({"Action": "Nonsense", "Version": "2014-10-31"}, "InvalidAction"),
                         ({"Version": "2014-10-31"}, "MissingAction"),
                         ({"Action": "DescribeDBInstances"}, "MissingParameter"),
                         ({"Action": "DescribeDBInstances", "Version": "2014-10-31",
                           "MaxRecords": "many"}, "InvalidParameterValue")]:
        r = signed_query(server, params)
        assert r.status == 400, r
        root = ET.fromstring(r.body)
        assert root.tag == f"{NS}ErrorResponse"
        assert root.find(f"{NS}Error/{NS}Code").text == code
        assert root.find(f"{NS}Error/{NS}Type").text == "Sender"


def test_auth_errors_in_query_style(server):
    r = signed_query(server, {"Action": "DescribeDBInstances", "Version": "2014-10-31"},
                     secret_key="wrong-secret")
    assert r.status == 403
    root = ET.fromstring(r.body)
    assert root.find(f"{NS}Error/{NS}Code").text == "SignatureDoesNotMatch"

    client = server.client(service="rds", access_key="AKIAUNKNOWNKEY000000",
                                   secret_key="x" * 40)
    with raises_aws("InvalidClientTokenId", status=403):
        client.describe_db_instances()
