#!/usr/bin/python3
"""Writes query_vectors.json: AWS Query requests as botocore encodes them.

Run with Debian's python3 and python3-botocore:

    /usr/bin/python3 tests/unit/data/make_query_vectors.py > tests/unit/data/query_vectors.json

Each vector is an operation's input, the form-encoded body botocore's
QuerySerializer and AWSRequest put on the wire for it, and the JSON input
Tandem must decode that body into (timestamps as epoch seconds, blobs as
base64 text, as the JSON protocol carries them). Vectors use botocore's rds
model with Tandem's overlay (src/rds/model/overlay.json) merged, as tandemd
embeds it, and a small "patterns" model for the encodings RDS does not use
(flattened lists and maps, maps, locationNames on structure members, blobs,
longs, doubles).
"""

import base64
import copy
import datetime
import json
import os
import sys

import botocore.loaders
from botocore.awsrequest import AWSRequest
from botocore.model import ServiceModel
from botocore.serialize import create_serializer

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
UTC = datetime.timezone.utc

PATTERNS_MODEL = {
    "version": "2.0",
    "metadata": {
        "apiVersion": "2020-01-01",
        "endpointPrefix": "patterns",
        "protocol": "query",
        "serviceId": "Patterns",
        "signatureVersion": "v4",
        "xmlNamespace": "http://patterns.example/doc/2020-01-01/",
    },
    "operations": {
        "Everything": {
            "name": "Everything",
            "http": {"method": "POST", "requestUri": "/"},
            "input": {"shape": "EverythingInput"},
            "output": {"shape": "EverythingOutput", "resultWrapper": "EverythingResult"},
        },
    },
    "shapes": {
        "EverythingInput": {
            "type": "structure",
            "required": ["Name"],
            "members": {
                "Name": {"shape": "String"},
                "Renamed": {"shape": "String", "locationName": "WireName"},
                "Count": {"shape": "Long"},
                "Ratio": {"shape": "Double"},
                "Flag": {"shape": "Boolean"},
                "When": {"shape": "Timestamp"},
                "Data": {"shape": "Blob"},
                "Plain": {"shape": "StringList"},
                "Named": {"shape": "NamedList"},
                "Flat": {"shape": "FlatList"},
                "FlatNamed": {"shape": "FlatNamedList"},
                "Attributes": {"shape": "StringMap"},
                "NamedMap": {"shape": "NamedMap"},
                "FlatMap": {"shape": "FlatMap"},
                "Nested": {"shape": "Nested"},
                "Items": {"shape": "ItemList"},
            },
        },
        "EverythingOutput": {"type": "structure", "members": {"Name": {"shape": "String"}}},
        "Nested": {
            "type": "structure",
            "members": {
                "Inner": {"shape": "String", "locationName": "InnerWire"},
                "Deep": {"shape": "Nested2"},
            },
        },
        "Nested2": {"type": "structure", "members": {"Leaf": {"shape": "Integer"}}},
        "Item": {
            "type": "structure",
            "required": ["Key"],
            "members": {"Key": {"shape": "String"}, "Tags": {"shape": "NamedList"}},
        },
        "ItemList": {"type": "list", "member": {"shape": "Item", "locationName": "Item"}},
        "StringList": {"type": "list", "member": {"shape": "String"}},
        "NamedList": {"type": "list", "member": {"shape": "String", "locationName": "Entry"}},
        "FlatList": {"type": "list", "member": {"shape": "String"}, "flattened": True},
        "FlatNamedList": {
            "type": "list",
            "member": {"shape": "String", "locationName": "Element"},
            "flattened": True,
        },
        "StringMap": {"type": "map", "key": {"shape": "String"}, "value": {"shape": "String"}},
        "NamedMap": {
            "type": "map",
            "key": {"shape": "String", "locationName": "Name"},
            "value": {"shape": "String", "locationName": "Setting"},
        },
        "FlatMap": {
            "type": "map",
            "key": {"shape": "String"},
            "value": {"shape": "String"},
            "flattened": True,
        },
        "String": {"type": "string"},
        "Integer": {"type": "integer"},
        "Long": {"type": "long"},
        "Double": {"type": "double"},
        "Boolean": {"type": "boolean"},
        "Timestamp": {"type": "timestamp"},
        "Blob": {"type": "blob"},
    },
}

T1 = datetime.datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
T2 = datetime.datetime(2023, 11, 15, 1, 2, 3, 456000, tzinfo=UTC)

RDS_CASES = [
    ("create_managed_password", "CreateDBInstance", {
        "DBInstanceIdentifier": "mydb",
        "DBInstanceClass": "db.t3.micro",
        "Engine": "mysql",
        "AllocatedStorage": 20,
        "MasterUsername": "admin",
        "ManageMasterUserPassword": True,
        "StorageEncrypted": True,
        "MultiAZ": False,
        "DBName": "mydb",
        "Port": 3307,
        "VpcSecurityGroupIds": ["sg-1", "sg-2"],
        "Tags": [{"Key": "env", "Value": "test"}, {"Key": "team", "Value": "a b&c=d"}],
    }),
    ("create_password_special_characters", "CreateDBInstance", {
        "DBInstanceIdentifier": "Other-DB",
        "DBInstanceClass": "db.r6g.large",
        "Engine": "mariadb",
        "MasterUsername": "root1",
        "MasterUserPassword": "p+a%s s&w=o;r#d~!*'()",
        "KmsKeyId": "alias/aws/rds",
        "BackupRetentionPeriod": 0,
        "DeletionProtection": True,
    }),
    ("describe_filters", "DescribeDBInstances", {
        "Filters": [
            {"Name": "engine", "Values": ["mysql", "mariadb"]},
            {"Name": "db-instance-id", "Values": ["arn:aws:rds:us-east-1:000000000000:db:mydb"]},
        ],
        "MaxRecords": 20,
        "Marker": "cmRzOmRiLWluc3RhbmNlcwpteWRi",
    }),
    ("describe_empty_filters", "DescribeDBInstances", {"Filters": []}),
    ("describe_nothing", "DescribeDBInstances", {}),
    ("modify_parameters", "ModifyDBParameterGroup", {
        "DBParameterGroupName": "pg1",
        "Parameters": [
            {"ParameterName": "max_connections", "ParameterValue": "500",
             "ApplyMethod": "immediate"},
            {"ParameterName": "sql_mode",
             "ParameterValue": "STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION",
             "ApplyMethod": "pending-reboot"},
        ],
    }),
    ("remove_tags", "RemoveTagsFromResource", {
        "ResourceName": "arn:aws:rds:us-east-1:000000000000:db:mydb",
        "TagKeys": ["env", "team"],
    }),
    ("describe_events_times", "DescribeEvents", {
        "SourceIdentifier": "mydb",
        "SourceType": "db-instance",
        "StartTime": T1,
        "EndTime": T2,
        "EventCategories": ["creation", "configuration change"],
        "MaxRecords": 100,
    }),
    ("describe_events_duration", "DescribeEvents", {"Duration": 1440}),
    ("modify_instance", "ModifyDBInstance", {
        "DBInstanceIdentifier": "mydb",
        "ManageMasterUserPassword": False,
        "MasterUserPassword": "new-password-1",
        "ApplyImmediately": True,
        "MultiAZ": True,
        "AllocatedStorage": 40,
    }),
    ("unicode_tags", "AddTagsToResource", {
        "ResourceName": "arn:aws:rds:us-east-1:000000000000:pg:pg1",
        "Tags": [{"Key": "caf\u00e9", "Value": "\u65e5\u672c \U0001F600"}],
    }),
    ("reset_all", "ResetDBParameterGroup", {
        "DBParameterGroupName": "pg1", "ResetAllParameters": True,
    }),
]

PATTERN_CASES = [
    ("every_pattern", "Everything", {
        "Name": "n",
        "Renamed": "r",
        "Count": 9007199254740993,
        "Ratio": 0.25,
        "Flag": False,
        "When": T2,
        "Data": b"\x00\x01binary\xff",
        "Plain": ["a", "b"],
        "Named": ["c"],
        "Flat": ["d", "e"],
        "FlatNamed": ["f", "g"],
        "Attributes": {"k1": "v1", "k2": "v2"},
        "NamedMap": {"x": "1"},
        "FlatMap": {"y": "2", "z": "3"},
        "Nested": {"Inner": "i", "Deep": {"Leaf": -7}},
        "Items": [{"Key": "one", "Tags": ["t1", "t2"]}, {"Key": "two"}],
    }),
    ("empty_lists", "Everything", {"Name": "n", "Plain": [], "Named": [], "Items": []}),
]


def load_rds_model():
    model = botocore.loaders.Loader().load_service_model("rds", "service-2")
    with open(os.path.join(REPO, "src", "rds", "model", "overlay.json")) as f:
        overlay = json.load(f)
    for section in ("operations", "shapes"):
        model[section].update(overlay.get(section, {}))
    return model


def expected_json(value):
    """The input as Tandem's handlers see it."""
    if isinstance(value, dict):
        return {k: expected_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [expected_json(v) for v in value]
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def wire_body(service_model, operation, params):
    serializer = create_serializer("query", include_validation=True)
    request = serializer.serialize_to_request(params, service_model.operation_model(operation))
    prepared = AWSRequest(method="POST", url="https://example.com/", data=request["body"],
                          headers=request["headers"]).prepare()
    return prepared.body if isinstance(prepared.body, str) else prepared.body.decode("ascii")


def main():
    rds = ServiceModel(load_rds_model(), service_name="rds")
    patterns = ServiceModel(copy.deepcopy(PATTERNS_MODEL), service_name="patterns")
    vectors = []
    for model_name, model, cases in (("rds", rds, RDS_CASES), ("patterns", patterns, PATTERN_CASES)):
        for name, operation, params in cases:
            vectors.append({
                "name": name,
                "model": model_name,
                "operation": operation,
                "body": wire_body(model, operation, params),
                "input": expected_json(params),
            })
    json.dump({"patterns_model": PATTERNS_MODEL, "vectors": vectors}, sys.stdout, indent=1,
              ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
