// BuiltinRotators: Tandem's built-in rotation functions for MySQL-protocol
// databases (Tandem's MariaDB instances), the counterparts of AWS's published
// Lambda templates SecretsManagerRDSMySQLRotationSingleUser and
// SecretsManagerRDSMySQLRotationMultiUser. A secret names one with
// RotationLambdaARN arn:aws:lambda:<region>:<account>:function:<name>, any
// region and account, where <name> is kSingleUserRotator or
// kAlternatingUsersRotator.
//
// The secret's value is the JSON object the templates read:
//   engine    "mysql" or "mariadb" (required)
//   host      the instance's endpoint (required)
//   port      number or numeric string, default 3306
//   username, password (required)
//   dbname    optional default schema of every login
//   masterarn alternating users only (required there): the ARN of a secret
//             holding the master user's engine/host/port/username/password
// Other fields are carried over unchanged into every new version (key order
// kept), as the templates do.
//
// The steps, as the templates run them (and so a secret ends up with the same
// versions, labels and value fields as AWS's functions would leave):
//   every step  DescribeSecret: rotation explicitly disabled, or token not a
//               version of the secret, or not AWSPENDING -> error; token
//               already AWSCURRENT -> done (nothing to do).
//   createSecret  reads AWSCURRENT; if the version token already has a value
//               (AWSPENDING), nothing; else GetRandomPassword (32 characters,
//               ExcludeCharacters /@"'\) and PutSecretValue(token, current
//               value with the new password, [AWSPENDING]). Alternating: the
//               username also toggles between <base> and <base>_clone (at most
//               80 characters, MariaDB's limit).
//   setSecret   if the pending credentials already log in: done. Single user:
//               logs in with AWSCURRENT's credentials, else AWSPREVIOUS's, and
//               sets its own password (SET PASSWORD). Alternating: checks that
//               the current credentials log in (a secret cannot make the
//               master act on an account its own credentials do not reach),
//               logs in as the master (AWSCURRENT of masterarn, which must
//               name the same host and port), creates the pending user if
//               missing at the current user's account host, copies the current
//               user's grants (SHOW GRANTS, grantee rewritten; WITH GRANT/ADMIN
//               OPTION and SET DEFAULT ROLE kept, resource limits not) and TLS
//               requirement (REQUIRE NONE/SSL/X509/CIPHER-ISSUER-SUBJECT), and
//               sets its password.
//   testSecret  logs in with the pending credentials and runs SELECT NOW().
//   finishSecret  moves AWSCURRENT to token (AWSPREVIOUS follows, as Secrets
//               Manager does), unless it is already there.
// Every step is idempotent: the rotation engine may repeat one after a crash.
//
// Every login goes to the secret's host:port over TLS, with the server's
// certificate verified against options.ca_file and required to name host (a
// secret's "ssl" field is ignored: plaintext is never tried). Sessions write
// the binary log, so user changes reach a Multi-AZ instance's standby.
// Passwords reach the server only as mysql_native_password hashes (SET
// PASSWORD = '*...', CREATE USER ... IDENTIFIED BY PASSWORD), never in the
// clear outside the authentication handshake.
//
// Errors (FunctionInvoker's contract):
//   kNotFound         function_arn names no built-in rotator.
//   kUnavailable      the database cannot be reached (connection refused,
//                     timeout, TLS verification: MariaDB client errors
//                     2000-2999, too many connections), or Secrets Manager
//                     failed internally.
//   kInvalidArgument  anything the function raised: wrong credentials, bad
//                     secret content (the message names the missing or wrong
//                     field), a statement the server refused, a Secrets
//                     Manager error such as ResourceNotFoundException.
// Messages say which step failed and what ("setSecret: cannot log in to
// 127.0.0.1:3306 as app with the current or previous password: MariaDB error
// 1045 ..."); they never contain a password or secret value.
//
// Not supported: a masterarn naming an RDS-managed master secret (it holds
// only username and password; AWS's template looks the host up in RDS).
//
// Thread-safety: InvokeStep may be called concurrently; the SecretsService
// must outlive this object.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "rotation/rotation_function.h"
#include "secrets/secrets_service.h"

namespace tandem::rotation {

inline constexpr const char* kSingleUserRotator = "tandem-mysql-single-user";
inline constexpr const char* kAlternatingUsersRotator = "tandem-mysql-alternating-users";
// The rotator of RDS-managed master user secrets (rds!db-...): single-user
// rotation of the master user, whose secret holds only username and
// password; the instance's endpoint comes from managed_endpoint.
inline constexpr const char* kRdsMasterUserRotator = "tandem-rds-master-user";

// Where the DB instance whose managed master secret is secret_arn listens.
struct ManagedEndpoint {
  std::string host;
  uint16_t port = 0;
};

struct BuiltinRotatorOptions {
  // PEM file of Tandem's CA: every connection verifies the server's
  // certificate and host name with it.
  std::string ca_file;
  std::chrono::milliseconds connect_timeout{5000};
  // kRdsMasterUserRotator: the endpoint of the instance a managed secret
  // belongs to (kNotFound if none), and where the rotation's state goes
  // (MasterUserSecret.SecretStatus: "rotating" from createSecret, "active"
  // after finishSecret, "impaired" when a step fails). Unset: that rotator
  // answers kNotFound.
  std::function<StatusOr<ManagedEndpoint>(const std::string& region, const std::string& secret_arn)>
      managed_endpoint;
  std::function<void(const std::string& region, const std::string& secret_arn,
                     const std::string& status)>
      managed_status;
};

class BuiltinRotators final : public FunctionInvoker {
 public:
  BuiltinRotators(secrets::SecretsService& secrets, BuiltinRotatorOptions options);

  // The function name of a built-in rotator's ARN ("" if function_arn names
  // none). Any partition, region and account.
  static std::string BuiltinName(const std::string& function_arn);

  // Runs request.step of the built-in rotator request.function_arn names
  // against the secret request.secret_arn (in request.region). Errors above.
  Status InvokeStep(const StepRequest& request) override;
  bool FunctionExists(const std::string& region, const std::string& function_arn) override;

 private:
  secrets::SecretsService& secrets_;
  BuiltinRotatorOptions options_;
};

}  // namespace tandem::rotation
