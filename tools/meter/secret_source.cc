#include "meter/secret_source.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include "api/sigv4.h"
#include "meter/http_client.h"
#include "meter/text_number.h"

namespace tandem::meter {
namespace {

using nlohmann::json;

StatusOr<std::optional<std::string>> StringField(const json& doc, const char* name) {
  auto it = doc.find(name);
  if (it == doc.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) {
    return Status::InvalidArgument(std::string("the secret's \"") + name + "\" is not a string");
  }
  return std::optional<std::string>(it->get<std::string>());
}

}  // namespace

StatusOr<DbSecret> ParseDbSecret(const std::string& secret_string) {
  json doc = json::parse(secret_string, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::InvalidArgument(
        "the secret's value is not a JSON object (expected {\"username\", \"password\", "
        "\"host\", \"port\", ...})");
  }
  DbSecret out;
  struct Field {
    const char* name;
    std::optional<std::string>* target;
  };
  for (const Field& f : {Field{"host", &out.host}, Field{"username", &out.username},
                         Field{"password", &out.password}, Field{"dbname", &out.dbname}}) {
    auto value = StringField(doc, f.name);
    if (!value.ok()) return value.status();
    *f.target = *value;
  }
  auto port = doc.find("port");
  if (port != doc.end() && !port->is_null()) {
    if (port->is_number_unsigned()) {
      out.port = ParsePort(std::to_string(port->get<uint64_t>()));
    } else if (port->is_string()) {
      out.port = ParsePort(port->get<std::string>());
    }
    if (!out.port) return Status::InvalidArgument("the secret's \"port\" is not a port number");
  }
  return out;
}

api::HttpRequest GetSecretValueRequest(const std::string& secret_id, const std::string& host_header,
                                       const std::string& path, const AwsSettings& aws,
                                       int64_t now_seconds) {
  api::HttpRequest req;
  req.method = "POST";
  req.target = path;
  req.body = json{{"SecretId", secret_id}}.dump();
  req.headers.emplace_back("host", host_header);
  req.headers.emplace_back("content-type", "application/x-amz-json-1.1");
  req.headers.emplace_back("x-amz-target", "secretsmanager.GetSecretValue");
  if (!aws.session_token.empty())
    req.headers.emplace_back("x-amz-security-token", aws.session_token);
  api::SignSigV4(req, api::AccessKey{aws.access_key_id, aws.secret_access_key}, aws.region,
                 "secretsmanager", now_seconds);
  return req;
}

StatusOr<std::string> SecretStringFromResponse(const api::HttpResponse& response) {
  json doc = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::InvalidArgument("Secrets Manager answered HTTP " +
                                   std::to_string(response.status) + " without a JSON object");
  }
  if (response.status != 200 || doc.contains("__type")) {
    std::string type = doc.value("__type", std::string("HTTP ") + std::to_string(response.status));
    type = type.substr(type.find('#') == std::string::npos ? 0 : type.find('#') + 1);
    std::string message = doc.value("Message", doc.value("message", std::string()));
    return Status::InvalidArgument(type + (message.empty() ? "" : ": " + message));
  }
  auto value = doc.find("SecretString");
  if (value == doc.end() || !value->is_string()) {
    return Status::InvalidArgument(
        "the secret has no SecretString (a binary secret cannot hold connection settings)");
  }
  return value->get<std::string>();
}

StatusOr<DbSecret> FetchDbSecret(const std::string& secret_id, const AwsSettings& aws) {
  auto url = ParseHttpUrl(aws.endpoint_url);
  if (!url.ok()) return url.status();
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  api::HttpRequest req = GetSecretValueRequest(secret_id, url->HostHeader(), url->path, aws, now);
  HttpClientOptions options;
  options.ca_bundle = aws.ca_bundle;
  auto response = SendHttpRequest(*url, req, options);
  if (!response.ok()) return response.status();
  auto secret_string = SecretStringFromResponse(*response);
  if (!secret_string.ok()) {
    return Status::InvalidArgument("GetSecretValue of '" + secret_id + "' at " + url->ToString() +
                                   " refused: " + secret_string.status().message());
  }
  return ParseDbSecret(*secret_string);
}

}  // namespace tandem::meter
