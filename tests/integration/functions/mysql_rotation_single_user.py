"""Single-user rotation of a MySQL user's password, written as AWS's published rotation
template SecretsManagerRDSMySQLRotationSingleUser (lambda_function.py) is written, so that
Tandem is tested with what its users actually deploy: the same handler, the same Secrets
Manager calls in the same order, the same staging-label checks, the same pymysql login
(TLS first with ssl={'ca': '/etc/pki/tls/cert.pem'}, then plaintext unless the secret's
"ssl" field forbids it), and the same SET PASSWORD statement. Nothing in it knows about
Tandem: the endpoint comes from SECRETS_MANAGER_ENDPOINT, as on AWS.

Upload it as lambda_function.py with the handler lambda_function.lambda_handler.

The secret's SecretString is a JSON object:
    {"engine": "mysql" (required), "host": ... (required), "username": ... (required),
     "password": ... (required), "dbname": ... (optional), "port": ... (optional, 3306)}
"""

import json
import logging
import os

import boto3
import pymysql

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def lambda_handler(event, context):
    """Runs one step of the single-user rotation scheme: log in as the user and change the
    user's own password (the previous password stops working at once).

    event: {"SecretId": ..., "ClientRequestToken": ..., "Step": "createSecret" |
    "setSecret" | "testSecret" | "finishSecret"}.

    Raises ResourceNotFoundException (the secret or the version is missing), ValueError
    (the secret is not set up for rotation, or no credentials log in), KeyError (a field is
    missing from the secret's JSON).
    """
    arn = event["SecretId"]
    token = event["ClientRequestToken"]
    step = event["Step"]

    service_client = boto3.client("secretsmanager",
                                  endpoint_url=os.environ["SECRETS_MANAGER_ENDPOINT"])

    # The version must be staged for this rotation.
    metadata = service_client.describe_secret(SecretId=arn)
    if "RotationEnabled" in metadata and not metadata["RotationEnabled"]:
        logger.error("Secret %s is not enabled for rotation" % arn)
        raise ValueError("Secret %s is not enabled for rotation" % arn)
    versions = metadata["VersionIdsToStages"]
    if token not in versions:
        logger.error("Secret version %s has no stage for rotation of secret %s." % (token, arn))
        raise ValueError("Secret version %s has no stage for rotation of secret %s."
                         % (token, arn))
    if "AWSCURRENT" in versions[token]:
        logger.info("Secret version %s already set as AWSCURRENT for secret %s." % (token, arn))
        return
    elif "AWSPENDING" not in versions[token]:
        logger.error("Secret version %s not set as AWSPENDING for rotation of secret %s."
                     % (token, arn))
        raise ValueError("Secret version %s not set as AWSPENDING for rotation of secret %s."
                         % (token, arn))

    if step == "createSecret":
        create_secret(service_client, arn, token)
    elif step == "setSecret":
        set_secret(service_client, arn, token)
    elif step == "testSecret":
        test_secret(service_client, arn, token)
    elif step == "finishSecret":
        finish_secret(service_client, arn, token)
    else:
        logger.error("lambda_handler: Invalid step parameter %s for secret %s" % (step, arn))
        raise ValueError("Invalid step parameter %s for secret %s" % (step, arn))


def create_secret(service_client, arn, token):
    """Makes the new version: if the token has no value yet, the current value with a new
    random password, staged AWSPENDING."""
    # The current version must exist and be valid.
    current_dict = get_secret_dict(service_client, arn, "AWSCURRENT")

    try:
        get_secret_dict(service_client, arn, "AWSPENDING", token)
        logger.info("createSecret: Successfully retrieved secret for %s." % arn)
    except service_client.exceptions.ResourceNotFoundException:
        exclude_characters = (os.environ["EXCLUDE_CHARACTERS"]
                              if "EXCLUDE_CHARACTERS" in os.environ else "/@\"'\\")
        passwd = service_client.get_random_password(ExcludeCharacters=exclude_characters)
        current_dict["password"] = passwd["RandomPassword"]
        service_client.put_secret_value(SecretId=arn, ClientRequestToken=token,
                                        SecretString=json.dumps(current_dict),
                                        VersionStages=["AWSPENDING"])
        logger.info("createSecret: Successfully put secret for ARN %s and version %s."
                    % (arn, token))


def set_secret(service_client, arn, token):
    """Sets the AWSPENDING password in the database: done if the pending credentials already
    log in; else logs in with AWSCURRENT's, then AWSPREVIOUS's, and changes the password."""
    try:
        previous_dict = get_secret_dict(service_client, arn, "AWSPREVIOUS")
    except (service_client.exceptions.ResourceNotFoundException, KeyError):
        previous_dict = None
    current_dict = get_secret_dict(service_client, arn, "AWSCURRENT")
    pending_dict = get_secret_dict(service_client, arn, "AWSPENDING", token)

    # Already set (a repeated step)?
    conn = get_connection(pending_dict)
    if conn:
        conn.close()
        logger.info("setSecret: AWSPENDING secret is already set as password in MySQL DB for "
                    "secret arn %s." % arn)
        return

    if current_dict["username"] != pending_dict["username"]:
        logger.error("setSecret: Attempting to modify user %s other than current user %s"
                     % (pending_dict["username"], current_dict["username"]))
        raise ValueError("Attempting to modify user %s other than current user %s"
                         % (pending_dict["username"], current_dict["username"]))
    if current_dict["host"] != pending_dict["host"]:
        logger.error("setSecret: Attempting to modify user for host %s other than current "
                     "host %s" % (pending_dict["host"], current_dict["host"]))
        raise ValueError("Attempting to modify user for host %s other than current host %s"
                         % (pending_dict["host"], current_dict["host"]))

    conn = get_connection(current_dict)

    if not conn and previous_dict:
        # The previous version logs in with the current version's SSL setting.
        previous_dict.pop("ssl", None)
        if "ssl" in current_dict:
            previous_dict["ssl"] = current_dict["ssl"]
        conn = get_connection(previous_dict)

        if previous_dict["username"] != pending_dict["username"]:
            logger.error("setSecret: Attempting to modify user %s other than previous valid "
                         "user %s" % (pending_dict["username"], previous_dict["username"]))
            raise ValueError("Attempting to modify user %s other than previous valid user %s"
                             % (pending_dict["username"], previous_dict["username"]))
        if previous_dict["host"] != pending_dict["host"]:
            logger.error("setSecret: Attempting to modify user for host %s other than previous "
                         "host %s" % (pending_dict["host"], previous_dict["host"]))
            raise ValueError("Attempting to modify user for host %s other than previous host %s"
                             % (pending_dict["host"], previous_dict["host"]))

    if not conn:
        logger.error("setSecret: Unable to log into database with previous, current, or pending "
                     "secret of secret arn %s" % arn)
        raise ValueError("Unable to log into database with previous, current, or pending secret "
                         "of secret arn %s" % arn)

    try:
        with conn.cursor() as cur:
            cur.execute("SELECT VERSION()")
            ver = cur.fetchone()
            password_option = get_password_option(ver[0])
            cur.execute("SET PASSWORD = " + password_option, pending_dict["password"])
            conn.commit()
            logger.info("setSecret: Successfully set password for user %s in MySQL DB for "
                        "secret arn %s." % (pending_dict["username"], arn))
    finally:
        conn.close()


def test_secret(service_client, arn, token):
    """Logs in with the AWSPENDING credentials and runs a query."""
    conn = get_connection(get_secret_dict(service_client, arn, "AWSPENDING", token))
    if conn:
        # The place to check the user's permissions, if the deployment wants to.
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT NOW()")
                conn.commit()
        finally:
            conn.close()
        logger.info("testSecret: Successfully signed into MySQL DB with AWSPENDING secret in %s."
                    % arn)
        return
    logger.error("testSecret: Unable to log into database with pending secret of secret ARN %s"
                 % arn)
    raise ValueError("Unable to log into database with pending secret of secret ARN %s" % arn)


def finish_secret(service_client, arn, token):
    """Moves AWSCURRENT to the new version (Secrets Manager moves AWSPREVIOUS along)."""
    metadata = service_client.describe_secret(SecretId=arn)
    current_version = None
    for version in metadata["VersionIdsToStages"]:
        if "AWSCURRENT" in metadata["VersionIdsToStages"][version]:
            if version == token:
                logger.info("finishSecret: Version %s already marked as AWSCURRENT for %s"
                            % (version, arn))
                return
            current_version = version
            break

    service_client.update_secret_version_stage(SecretId=arn, VersionStage="AWSCURRENT",
                                               MoveToVersionId=token,
                                               RemoveFromVersionId=current_version)
    logger.info("finishSecret: Successfully set AWSCURRENT stage to version %s for secret %s."
                % (token, arn))


def get_connection(secret_dict):
    """A pymysql connection with the secret's credentials, or None if they do not log in.
    TLS is tried first; plaintext follows unless the secret's "ssl" field decides."""
    port = int(secret_dict["port"]) if "port" in secret_dict else 3306
    dbname = secret_dict["dbname"] if "dbname" in secret_dict else None

    use_ssl, fall_back = get_ssl_config(secret_dict)

    conn = connect_and_authenticate(secret_dict, port, dbname, use_ssl)
    if conn or not fall_back:
        return conn
    return connect_and_authenticate(secret_dict, port, dbname, False)


def get_ssl_config(secret_dict):
    """(use_ssl, fall_back) from the secret's "ssl" field: absent or invalid -> (True, True);
    a bool b -> (b, False); "true"/"false" in any case -> (True/False, False)."""
    if "ssl" not in secret_dict:
        return True, True
    if isinstance(secret_dict["ssl"], bool):
        return secret_dict["ssl"], False
    if isinstance(secret_dict["ssl"], str):
        ssl = secret_dict["ssl"].lower()
        if ssl == "true":
            return True, False
        elif ssl == "false":
            return False, False
        else:
            return True, True
    return True, True


def connect_and_authenticate(secret_dict, port, dbname, use_ssl):
    """One login attempt: the connection, or None if it fails."""
    ssl = {"ca": "/etc/pki/tls/cert.pem"} if use_ssl else None

    try:
        # With a 'ca', pymysql verifies the server's certificate and its host name.
        conn = pymysql.connect(host=secret_dict["host"], user=secret_dict["username"],
                               password=secret_dict["password"], port=port, database=dbname,
                               connect_timeout=5, ssl=ssl)
        logger.info("Successfully established %s connection as user '%s' with host: '%s'"
                    % ("SSL/TLS" if use_ssl else "non SSL/TLS", secret_dict["username"],
                       secret_dict["host"]))
        return conn
    except pymysql.OperationalError as e:
        if "certificate verify failed: IP address mismatch" in e.args[1]:
            logger.error("Hostname verification failed when estlablishing SSL/TLS Handshake "
                         "with host: %s" % secret_dict["host"])
        return None


def get_secret_dict(service_client, arn, stage, token=None):
    """The secret's value at stage (and version token, if given) as a dict, checked: engine
    "mysql", host, username and password present."""
    required_fields = ["host", "username", "password"]

    if token:
        secret = service_client.get_secret_value(SecretId=arn, VersionId=token,
                                                 VersionStage=stage)
    else:
        secret = service_client.get_secret_value(SecretId=arn, VersionStage=stage)
    plaintext = secret["SecretString"]
    secret_dict = json.loads(plaintext)

    if "engine" not in secret_dict or secret_dict["engine"] != "mysql":
        raise KeyError("Database engine must be set to 'mysql' in order to use this rotation "
                       "lambda")
    for field in required_fields:
        if field not in secret_dict:
            raise KeyError("%s key is missing from secret JSON" % field)

    return secret_dict


def get_password_option(version):
    """The SET PASSWORD argument for the server's version: MySQL 8 takes the password itself,
    older MySQL and MariaDB take PASSWORD(...)."""
    if version.startswith("8"):
        return "%s"
    return "PASSWORD(%s)"
