#include "meter/connection_settings.h"

#include "meter/text_number.h"

namespace tandem::meter {
namespace {

std::optional<std::string> FirstOf(std::initializer_list<std::optional<std::string>> values) {
  for (const auto& v : values) {
    if (v) return v;
  }
  return std::nullopt;
}

std::optional<std::string> Env(const EnvLookup& env, const char* name) {
  auto value = env(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

}  // namespace

StatusOr<MeterConnectOptions> ResolveConnection(const ConnectionFlags& flags, const EnvLookup& env,
                                                const SecretFetcher& fetch_secret,
                                                Prompter& prompter) {
  DbSecret secret;
  if (flags.secret_id) {
    auto fetched = fetch_secret(*flags.secret_id);
    if (!fetched.ok()) return fetched.status();
    secret = *fetched;
  }

  MeterConnectOptions out;
  out.database = flags.database;
  out.ssl_ca = flags.ssl_ca;

  std::optional<int> port = flags.port;
  if (!port && secret.port) port = *secret.port;
  if (!port) {
    if (auto text = Env(env, "MYSQL_TCP_PORT")) {
      auto value = ParsePort(*text);
      if (!value) {
        return Status::InvalidArgument("MYSQL_TCP_PORT '" + *text + "' is not a port number");
      }
      port = *value;
    }
  }
  if (port && (*port < 1 || *port > 65535)) {
    return Status::InvalidArgument("port " + std::to_string(*port) + " is not in 1-65535");
  }
  out.port = static_cast<uint16_t>(port.value_or(3306));

  struct Needed {
    const char* what;
    const char* prompt;
    const char* flag;
    const char* variable;
    std::optional<std::string> value;
    bool echo;
    std::string* target;
  };
  Needed needed[] = {
      {"host", "Host: ", "--host", "MYSQL_HOST",
       FirstOf({flags.host, secret.host, Env(env, "MYSQL_HOST")}), true, &out.host},
      {"user", "User: ", "--user", "MYSQL_USER",
       FirstOf({flags.user, secret.username, Env(env, "MYSQL_USER")}), true, &out.user},
      {"password", "Password: ", "--password", "MYSQL_PWD",
       FirstOf({flags.password, secret.password, env("MYSQL_PWD")}), false, &out.password},
  };
  for (Needed& n : needed) {
    if (!n.value && prompter.interactive()) {
      n.value = prompter.Ask(n.prompt, n.echo);
    }
    if (!n.value) {
      return Status::InvalidArgument(std::string("no database ") + n.what + ": pass " + n.flag +
                                     ", set " + n.variable +
                                     ", or use --secret-id (a terminal would be asked)");
    }
    *n.target = *n.value;
  }
  if (out.host.empty()) return Status::InvalidArgument("the database host is empty");
  return out;
}

}  // namespace tandem::meter
