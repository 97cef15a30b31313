#include "api/sigv4.h"

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "api/percent_encoding.h"
#include "common/ascii.h"
#include "common/clock.h"
#include "crypto/digest.h"

namespace tandem::api {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";
constexpr int64_t kMaxClockSkewSeconds = 15 * 60;

constexpr std::string_view kMissingMessage = "Missing Authentication Token";
constexpr std::string_view kUnknownKeyMessage =
    "The security token included in the request is invalid.";
constexpr std::string_view kMismatchMessage =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";

// Headers botocore never signs: proxies and HTTP clients may add or rewrite them.
constexpr std::array<std::string_view, 3> kUnsignedHeaders = {"expect", "user-agent",
                                                              "x-amzn-trace-id"};

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

void AppendPercentEncoded(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out += '%';
  out += kHex[c >> 4];
  out += kHex[c & 0xF];
}

// The characters Python's str.split() treats as whitespace in an ASCII header value.
bool IsHeaderSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
         (c >= '\x1c' && c <= '\x1f');
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsHeaderSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsHeaderSpace(s.back())) s.remove_suffix(1);
  return s;
}

// The path as botocore canonicalises it for every service but S3: dot segments
// and empty segments removed from the path as sent, then everything but
// unreserved characters and '/' percent-encoded once more. A client that sent
// "/a%20b" therefore signed "/a%2520b".
void AppendCanonicalPath(std::string& out, std::string_view path) {
  if (path.empty()) {
    out += '/';
    return;
  }
  std::vector<std::string_view> segments;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  if (path.front() == '/') out += '/';
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) out += '/';
    for (unsigned char c : segments[i]) {
      if (IsUnreserved(c)) {
        out += static_cast<char>(c);
      } else {
        AppendPercentEncoded(out, c);
      }
    }
  }
  if (path.back() == '/' && !segments.empty()) out += '/';
}

// A query key or value decoded ('+' is a space, as in a form) and encoded again
// per RFC 3986, so that "a+b", "a%20b" and "a%20b" signed by any SDK agree.
std::string NormalizeQueryComponent(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(in[i]);
    if (c == '%' && i + 2 < in.size() && HexDigitValue(in[i + 1]) >= 0 &&
        HexDigitValue(in[i + 2]) >= 0) {
      c = static_cast<unsigned char>(HexDigitValue(in[i + 1]) * 16 + HexDigitValue(in[i + 2]));
      i += 2;
    } else if (c == '+') {
      c = ' ';
    }
    if (IsUnreserved(c)) {
      out += static_cast<char>(c);
    } else {
      AppendPercentEncoded(out, c);
    }
  }
  return out;
}

void AppendCanonicalQuery(std::string& out, std::string_view query) {
  if (query.empty()) return;
  std::vector<std::pair<std::string, std::string>> pairs;
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view pair = query.substr(start, end - start);
    size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    pairs.emplace_back(NormalizeQueryComponent(key), NormalizeQueryComponent(value));
    start = end + 1;
  }
  // Sorted by encoded key, then by encoded value for repeated keys.
  std::sort(pairs.begin(), pairs.end());
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (i > 0) out += '&';
    out += pairs[i].first;
    out += '=';
    out += pairs[i].second;
  }
}

// Appends "value" trimmed, with each run of whitespace collapsed to one space.
void AppendTrimmedValue(std::string& out, std::string_view value) {
  value = Trim(value);
  bool in_space = false;
  for (char c : value) {
    if (IsHeaderSpace(c)) {
      in_space = true;
      continue;
    }
    if (in_space) out += ' ';
    in_space = false;
    out += c;
  }
}

// Appends "name:value\n" for each signed header, in the order signed, values
// of a repeated header joined by ','. Returns false if a signed header is
// absent from the request.
bool AppendCanonicalHeaders(std::string& out, const HttpRequest& req,
                            std::string_view signed_headers) {
  bool all_present = true;
  size_t start = 0;
  while (start <= signed_headers.size()) {
    size_t end = signed_headers.find(';', start);
    if (end == std::string_view::npos) end = signed_headers.size();
    std::string_view name = signed_headers.substr(start, end - start);
    out += name;
    out += ':';
    bool found = false;
    for (const auto& [header_name, value] : req.headers) {
      if (!EqualsIgnoreCase(header_name, name)) continue;
      if (found) out += ',';
      AppendTrimmedValue(out, value);
      found = true;
    }
    out += '\n';
    all_present = all_present && found;
    start = end + 1;
  }
  return all_present;
}

bool BuildCanonicalRequest(const HttpRequest& req, std::string_view signed_headers,
                           std::string_view payload_hash, std::string& out) {
  out.clear();
  out += req.method;
  out += '\n';
  AppendCanonicalPath(out, req.Path());
  out += '\n';
  AppendCanonicalQuery(out, req.Query());
  out += '\n';
  bool all_present = AppendCanonicalHeaders(out, req, signed_headers);
  out += '\n';
  out += signed_headers;
  out += '\n';
  out += payload_hash;
  return all_present;
}

// The signing key for (secret, date, region, service). Deriving it costs four
// HMACs, so each thread keeps the last few it derived: a server sees few
// distinct keys per day.
crypto::Sha256Digest SigningKey(std::string_view secret, std::string_view date,
                                std::string_view region, std::string_view service) {
  struct Entry {
    std::string secret;
    std::string scope;  // "<date>/<region>/<service>"
    crypto::Sha256Digest key{};
  };
  constexpr size_t kEntries = 8;
  thread_local std::array<Entry, kEntries> cache;
  thread_local size_t next_victim = 0;

  std::string scope;
  scope.reserve(date.size() + region.size() + service.size() + 2);
  scope.append(date).append("/").append(region).append("/").append(service);
  for (const Entry& e : cache) {
    if (e.scope == scope && e.secret == secret) return e.key;
  }
  std::string k_secret = "AWS4";
  k_secret += secret;
  crypto::Sha256Digest k = crypto::HmacSha256(k_secret, date);
  k = crypto::HmacSha256(crypto::AsBytes(k), region);
  k = crypto::HmacSha256(crypto::AsBytes(k), service);
  k = crypto::HmacSha256(crypto::AsBytes(k), kTerminator);

  Entry& e = cache[next_victim];
  next_victim = (next_victim + 1) % kEntries;
  e.secret.assign(secret);
  e.scope = std::move(scope);
  e.key = k;
  return k;
}

std::string Signature(std::string_view secret, std::string_view amz_date, std::string_view date,
                      std::string_view region, std::string_view service,
                      std::string_view canonical_request) {
  std::string string_to_sign;
  string_to_sign.reserve(kAlgorithm.size() + amz_date.size() + 64 + 128);
  string_to_sign.append(kAlgorithm).append("\n").append(amz_date).append("\n");
  string_to_sign.append(date).append("/").append(region).append("/").append(service);
  string_to_sign.append("/").append(kTerminator).append("\n");
  string_to_sign += crypto::HexEncode(crypto::Sha256(canonical_request));
  crypto::Sha256Digest key = SigningKey(secret, date, region, service);
  return crypto::HexEncode(crypto::HmacSha256(crypto::AsBytes(key), string_to_sign));
}

// An IMF-fixdate ("Tue, 14 Nov 2023 22:13:20 GMT", the HTTP Date header) as
// epoch seconds, or -1.
int64_t ParseHttpDate(std::string_view s) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // "Tue, 14 Nov 2023 22:13:20 GMT"
  //  0123456789012345678901234567 8
  if (s.size() != 29 || s.substr(3, 2) != ", " || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
      s[19] != ':' || s[22] != ':' || s.substr(25) != " GMT") {
    return -1;
  }
  auto month = std::find(kMonths.begin(), kMonths.end(), s.substr(8, 3));
  if (month == kMonths.end()) return -1;
  std::string amz(16, '0');
  amz.replace(0, 4, s.substr(12, 4));
  int m = static_cast<int>(month - kMonths.begin()) + 1;
  amz[4] = static_cast<char>('0' + m / 10);
  amz[5] = static_cast<char>('0' + m % 10);
  amz.replace(6, 2, s.substr(5, 2));
  amz[8] = 'T';
  amz.replace(9, 2, s.substr(17, 2));
  amz.replace(11, 2, s.substr(20, 2));
  amz.replace(13, 2, s.substr(23, 2));
  amz[15] = 'Z';
  return ParseAmzDate(amz);
}

// The fields of "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...".
struct AuthorizationFields {
  std::optional<std::string_view> credential;
  std::optional<std::string_view> signed_headers;
  std::optional<std::string_view> signature;
};

// Credential=<key id>/<yyyymmdd>/<region>/<service>/aws4_request, split.
using CredentialScope = std::array<std::string_view, 5>;

std::optional<CredentialScope> ParseCredential(std::string_view credential) {
  CredentialScope scope;
  size_t parts = 0;
  for (size_t start = 0; start <= credential.size();) {
    size_t end = credential.find('/', start);
    if (end == std::string_view::npos) end = credential.size();
    if (parts == scope.size()) return std::nullopt;
    scope[parts++] = credential.substr(start, end - start);
    start = end + 1;
  }
  if (parts != scope.size()) return std::nullopt;
  return scope;
}

AuthorizationFields ParseAuthorization(std::string_view auth) {
  AuthorizationFields fields;
  auth = Trim(auth);
  if (auth.substr(0, kAlgorithm.size()) != kAlgorithm || auth.size() == kAlgorithm.size() ||
      !IsHeaderSpace(auth[kAlgorithm.size()])) {
    return fields;  // another scheme: nothing of ours to read
  }
  auth.remove_prefix(kAlgorithm.size());
  size_t start = 0;
  while (start <= auth.size()) {
    size_t end = auth.find(',', start);
    if (end == std::string_view::npos) end = auth.size();
    std::string_view item = Trim(auth.substr(start, end - start));
    size_t eq = item.find('=');
    if (eq != std::string_view::npos) {
      std::string_view key = item.substr(0, eq);
      std::string_view value = item.substr(eq + 1);
      if (key == "Credential") fields.credential = value;
      if (key == "SignedHeaders") fields.signed_headers = value;
      if (key == "Signature") fields.signature = value;
    }
    start = end + 1;
  }
  return fields;
}

VerifyResult Refuse(AuthFailure::Kind kind, std::string message, std::string_view service = {}) {
  VerifyResult result;
  result.failure.kind = kind;
  result.failure.message = std::move(message);
  result.failure.service.assign(service);
  return result;
}

// A region name as AWS forms them ("us-east-1", "us-gov-west-1"): lower-case
// letters, digits and hyphens, starting with a letter. Any such name is a
// region to Tandem (its own namespace); anything else is refused here because
// the region becomes part of store keys, ARNs and directory names.
bool IsRegionName(std::string_view region) {
  constexpr size_t kMaxRegionLength = 32;
  if (region.empty() || region.size() > kMaxRegionLength) return false;
  if (region.front() < 'a' || region.front() > 'z') return false;
  return std::all_of(region.begin(), region.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

bool ContainsName(std::string_view list, std::string_view name) {
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(';', start);
    if (end == std::string_view::npos) end = list.size();
    if (EqualsIgnoreCase(list.substr(start, end - start), name)) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

std::string CanonicalRequest(const HttpRequest& req, const std::string& signed_headers,
                             const std::string& payload_hash) {
  std::string out;
  BuildCanonicalRequest(req, signed_headers, payload_hash, out);
  return out;
}

VerifyResult VerifySigV4(const HttpRequest& req, const CredentialLookup& credentials,
                         int64_t now_seconds) {
  using Kind = AuthFailure::Kind;
  const std::string* authorization = req.Header("authorization");
  if (authorization == nullptr) return Refuse(Kind::kMissing, std::string(kMissingMessage));

  AuthorizationFields fields = ParseAuthorization(*authorization);
  const std::string* amz_date_header = req.Header("x-amz-date");
  const std::string* date_header = amz_date_header ? nullptr : req.Header("date");
  if (!fields.credential || !fields.signature || !fields.signed_headers ||
      (!amz_date_header && !date_header)) {
    std::string message;
    if (!fields.credential) message += "Authorization header requires 'Credential' parameter. ";
    if (!fields.signature) message += "Authorization header requires 'Signature' parameter. ";
    if (!fields.signed_headers) {
      message += "Authorization header requires 'SignedHeaders' parameter. ";
    }
    if (!amz_date_header && !date_header) {
      message +=
          "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
    }
    message += "Authorization=" + *authorization;
    std::optional<CredentialScope> scope;
    if (fields.credential) scope = ParseCredential(*fields.credential);
    return Refuse(Kind::kIncomplete, std::move(message), scope ? (*scope)[3] : "");
  }

  std::optional<CredentialScope> scope = ParseCredential(*fields.credential);
  if (!scope) {
    return Refuse(Kind::kIncomplete,
                  "Credential must have exactly 5 slash-delimited elements, e.g. "
                  "keyid/date/region/service/term, got '" +
                      std::string(*fields.credential) + "'");
  }
  const auto [key_id, scope_date, region, service, terminator] = *scope;
  if (terminator != kTerminator) {
    return Refuse(Kind::kIncomplete,
                  "Credential should be scoped with a valid terminator: 'aws4_request', not '" +
                      std::string(terminator) + "'.",
                  service);
  }
  if (!IsRegionName(region)) {
    return Refuse(Kind::kSignatureMismatch,
                  "Credential should be scoped to a valid region, not '" + std::string(region) +
                      "'. A region name is up to 32 lower-case letters, digits and hyphens, "
                      "starting with a letter, such as us-east-1.",
                  service);
  }
  if (!ContainsName(*fields.signed_headers, "host")) {
    return Refuse(Kind::kIncomplete,
                  "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
                  service);
  }

  std::string amz_date;
  int64_t signed_at = -1;
  if (amz_date_header) {
    amz_date = *amz_date_header;
    signed_at = ParseAmzDate(amz_date);
  } else {
    signed_at = ParseHttpDate(*date_header);
    if (signed_at >= 0) amz_date = FormatAmzDate(signed_at);
  }
  if (signed_at < 0) {
    return Refuse(Kind::kIncomplete,
                  "Date must be in ISO-8601 'basic format'. Got '" +
                      (amz_date_header ? *amz_date_header : *date_header) +
                      "'. See http://en.wikipedia.org/wiki/ISO_8601",
                  service);
  }

  std::optional<std::string> secret = credentials.SecretKeyFor(std::string(key_id));
  if (!secret) return Refuse(Kind::kUnknownKey, std::string(kUnknownKeyMessage), service);

  if (signed_at < now_seconds - kMaxClockSkewSeconds) {
    return Refuse(Kind::kExpired,
                  "Signature expired: " + amz_date + " is now earlier than " +
                      FormatAmzDate(now_seconds - kMaxClockSkewSeconds) + " (" +
                      FormatAmzDate(now_seconds) + " - 15 min.)",
                  service);
  }
  if (signed_at > now_seconds + kMaxClockSkewSeconds) {
    return Refuse(Kind::kExpired,
                  "Signature not yet current: " + amz_date + " is still later than " +
                      FormatAmzDate(now_seconds + kMaxClockSkewSeconds) + " (" +
                      FormatAmzDate(now_seconds) + " + 15 min.)",
                  service);
  }
  if (scope_date != std::string_view(amz_date).substr(0, 8)) {
    return Refuse(Kind::kSignatureMismatch,
                  "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
                  "from HTTP: '" +
                      std::string(scope_date) + "' != '" + amz_date.substr(0, 8) + "', from '" +
                      amz_date + "'.",
                  service);
  }

  // The payload hash a client may send must be the body's: for these services
  // the body is always signed, so a request cannot be replayed with another body.
  std::string payload_hash = crypto::HexEncode(crypto::Sha256(req.body));
  if (const std::string* claimed = req.Header("x-amz-content-sha256");
      claimed != nullptr && *claimed != payload_hash) {
    return Refuse(Kind::kSignatureMismatch,
                  "The provided 'x-amz-content-sha256' header does not match what was computed.",
                  service);
  }

  thread_local std::string canonical;
  bool all_present = BuildCanonicalRequest(req, *fields.signed_headers, payload_hash, canonical);
  std::string expected = Signature(*secret, amz_date, scope_date, region, service, canonical);
  if (!all_present || !crypto::ConstantTimeEquals(expected, *fields.signature)) {
    return Refuse(Kind::kSignatureMismatch, std::string(kMismatchMessage), service);
  }

  VerifyResult result;
  result.ok = true;
  result.caller.access_key_id.assign(key_id);
  result.caller.region.assign(region);
  result.caller.service.assign(service);
  return result;
}

void SignSigV4(HttpRequest& req, const AccessKey& key, const std::string& region,
               const std::string& service, int64_t now_seconds) {
  std::erase_if(req.headers, [](const auto& h) {
    return EqualsIgnoreCase(h.first, "authorization") || EqualsIgnoreCase(h.first, "x-amz-date");
  });
  std::string amz_date = FormatAmzDate(now_seconds);
  req.headers.emplace_back("x-amz-date", amz_date);

  std::vector<std::string> names;
  for (const auto& [name, value] : req.headers) {
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(), AsciiLower);
    if (std::find(kUnsignedHeaders.begin(), kUnsignedHeaders.end(), lower) ==
        kUnsignedHeaders.end()) {
      names.push_back(std::move(lower));
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string signed_headers;
  for (const std::string& name : names) {
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += name;
  }

  const std::string* claimed = req.Header("x-amz-content-sha256");
  std::string payload_hash = claimed ? *claimed : crypto::HexEncode(crypto::Sha256(req.body));
  std::string canonical;
  BuildCanonicalRequest(req, signed_headers, payload_hash, canonical);
  std::string date = amz_date.substr(0, 8);
  std::string signature =
      Signature(key.secret_access_key, amz_date, date, region, service, canonical);
  req.headers.emplace_back(
      "authorization", std::string(kAlgorithm) + " Credential=" + key.access_key_id + "/" + date +
                           "/" + region + "/" + service + "/" + std::string(kTerminator) +
                           ", SignedHeaders=" + signed_headers + ", Signature=" + signature);
}

}  // namespace tandem::api
