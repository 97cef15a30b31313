"""Assertions shared by the integration tests: AWS errors, recorded AWS responses, names."""

import datetime
import json
import os
import re
import uuid

import pytest
from botocore.exceptions import ClientError

from tandem_server import ACCOUNT_ID

RECORDED_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "aws_recorded",
                             "secretsmanager.snapshot.json")
RECORDED_ACCOUNT = "111111111111"

# AWS's messages, as recorded (see aws_recorded/).
MSG_NOT_FOUND = "Secrets Manager can't find the specified secret."
MSG_MARKED_FOR_DELETION = ("You can't perform this operation on the secret because it was marked "
                           "for deletion.")
MSG_SCHEDULED_FOR_DELETION = ("You can't create this secret because a secret with this name is "
                              "already scheduled for deletion.")
MSG_INVALID_NAME = ("Invalid name. Must be a valid name containing alphanumeric characters, or "
                    "any of the following: -/_+=.@!")
MSG_NO_TOKEN = "You must provide a ClientRequestToken value. We recommend a UUID-type value."
MSG_STAGE_MISMATCH = "You provided a VersionStage that is not associated to the provided VersionId."
MSG_NO_ROTATION_LAMBDA = "No Lambda rotation function ARN is associated with this secret."


def msg_no_value_for_stage(stage):
    return f"Secrets Manager can't find the specified secret value for staging label: {stage}"


def msg_no_value_for_version(version_id):
    return f"Secrets Manager can't find the specified secret value for VersionId: {version_id}"


def msg_exists(name):
    return f"The operation failed because the secret {name} already exists."


def uniq(prefix="t"):
    """A secret name no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def arn_pattern(name, region, account=ACCOUNT_ID):
    return re.compile(
        rf"arn:aws:secretsmanager:{re.escape(region)}:{account}:secret:{re.escape(name)}-[A-Za-z0-9]{{6}}"
    )


def assert_aws_error(excinfo, code, message=None, contains=None, status=None):
    """Checks a botocore ClientError (pytest excinfo or the exception) for AWS's code and message.

    code may be a string or a set of acceptable codes; message is compared exactly.
    """
    err = excinfo.value if hasattr(excinfo, "value") else excinfo
    assert isinstance(err, ClientError), f"expected an AWS error, got {err!r}"
    got_code = err.response.get("Error", {}).get("Code")
    got_message = err.response.get("Error", {}).get("Message")
    codes = {code} if isinstance(code, str) else set(code)
    assert got_code in codes, f"expected {sorted(codes)}, got {got_code}: {got_message!r}"
    if message is not None:
        assert got_message == message, f"{got_code}: expected message {message!r}, got {got_message!r}"
    if contains is not None:
        assert contains.lower() in (got_message or "").lower(), (
            f"{got_code}: message {got_message!r} does not mention {contains!r}")
    assert got_message, f"{got_code} came without a message"
    got_status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if status is not None:
        assert got_status == status, f"{got_code}: expected HTTP {status}, got {got_status}"
    else:
        assert got_status is not None and 400 <= got_status < 500, (
            f"{got_code}: expected a 4xx status, got {got_status}")
    return err


def assert_raw_error(result, code, message=None, status=None):
    """Checks a raw HTTP answer for an AWS JSON 1.1 error body with one of the given codes."""
    codes = {code} if isinstance(code, str) else set(code)
    assert result.error_code in codes, f"expected {sorted(codes)}, got {result!r}"
    if message is not None:
        assert result.error_message == message, f"expected {message!r}, got {result!r}"
    assert result.error_message, f"error without a message: {result!r}"
    if status is not None:
        assert result.status == status, f"expected HTTP {status}, got {result!r}"
    else:
        assert 400 <= result.status < 500, f"expected a 4xx status, got {result!r}"


def raises_aws(code, message=None, **kwargs):
    """Context manager: `with raises_aws("ResourceNotFoundException", MSG_NOT_FOUND): ...`."""
    return _RaisesAws(code, message, kwargs)


class _RaisesAws:
    def __init__(self, code, message, kwargs):
        self.code, self.message, self.kwargs = code, message, kwargs
        self._ctx = pytest.raises(ClientError)
        self.excinfo = None

    def __enter__(self):
        self.excinfo = self._ctx.__enter__()
        return self.excinfo

    def __exit__(self, *exc):
        handled = self._ctx.__exit__(*exc)
        if handled:
            assert_aws_error(self.excinfo, self.code, self.message, **self.kwargs)
        return handled


def error_response(excinfo):
    """The parsed error as botocore gives it (what the recordings hold), without metadata."""
    return strip_metadata(excinfo.value.response)


def strip_metadata(doc):
    if isinstance(doc, dict):
        return {k: strip_metadata(v) for k, v in doc.items() if k != "ResponseMetadata"}
    if isinstance(doc, list):
        return [strip_metadata(v) for v in doc]
    return doc


# ----- recorded AWS responses -----------------------------------------------------------------

_recorded_cache = None


def recorded(test_name):
    """The recorded content of one LocalStack test, e.g. 'test_secret_tags' or
    'test_create_and_update_secret[Valid/_+=.@-Name]'."""
    global _recorded_cache
    if _recorded_cache is None:
        with open(RECORDED_FILE) as f:
            raw = json.load(f)
        _recorded_cache = {k.split("::")[-1]: v["recorded-content"] for k, v in raw.items()}
    assert test_name in _recorded_cache, f"no recording named {test_name}"
    return strip_metadata(_recorded_cache[test_name])


_PLACEHOLDER = re.compile(r"<[^<>]+>")


class Bindings:
    """Placeholder -> actual value, kept one-to-one across a whole recorded sequence."""

    def __init__(self, region):
        self.values = {"<partition>": "aws", "<region>": region}
        self.owners = {}

    def copy(self):
        b = Bindings.__new__(Bindings)
        b.values, b.owners = dict(self.values), dict(self.owners)
        return b

    def update_from(self, other):
        self.values, self.owners = other.values, other.owners

    def bind(self, placeholder, value, path):
        if placeholder in self.values:
            assert self.values[placeholder] == value, (
                f"{path}: {placeholder} was {self.values[placeholder]!r}, now {value!r}")
            return
        owner = self.owners.get(value)
        assert owner is None, f"{path}: {value!r} is both {owner} and {placeholder}"
        self.values[placeholder] = value
        self.owners[value] = placeholder


def _template_regex(template, binds):
    parts, groups, pos = [], [], 0
    template = template.replace(RECORDED_ACCOUNT, ACCOUNT_ID)
    for m in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[pos:m.start()]))
        token = m.group(0)
        if token in binds.values:
            parts.append(re.escape(binds.values[token]))
        else:
            groups.append(token)
            fragment = "-[A-Za-z0-9]{6}" if token.startswith("<ArnPart") else ".+?"
            parts.append(f"({fragment})")
        pos = m.end()
    parts.append(re.escape(template[pos:]))
    return re.compile("".join(parts), re.DOTALL), groups


def _match_string(expected, actual, binds, path):
    if expected == "datetime":
        assert isinstance(actual, (datetime.datetime, int, float)) and not isinstance(actual, bool), (
            f"{path}: expected a timestamp, got {actual!r}")
        return
    if isinstance(actual, (bytes, bytearray)):
        actual = repr(bytes(actual))
    assert isinstance(actual, str), f"{path}: expected a string like {expected!r}, got {actual!r}"
    regex, groups = _template_regex(expected, binds)
    m = regex.fullmatch(actual)
    assert m, f"{path}: expected {expected!r}, got {actual!r}"
    for token, value in zip(groups, m.groups()):
        binds.bind(token, value, path)


def _keyed(items, key):
    return {item[key]: item for item in items}


def _list_key(items):
    if items and all(isinstance(i, dict) for i in items):
        for key in ("VersionId", "Name", "Key"):
            if all(key in i for i in items):
                return key
    return None


def _match_keyed(expected, actual, binds, path):
    """Matches two dicts whose keys may be templates (version ids, names)."""
    assert len(expected) == len(actual), (
        f"{path}: expected {len(expected)} entries {sorted(expected)}, got {len(actual)}: {sorted(actual)}")
    unused = dict(actual)
    for exp_key, exp_val in expected.items():
        regex, _ = _template_regex(exp_key, binds)
        candidates = [k for k in unused if isinstance(k, str) and regex.fullmatch(k)]
        matched = False
        errors = []
        for cand in candidates:
            trial = binds.copy()
            try:
                _match_string(exp_key, cand, trial, f"{path}.<key>")
                match_recorded(exp_val, unused[cand], trial, f"{path}[{cand}]")
            except AssertionError as e:
                errors.append(str(e))
                continue
            binds.update_from(trial)
            del unused[cand]
            matched = True
            break
        assert matched, (f"{path}: nothing matches recorded entry {exp_key}: {exp_val!r}; "
                         f"candidates {candidates}: {errors}; actual {actual!r}")


def match_recorded(expected, actual, binds, path="$"):
    """Asserts actual has exactly the recorded shape: same fields present, same values
    (placeholders bound consistently), labels compared as sets."""
    if isinstance(expected, dict):
        if isinstance(actual, str) and path.endswith("ResourcePolicy"):
            actual = json.loads(actual)
        assert isinstance(actual, dict), f"{path}: expected an object, got {actual!r}"
        if any("<" in k for k in expected):
            _match_keyed(expected, actual, binds, path)
            return
        assert set(expected) == set(actual), (
            f"{path}: fields differ: missing {sorted(set(expected) - set(actual))}, "
            f"unexpected {sorted(set(actual) - set(expected))}; actual {actual!r}")
        for k in expected:
            match_recorded(expected[k], actual[k], binds, f"{path}.{k}")
    elif isinstance(expected, list):
        assert isinstance(actual, list), f"{path}: expected a list, got {actual!r}"
        if all(isinstance(e, str) for e in expected) and all(isinstance(a, str) for a in actual):
            assert sorted(expected) == sorted(actual), f"{path}: expected {expected}, got {actual}"
            return
        key = _list_key(expected)
        if key and _list_key(actual) == key:
            _match_keyed(_keyed(expected, key), _keyed(actual, key), binds, f"{path}")
            return
        assert len(expected) == len(actual), f"{path}: expected {expected!r}, got {actual!r}"
        for i, (e, a) in enumerate(zip(expected, actual)):
            match_recorded(e, a, binds, f"{path}[{i}]")
    elif isinstance(expected, str):
        _match_string(expected, actual, binds, path)
    else:
        assert expected == actual, f"{path}: expected {expected!r}, got {actual!r}"


def assert_matches_recording(test_name, responses, region, keys=None, known=None):
    """Compares the responses of a replayed sequence with the recording, in recorded order.

    responses: {recorded key: botocore response, error response, or string}.
    keys: only these recorded keys (default: all of them, and responses must cover them).
    known: placeholders whose values the test knows, e.g. {"<SecretId-1idx>": name}.
    """
    expected = recorded(test_name)
    keys = list(expected) if keys is None else keys
    missing = [k for k in keys if k not in responses]
    assert not missing, f"replay of {test_name} did not produce {missing}"
    binds = Bindings(region)
    for placeholder, value in (known or {}).items():
        binds.bind(placeholder, value, test_name)
    for k in keys:
        match_recorded(expected[k], strip_metadata(responses[k]), binds, f"{test_name}:{k}")
    return binds
