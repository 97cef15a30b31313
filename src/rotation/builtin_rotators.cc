#include "rotation/builtin_rotators.h"

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "crypto/random.h"
#include "engine/admin_connection.h"
#include "engine/node_admin.h"
#include "rotation/mysql_grants.h"

namespace tandem::rotation {
namespace {

using api::Json;
using engine::AdminConnection;
// Secret values keep their key order when rewritten, as Python's json does.
using SecretJson = nlohmann::ordered_json;

constexpr const char* kCurrent = "AWSCURRENT";
constexpr const char* kPending = "AWSPENDING";
constexpr const char* kPrevious = "AWSPREVIOUS";
// AWS's templates: EXCLUDE_CHARACTERS' default, GetRandomPassword's default length.
constexpr const char* kExcludeCharacters = "/@\"'\\";
constexpr int kPasswordLength = 32;
constexpr const char* kCloneSuffix = "_clone";
constexpr size_t kMaxUserNameLength = 80;  // MariaDB's
constexpr uint16_t kDefaultPort = 3306;
constexpr const char* kUnusablePasswordAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

enum class Kind { kSingleUser, kAlternatingUsers, kRdsMasterUser };

// One parsed secret value (a version of the rotated secret, or the master).
struct DbSecret {
  SecretJson json;  // the whole value, for rewriting
  std::string host;
  uint16_t port = kDefaultPort;
  std::string username;
  std::string password;
  std::string dbname;
  std::string masterarn;  // alternating users only

  std::string Address() const { return host + ":" + std::to_string(port); }
};

// A failure as FunctionInvoker reports it: the function could not run
// (kUnavailable), or it raised (kInvalidArgument).
Status Fail(Status::Code code, const std::string& message) {
  switch (code) {
    case Status::Code::kUnavailable:
    case Status::Code::kIOError:
    case Status::Code::kInternal:
      return Status::Unavailable(message);
    default:
      return Status::InvalidArgument(message);
  }
}

// Secrets Manager's error as a Status: its own failures are "could not run",
// everything else is what the function would have raised.
Status FromApi(const std::string& what, const api::ApiError& error) {
  const std::string message = what + ": " + error.code + ": " + error.message;
  if (error.is_server_fault || error.http_status >= 500) return Status::Unavailable(message);
  return Status::InvalidArgument(message);
}

// "secretsmanager" ARNs carry their region; anything else is looked up in
// fallback (the rotated secret's region).
std::string RegionOf(const std::string& secret_id, const std::string& fallback) {
  if (secret_id.rfind("arn:", 0) != 0) return fallback;
  size_t begin = 0;
  for (int field = 0; field < 3; ++field) {
    begin = secret_id.find(':', begin);
    if (begin == std::string::npos) return fallback;
    ++begin;
  }
  const size_t end = secret_id.find(':', begin);
  if (end == std::string::npos || end == begin) return fallback;
  return secret_id.substr(begin, end - begin);
}

std::string AltUsername(const std::string& username, Status* error) {
  const std::string suffix = kCloneSuffix;
  if (username.size() > suffix.size() &&
      username.compare(username.size() - suffix.size(), suffix.size(), suffix) == 0) {
    return username.substr(0, username.size() - suffix.size());
  }
  std::string clone = username + suffix;
  if (clone.size() > kMaxUserNameLength) {
    *error = Status::InvalidArgument("cannot clone user " + username + ": with " + suffix +
                                     " appended its name would exceed " +
                                     std::to_string(kMaxUserNameLength) + " characters");
  }
  return clone;
}

class Rotation {
 public:
  Rotation(secrets::SecretsService& secrets, const BuiltinRotatorOptions& options, Kind kind,
           const StepRequest& request)
      : secrets_(secrets), options_(options), kind_(kind), request_(request) {}

  Status Run() {
    Status s = RunStep();
    if (kind_ == Kind::kRdsMasterUser && options_.managed_status) {
      if (!s.ok()) {
        options_.managed_status(request_.region, request_.secret_arn, "impaired");
      } else if (request_.step == Step::kFinishSecret) {
        options_.managed_status(request_.region, request_.secret_arn, "active");
      } else {
        options_.managed_status(request_.region, request_.secret_arn, "rotating");
      }
    }
    if (s.ok()) return s;
    return Fail(s.code(), std::string(StepName(request_.step)) + ": " + s.message());
  }

 private:
  Status RunStep() {
    bool already_current = false;
    TANDEM_RETURN_IF_ERROR(CheckVersion(&already_current));
    if (already_current) return Status::Ok();
    switch (request_.step) {
      case Step::kCreateSecret:
        return CreateSecret();
      case Step::kSetSecret:
        return kind_ == Kind::kAlternatingUsers ? SetSecretAlternating() : SetSecretSingleUser();
      case Step::kTestSecret:
        return TestSecret();
      case Step::kFinishSecret:
        return FinishSecret();
    }
    return Status::InvalidArgument("unknown step");
  }

  StatusOr<Json> Call(const std::string& region, const std::string& operation, const Json& input) {
    api::ApiResult<Json> result = secrets_.Invoke(region, operation, input);
    if (!result.ok()) {
      std::string id = input.value("SecretId", "");
      return FromApi(operation + (id.empty() ? "" : " of " + id) + " failed", result.error());
    }
    return std::move(result).value();
  }
  StatusOr<Json> Call(const std::string& operation, const Json& input) {
    return Call(request_.region, operation, input);
  }

  // The templates' lambda_handler preamble.
  Status CheckVersion(bool* already_current) {
    StatusOr<Json> metadata = Call("DescribeSecret", {{"SecretId", request_.secret_arn}});
    if (!metadata.ok()) return metadata.status();
    if (metadata->contains("RotationEnabled") && !metadata->value("RotationEnabled", true)) {
      return Status::InvalidArgument("secret " + request_.secret_arn +
                                     " is not enabled for rotation");
    }
    const Json versions = metadata->value("VersionIdsToStages", Json::object());
    auto stages = versions.find(request_.token);
    if (stages == versions.end()) {
      return Status::InvalidArgument("secret version " + request_.token +
                                     " has no stage for rotation of secret " + request_.secret_arn);
    }
    auto has = [&](const char* label) {
      for (const Json& s : *stages) {
        if (s.is_string() && s.get<std::string>() == label) return true;
      }
      return false;
    };
    if (has(kCurrent)) {
      *already_current = true;
      return Status::Ok();
    }
    if (!has(kPending)) {
      return Status::InvalidArgument("secret version " + request_.token +
                                     " not set as AWSPENDING for rotation of secret " +
                                     request_.secret_arn);
    }
    return Status::Ok();
  }

  // The value of secret_id's version at stage (and token, if given), parsed
  // and checked. If that version has no value, also sets *not_found.
  StatusOr<DbSecret> GetSecret(const std::string& secret_id, const std::string& stage,
                               const std::string& token, bool master, bool* not_found = nullptr) {
    Json input = {{"SecretId", secret_id}, {"VersionStage", stage}};
    if (!token.empty()) input["VersionId"] = token;
    api::ApiResult<Json> result =
        secrets_.Invoke(RegionOf(secret_id, request_.region), "GetSecretValue", input);
    const std::string which = "the " + stage + " version of secret " + secret_id;
    if (!result.ok()) {
      if (not_found && result.error().code == "ResourceNotFoundException") *not_found = true;
      return FromApi("GetSecretValue of " + which + " failed", result.error());
    }
    if (!result->contains("SecretString") || !(*result)["SecretString"].is_string()) {
      return Status::InvalidArgument(which + " has no SecretString");
    }
    return Parse(which, (*result)["SecretString"].get<std::string>(), master);
  }

  StatusOr<DbSecret> Parse(const std::string& which, const std::string& text, bool master) {
    DbSecret secret;
    // No exceptions: a parse error's message would quote the value.
    secret.json = SecretJson::parse(text, nullptr, false);
    if (secret.json.is_discarded() || !secret.json.is_object()) {
      return Status::InvalidArgument(which + " is not a JSON object");
    }
    auto string_field = [&](const char* name, bool required, std::string* out) -> Status {
      auto it = secret.json.find(name);
      if (it == secret.json.end() || it->is_null()) {
        if (!required) return Status::Ok();
        return Status::InvalidArgument(which + " has no \"" + name + "\" field");
      }
      if (!it->is_string() || (required && it->get<std::string>().empty())) {
        return Status::InvalidArgument(which + ": \"" + name + "\" must be a non-empty string");
      }
      *out = it->get<std::string>();
      return Status::Ok();
    };
    if (kind_ == Kind::kRdsMasterUser) {
      // An RDS-managed secret holds only the credentials; the instance says
      // where it listens.
      TANDEM_RETURN_IF_ERROR(string_field("username", true, &secret.username));
      TANDEM_RETURN_IF_ERROR(string_field("password", true, &secret.password));
      if (!options_.managed_endpoint) {
        return Status::NotFound("no DB instance lookup for managed master user secrets");
      }
      auto endpoint = options_.managed_endpoint(request_.region, request_.secret_arn);
      if (!endpoint.ok()) return endpoint.status();
      secret.host = endpoint->host;
      secret.port = endpoint->port;
      return secret;
    }
    std::string engine;
    TANDEM_RETURN_IF_ERROR(string_field("engine", true, &engine));
    if (engine != "mysql" && engine != "mariadb") {
      return Status::InvalidArgument(which + ": \"engine\" must be \"mysql\" or \"mariadb\" for " +
                                     BuiltinRotators::BuiltinName(request_.function_arn));
    }
    TANDEM_RETURN_IF_ERROR(string_field("host", true, &secret.host));
    TANDEM_RETURN_IF_ERROR(string_field("username", true, &secret.username));
    TANDEM_RETURN_IF_ERROR(string_field("password", true, &secret.password));
    TANDEM_RETURN_IF_ERROR(string_field("dbname", false, &secret.dbname));
    if (kind_ == Kind::kAlternatingUsers && !master) {
      TANDEM_RETURN_IF_ERROR(string_field("masterarn", true, &secret.masterarn));
    }
    if (auto port = secret.json.find("port"); port != secret.json.end() && !port->is_null()) {
      long long value = -1;
      if (port->is_number_integer()) {
        value = port->get<long long>();
      } else if (port->is_string()) {
        const std::string digits = port->get<std::string>();
        if (!digits.empty() && digits.size() <= 5 &&
            digits.find_first_not_of("0123456789") == std::string::npos) {
          value = std::stoll(digits);
        }
      }
      if (value < 1 || value > 65535) {
        return Status::InvalidArgument(which + ": \"port\" must be a port number (1-65535)");
      }
      secret.port = static_cast<uint16_t>(value);
    }
    return secret;
  }

  // A session as secret's user on secret's host:port over verified TLS.
  StatusOr<std::unique_ptr<AdminConnection>> Login(const DbSecret& secret) {
    engine::ConnectOptions connect;
    connect.host = secret.host;
    connect.port = secret.port;
    connect.user = secret.username;
    connect.password = secret.password;
    connect.database = secret.dbname;
    connect.tls_ca_file = options_.ca_file;
    connect.connect_timeout = options_.connect_timeout;
    connect.binlog = engine::AdminBinlog::kWrite;  // user changes replicate to a standby
    return AdminConnection::Connect(connect);
  }

  static Status Unreachable(const DbSecret& secret, const Status& s) {
    return Status::Unavailable("cannot reach the database at " + secret.Address() + ": " +
                               s.message());
  }

  // Whether secret's credentials log in (kUnavailable if the server cannot be
  // reached at all; *denied then holds why not).
  StatusOr<std::unique_ptr<AdminConnection>> TryLogin(const DbSecret& secret, Status* denied) {
    StatusOr<std::unique_ptr<AdminConnection>> conn = Login(secret);
    if (conn.ok()) return conn;
    if (conn.status().code() == Status::Code::kUnavailable) {
      return Unreachable(secret, conn.status());
    }
    *denied = conn.status();
    return std::unique_ptr<AdminConnection>();
  }

  // A statement's failure: kUnavailable also when the server is read-only
  // (a standby, or a primary being failed over), since a retry may work.
  static Status::Code CodeOf(const AdminConnection& conn, const Status& s) {
    constexpr int kReadOnly = 1290;  // ER_OPTION_PREVENTS_STATEMENT
    return conn.last_error_number() == kReadOnly ? Status::Code::kUnavailable : s.code();
  }

  static std::string Hash(const std::string& password) {
    return "'" + engine::NativePasswordHash(password) + "'";  // "*" and hex digits
  }

  Status CreateSecret() {
    StatusOr<DbSecret> current = GetSecret(request_.secret_arn, kCurrent, "", false);
    if (!current.ok()) return current.status();
    bool not_found = false;
    StatusOr<DbSecret> pending =
        GetSecret(request_.secret_arn, kPending, request_.token, false, &not_found);
    if (pending.ok()) return Status::Ok();  // created before: the step is done
    if (!not_found) return pending.status();

    SecretJson value = current->json;
    if (kind_ == Kind::kAlternatingUsers) {
      Status error;
      value["username"] = AltUsername(current->username, &error);
      TANDEM_RETURN_IF_ERROR(error);
    }
    StatusOr<Json> random = Call("GetRandomPassword", {{"ExcludeCharacters", kExcludeCharacters},
                                                       {"PasswordLength", kPasswordLength}});
    if (!random.ok()) return random.status();
    value["password"] = random->value("RandomPassword", "");
    StatusOr<Json> put = Call("PutSecretValue", {{"SecretId", request_.secret_arn},
                                                 {"ClientRequestToken", request_.token},
                                                 {"SecretString", value.dump()},
                                                 {"VersionStages", Json::array({kPending})}});
    return put.status();
  }

  Status SetSecretSingleUser() {
    std::optional<DbSecret> previous;
    if (StatusOr<DbSecret> p = GetSecret(request_.secret_arn, kPrevious, "", false); p.ok()) {
      previous = std::move(*p);  // absent or unusable: the template goes on without it
    }
    StatusOr<DbSecret> current = GetSecret(request_.secret_arn, kCurrent, "", false);
    if (!current.ok()) return current.status();
    StatusOr<DbSecret> pending = GetSecret(request_.secret_arn, kPending, request_.token, false);
    if (!pending.ok()) return pending.status();

    Status denied;
    StatusOr<std::unique_ptr<AdminConnection>> conn = TryLogin(*pending, &denied);
    if (!conn.ok()) return conn.status();
    if (*conn) return Status::Ok();  // the password is set already

    TANDEM_RETURN_IF_ERROR(SameAccount(*current, *pending, "AWSCURRENT"));
    conn = TryLogin(*current, &denied);
    if (!conn.ok()) return conn.status();
    if (!*conn && previous) {
      TANDEM_RETURN_IF_ERROR(SameAccount(*previous, *pending, "AWSPREVIOUS"));
      conn = TryLogin(*previous, &denied);
      if (!conn.ok()) return conn.status();
    }
    if (!*conn) {
      return Status::InvalidArgument(
          "cannot log in to " + current->Address() + " as " + current->username + " with the " +
          (previous ? "current or previous" : "current") + " password: " + denied.message());
    }
    // A user may always set its own password; as a hash it never travels in
    // the clear. (SET PASSWORD = PASSWORD(...) in AWS's template.)
    Status s = (*conn)->Execute("SET PASSWORD = " + Hash(pending->password));
    if (!s.ok()) {
      return Fail(CodeOf(**conn, s), "cannot set the password of " + pending->username + " on " +
                                         pending->Address() + ": " + s.message());
    }
    return Status::Ok();
  }

  // The pending version may only change the account the current one names.
  static Status SameAccount(const DbSecret& from, const DbSecret& pending, const char* stage) {
    if (from.username != pending.username) {
      return Status::InvalidArgument("the AWSPENDING version names user " + pending.username +
                                     ", not the " + stage + " user " + from.username);
    }
    if (from.host != pending.host || from.port != pending.port) {
      return Status::InvalidArgument("the AWSPENDING version names " + pending.Address() +
                                     ", not the " + stage + " " + from.Address());
    }
    return Status::Ok();
  }

  Status SetSecretAlternating() {
    StatusOr<DbSecret> current = GetSecret(request_.secret_arn, kCurrent, "", false);
    if (!current.ok()) return current.status();
    StatusOr<DbSecret> pending = GetSecret(request_.secret_arn, kPending, request_.token, false);
    if (!pending.ok()) return pending.status();

    Status denied;
    StatusOr<std::unique_ptr<AdminConnection>> conn = TryLogin(*pending, &denied);
    if (!conn.ok()) return conn.status();
    if (*conn) return Status::Ok();  // the user exists with this password already

    Status error;
    const std::string alternate = AltUsername(current->username, &error);
    if (alternate != pending->username) {
      return Status::InvalidArgument("the AWSPENDING version names user " + pending->username +
                                     ", neither the current user " + current->username +
                                     " nor its alternate " + alternate);
    }
    if (current->host != pending->host || current->port != pending->port) {
      return Status::InvalidArgument("the AWSPENDING version names " + pending->Address() +
                                     ", not the current " + current->Address());
    }

    // The current credentials must work: the master only acts on an account
    // the secret's own credentials reach (confused deputy).
    conn = TryLogin(*current, &denied);
    if (!conn.ok()) return conn.status();
    if (!*conn) {
      return Status::InvalidArgument("cannot log in to " + current->Address() + " as " +
                                     current->username +
                                     " with the current password: " + denied.message());
    }
    StatusOr<engine::ResultSet> me =
        (*conn)->Query("SELECT SUBSTRING_INDEX(CURRENT_USER(), '@', -1)");
    if (!me.ok()) {
      return Fail(me.status().code(),
                  "cannot read the current account's host: " + me.status().message());
    }
    if (me->rows.empty() || me->rows[0].empty() || !me->rows[0][0]) {
      return Status::InvalidArgument("cannot read the current account's host");
    }
    const std::string account_host = *me->rows[0][0];
    conn->reset();

    StatusOr<DbSecret> master = GetSecret(current->masterarn, kCurrent, "", /*master=*/true);
    if (!master.ok()) return master.status();
    master->dbname = current->dbname;
    if (master->host != current->host || master->port != current->port) {
      return Status::InvalidArgument("the master secret " + current->masterarn + " names " +
                                     master->Address() + ", not the current " + current->Address());
    }
    StatusOr<std::unique_ptr<AdminConnection>> admin = TryLogin(*master, &denied);
    if (!admin.ok()) return admin.status();
    if (!*admin) {
      return Status::InvalidArgument("cannot log in to " + master->Address() + " as " +
                                     master->username + " with the master secret " +
                                     current->masterarn + ": " + denied.message());
    }
    return CopyUser(**admin, *current, *pending, account_host);
  }

  // Creates pending's user (if missing) as a copy of current's, at host.
  Status CopyUser(AdminConnection& admin, const DbSecret& current, const DbSecret& pending,
                  const std::string& host) {
    const std::string from = QuotedAccount(current.username, host);
    const std::string to = QuotedAccount(pending.username, host);
    auto failed = [&](const std::string& what, const Status& s) {
      return Fail(CodeOf(admin, s), what + ": " + s.message());
    };

    StatusOr<engine::ResultSet> tls = admin.Query(
        "SELECT ssl_type, ssl_cipher, x509_issuer, x509_subject FROM mysql.user WHERE User = " +
        admin.QuoteString(current.username) + " AND Host = " + admin.QuoteString(host));
    if (!tls.ok()) return failed("cannot read the TLS requirement of " + from, tls.status());
    if (tls->rows.empty()) return Status::InvalidArgument("the user " + from + " does not exist");

    StatusOr<engine::ResultSet> exists =
        admin.Query("SELECT 1 FROM mysql.user WHERE User = " + admin.QuoteString(pending.username) +
                    " AND Host = " + admin.QuoteString(host));
    if (!exists.ok()) return failed("cannot look up " + to, exists.status());
    if (exists->rows.empty()) {
      // With a password nobody knows until the grants and TLS requirement
      // are in place: a repeated setSecret must not find the pending login
      // working on a half-made user.
      Status s = admin.Execute("CREATE USER " + to + " IDENTIFIED BY PASSWORD " +
                               Hash(crypto::RandomString(32, kUnusablePasswordAlphabet)));
      if (!s.ok() && s.code() != Status::Code::kAlreadyExists) {
        return failed("cannot create " + to, s);
      }
    }

    StatusOr<engine::ResultSet> grants = admin.Query("SHOW GRANTS FOR " + from);
    if (!grants.ok()) return failed("cannot read the grants of " + from, grants.status());
    std::vector<std::string> lines;
    for (const engine::Row& row : grants->rows) {
      if (!row.empty() && row[0]) lines.push_back(*row[0]);
    }
    StatusOr<std::vector<std::string>> statements = CloneGrantStatements(lines, from, to);
    if (!statements.ok()) return statements.status();
    for (size_t i = 0; i < statements->size(); ++i) {
      Status s = admin.Execute((*statements)[i]);
      if (!s.ok()) {
        // The statement holds no secret: authentication was stripped from it.
        return failed("cannot copy grant " + std::to_string(i + 1) + " of " + from + " (" +
                          (*statements)[i] + ")",
                      s);
      }
    }

    const engine::Row& t = tls->rows[0];
    auto col = [&](size_t i) { return i < t.size() && t[i] ? *t[i] : std::string(); };
    std::string require;
    const std::string ssl_type = col(0);
    if (ssl_type.empty()) {
      require = "NONE";
    } else if (ssl_type == "ANY") {
      require = "SSL";
    } else if (ssl_type == "X509") {
      require = "X509";
    } else {  // SPECIFIED
      const char* names[] = {"CIPHER", "ISSUER", "SUBJECT"};
      for (size_t i = 0; i < 3; ++i) {
        if (col(i + 1).empty()) continue;
        if (!require.empty()) require += " AND ";
        require += std::string(names[i]) + " " + admin.QuoteString(col(i + 1));
      }
      if (require.empty()) require = "SSL";
    }
    Status s = admin.Execute("ALTER USER " + to + " REQUIRE " + require);
    if (!s.ok()) return failed("cannot set the TLS requirement of " + to, s);
    s = admin.Execute("SET PASSWORD FOR " + to + " = " + Hash(pending.password));
    if (!s.ok()) return failed("cannot set the password of " + to, s);
    return Status::Ok();
  }

  Status TestSecret() {
    StatusOr<DbSecret> pending = GetSecret(request_.secret_arn, kPending, request_.token, false);
    if (!pending.ok()) return pending.status();
    Status denied;
    StatusOr<std::unique_ptr<AdminConnection>> conn = TryLogin(*pending, &denied);
    if (!conn.ok()) return conn.status();
    if (!*conn) {
      return Status::InvalidArgument("cannot log in to " + pending->Address() + " as " +
                                     pending->username +
                                     " with the pending password: " + denied.message());
    }
    StatusOr<engine::ResultSet> now = (*conn)->Query("SELECT NOW()");
    if (!now.ok()) {
      return Fail(now.status().code(),
                  "SELECT NOW() as " + pending->username + " failed: " + now.status().message());
    }
    return Status::Ok();
  }

  Status FinishSecret() {
    StatusOr<Json> metadata = Call("DescribeSecret", {{"SecretId", request_.secret_arn}});
    if (!metadata.ok()) return metadata.status();
    std::string current_version;
    const Json versions = metadata->value("VersionIdsToStages", Json::object());
    for (const auto& [version, stages] : versions.items()) {
      for (const Json& s : stages) {
        if (s.is_string() && s.get<std::string>() == kCurrent) current_version = version;
      }
    }
    if (current_version == request_.token) return Status::Ok();
    Json input = {{"SecretId", request_.secret_arn},
                  {"VersionStage", kCurrent},
                  {"MoveToVersionId", request_.token}};
    if (!current_version.empty()) input["RemoveFromVersionId"] = current_version;
    return Call("UpdateSecretVersionStage", input).status();
  }

  secrets::SecretsService& secrets_;
  const BuiltinRotatorOptions& options_;
  const Kind kind_;
  const StepRequest& request_;
};

}  // namespace

BuiltinRotators::BuiltinRotators(secrets::SecretsService& secrets, BuiltinRotatorOptions options)
    : secrets_(secrets), options_(std::move(options)) {}

std::string BuiltinRotators::BuiltinName(const std::string& function_arn) {
  // arn:<partition>:lambda:<region>:<account>:function:<name>
  std::vector<std::string> fields;
  size_t begin = 0;
  while (true) {
    const size_t end = function_arn.find(':', begin);
    fields.push_back(function_arn.substr(begin, end - begin));
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  if (fields.size() != 7 || fields[0] != "arn" || fields[1].empty() || fields[2] != "lambda" ||
      fields[5] != "function") {
    return "";
  }
  const std::string& name = fields[6];
  return name == kSingleUserRotator || name == kAlternatingUsersRotator ||
                 name == kRdsMasterUserRotator
             ? name
             : "";
}

Status BuiltinRotators::InvokeStep(const StepRequest& request) {
  const std::string name = BuiltinName(request.function_arn);
  if (name.empty()) {
    return Status::NotFound("Function not found: " + request.function_arn +
                            " (not a built-in rotation function: " + kSingleUserRotator + ", " +
                            kAlternatingUsersRotator + ")");
  }
  const Kind kind = name == kSingleUserRotator         ? Kind::kSingleUser
                    : name == kAlternatingUsersRotator ? Kind::kAlternatingUsers
                                                       : Kind::kRdsMasterUser;
  return Rotation(secrets_, options_, kind, request).Run();
}

bool BuiltinRotators::FunctionExists(const std::string& /*region*/,
                                     const std::string& function_arn) {
  return !BuiltinName(function_arn).empty();
}

}  // namespace tandem::rotation
