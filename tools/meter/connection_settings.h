// Where tandem-meter's database connection comes from, first that gives a value:
//   1. the flags (--host --port --user --password);
//   2. the secret named by --secret-id (its host, port, username, password);
//   3. the mysql client's environment: MYSQL_HOST, MYSQL_TCP_PORT, MYSQL_USER,
//      MYSQL_PWD;
//   4. a question at the terminal (host, user, password; the password without
//      echo), only when standard input is a terminal;
// and the port defaults to 3306. Host, user and password left missing are an
// error naming the flags and variables that would supply them. --database
// (default db_test_meter) and --ssl-ca come from flags only.
//
// Errors: kInvalidArgument for what is missing or malformed, and the secret
// source's errors as they are. Thread-safety: as its Prompter.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "common/status.h"
#include "meter/aws_profile.h"
#include "meter/meter_connection.h"
#include "meter/secret_source.h"
#include "meter/sync_table.h"
#include "meter/terminal_prompt.h"

namespace tandem::meter {

struct ConnectionFlags {
  std::optional<std::string> host;
  std::optional<int> port;
  std::optional<std::string> user;
  std::optional<std::string> password;
  std::string database = kDefaultDatabase;
  std::string ssl_ca;
  std::optional<std::string> secret_id;
  AwsRequest aws;  // --profile, --region, --endpoint-url
};

// Reads the secret named by --secret-id.
using SecretFetcher = std::function<StatusOr<DbSecret>(const std::string& secret_id)>;

StatusOr<MeterConnectOptions> ResolveConnection(const ConnectionFlags& flags, const EnvLookup& env,
                                                const SecretFetcher& fetch_secret,
                                                Prompter& prompter);

}  // namespace tandem::meter
