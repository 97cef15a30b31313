#include "meter/aws_profile.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace tandem::meter {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// A non-empty value of the environment.
std::optional<std::string> NonEmpty(const EnvLookup& env, const std::string& name) {
  auto value = env(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

struct ProfileFiles {
  std::string credentials_path;
  std::string config_path;
  IniFile credentials;
  IniFile config;

  const std::map<std::string, std::string>* Credentials(const std::string& profile) const {
    auto it = credentials.find(profile);
    return it == credentials.end() ? nullptr : &it->second;
  }
  const std::map<std::string, std::string>* Config(const std::string& profile) const {
    auto it = config.find(profile == "default" ? profile : "profile " + profile);
    if (it == config.end() && profile == "default") it = config.find("profile default");
    return it == config.end() ? nullptr : &it->second;
  }
  // key of profile: credentials file first for keys, config file first for settings.
  std::optional<std::string> Setting(const std::string& profile, const std::string& key,
                                     bool config_first) const {
    const auto* first = config_first ? Config(profile) : Credentials(profile);
    const auto* second = config_first ? Credentials(profile) : Config(profile);
    for (const auto* section : {first, second}) {
      if (section == nullptr) continue;
      auto it = section->find(key);
      if (it != section->end() && !it->second.empty()) return it->second;
    }
    return std::nullopt;
  }
};

}  // namespace

IniFile ParseIni(std::string_view text) {
  IniFile out;
  std::string section;
  bool in_section = false;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    std::string_view line = Trim(text.substr(0, eol));
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = std::string(Trim(line.substr(1, line.size() - 2)));
      in_section = true;
      out[section];
      continue;
    }
    const size_t eq = line.find('=');
    if (!in_section || eq == std::string_view::npos) continue;
    out[section][std::string(Trim(line.substr(0, eq)))] = std::string(Trim(line.substr(eq + 1)));
  }
  return out;
}

StatusOr<AwsSettings> ResolveAwsSettings(const AwsRequest& request, const EnvLookup& env,
                                         const FileReader& read_file) {
  const std::string home = NonEmpty(env, "HOME").value_or("");
  ProfileFiles files;
  files.credentials_path =
      NonEmpty(env, "AWS_SHARED_CREDENTIALS_FILE").value_or(home + "/.aws/credentials");
  files.config_path = NonEmpty(env, "AWS_CONFIG_FILE").value_or(home + "/.aws/config");
  if (auto text = read_file(files.credentials_path)) files.credentials = ParseIni(*text);
  if (auto text = read_file(files.config_path)) files.config = ParseIni(*text);

  const std::string profile =
      request.profile ? *request.profile
                      : NonEmpty(env, "AWS_PROFILE")
                            .value_or(NonEmpty(env, "AWS_DEFAULT_PROFILE").value_or("default"));
  AwsSettings out;
  auto env_key = NonEmpty(env, "AWS_ACCESS_KEY_ID");
  auto env_secret = NonEmpty(env, "AWS_SECRET_ACCESS_KEY");
  if (!request.profile && env_key && env_secret) {
    out.access_key_id = *env_key;
    out.secret_access_key = *env_secret;
    out.session_token = NonEmpty(env, "AWS_SESSION_TOKEN").value_or("");
    out.credentials_source = "environment";
  } else {
    auto key = files.Setting(profile, "aws_access_key_id", /*config_first=*/false);
    auto secret = files.Setting(profile, "aws_secret_access_key", /*config_first=*/false);
    if (!key || !secret) {
      return Status::InvalidArgument(
          "no AWS credentials for profile '" + profile + "': looked in " + files.credentials_path +
          " (AWS_SHARED_CREDENTIALS_FILE) and " + files.config_path + " (AWS_CONFIG_FILE)" +
          (request.profile ? std::string()
                           : std::string(" and AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY")));
    }
    out.access_key_id = *key;
    out.secret_access_key = *secret;
    out.session_token =
        files.Setting(profile, "aws_session_token", /*config_first=*/false).value_or("");
    out.credentials_source = "profile " + profile + " (" + files.credentials_path + ")";
  }

  if (request.region) {
    out.region = *request.region;
  } else if (auto r = NonEmpty(env, "AWS_DEFAULT_REGION")) {
    out.region = *r;
  } else if (auto r2 = NonEmpty(env, "AWS_REGION")) {
    out.region = *r2;
  } else {
    out.region = files.Setting(profile, "region", /*config_first=*/true).value_or("");
  }
  if (out.region.empty()) {
    return Status::InvalidArgument(
        "no AWS region: pass --region, set AWS_DEFAULT_REGION, or set region in profile '" +
        profile + "' of " + files.config_path);
  }

  out.ca_bundle = NonEmpty(env, "AWS_CA_BUNDLE")
                      .value_or(files.Setting(profile, "ca_bundle", true).value_or(""));
  if (request.endpoint_url) {
    out.endpoint_url = *request.endpoint_url;
  } else if (auto e = NonEmpty(env, "AWS_ENDPOINT_URL_SECRETS_MANAGER")) {
    out.endpoint_url = *e;
  } else if (auto e2 = NonEmpty(env, "AWS_ENDPOINT_URL")) {
    out.endpoint_url = *e2;
  } else {
    out.endpoint_url = files.Setting(profile, "endpoint_url", true)
                           .value_or("https://secretsmanager." + out.region + ".amazonaws.com");
  }
  return out;
}

EnvLookup ProcessEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

FileReader FileSystemReader() {
  return [](const std::string& path) -> std::optional<std::string> {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  };
}

}  // namespace tandem::meter
