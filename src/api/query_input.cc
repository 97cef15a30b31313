#include "api/query_input.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <set>

#include "api/percent_encoding.h"
#include "common/ascii.h"
#include "common/utf8.h"

namespace tandem::api {
namespace {

// Models nest a few levels; a deeper walk means a recursive shape.
constexpr int kMaxDepth = 32;
// 10000-01-01T00:00:00Z, the first second ISO 8601's four-digit years cannot
// write. Timestamps from there on are refused, so handlers can work in int64_t
// milliseconds.
constexpr double kEndOfTimestampsSeconds = 253402300800.0;
// List positions are small in practice (RDS takes at most 50 tags); larger
// numbers are treated as unknown parameters rather than allocated.
constexpr uint64_t kMaxListIndex = 100000;

ApiError Malformed(std::string message) {
  return {"MalformedQueryString", std::move(message), 400, false};
}

ApiError InvalidValue(std::string message) {
  return {"InvalidParameterValue", std::move(message), 400, false};
}

std::optional<int64_t> ParseInteger(std::string_view text, int64_t lo, int64_t hi) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::string s(text);
  if (s.find_first_not_of("+-0123456789") != std::string::npos) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || end != s.c_str() + s.size() || v < lo || v > hi) return std::nullopt;
  return v;
}

std::optional<double> ParseNumber(std::string_view text) {
  std::string s(text);
  if (s.empty() || s.find_first_not_of("+-.0123456789eE") != std::string::npos) {
    return std::nullopt;
  }
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (errno != 0 || end != s.c_str() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// Reads exactly n digits at text[pos].
std::optional<int> Digits(std::string_view text, size_t pos, size_t n) {
  if (pos + n > text.size()) return std::nullopt;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    v = v * 10 + (text[i] - '0');
  }
  return v;
}

std::string JoinKey(const std::string& prefix, std::string_view name) {
  return prefix.empty() ? std::string(name) : prefix + "." + std::string(name);
}

class InputDecoder {
 public:
  InputDecoder(const QueryModel& model, const QueryParameters& params)
      : model_(model), params_(params) {}

  // The value at key for the shape named shape_name, or nullopt when the
  // request holds nothing there. Sets error_ (and returns nullopt) on bad input.
  // present: the request names this value (a list position), so a structure
  // with none of its members is an empty structure, not an absent one.
  std::optional<Json> Decode(const std::string& shape_name, const std::string& key, bool sensitive,
                             int depth, bool present = false) {
    const OrderedJson* shape = model_.Shape(shape_name);
    if (shape == nullptr || error_) return std::nullopt;
    if (depth > kMaxDepth) {
      error_ = InvalidValue("The parameter " + key + " nests deeper than any input allows");
      return std::nullopt;
    }
    sensitive = sensitive || shape->value("sensitive", false);
    const std::string type = shape->value("type", "");
    if (type == "structure") return DecodeStructure(*shape, key, sensitive, depth, present);
    if (type == "list") return DecodeList(*shape, key, sensitive, depth);
    if (type == "map") return DecodeMap(*shape, key, sensitive, depth);
    auto it = params_.find(key);
    if (it == params_.end()) return std::nullopt;
    return DecodeScalar(type, key, it->second, sensitive);
  }

  const std::optional<ApiError>& error() const { return error_; }

 private:
  std::optional<Json> DecodeStructure(const OrderedJson& shape, const std::string& key,
                                      bool sensitive, int depth, bool present) {
    Json out = Json::object();
    auto members = shape.find("members");
    if (members != shape.end()) {
      for (const auto& [name, member] : members->items()) {
        std::string member_key = JoinKey(key, WireName(member, name));
        bool member_sensitive = sensitive || member.value("sensitive", false);
        std::optional<Json> value =
            Decode(member.value("shape", ""), member_key, member_sensitive, depth + 1);
        if (error_) return std::nullopt;
        if (value) out[name] = std::move(*value);
      }
    }
    if (out.empty() && !key.empty() && !present) return std::nullopt;
    if (auto required = shape.find("required"); required != shape.end()) {
      for (const OrderedJson& name : *required) {
        if (out.contains(name.get<std::string>())) continue;
        const OrderedJson& member = (*members)[name.get<std::string>()];
        error_ = ApiError{"MissingParameter",
                          "The request must contain the parameter " +
                              JoinKey(key, WireName(member, name.get<std::string>())),
                          400, false};
        return std::nullopt;
      }
    }
    return out;
  }

  // The positions n present under prefix ("<prefix>.<n>" or "<prefix>.<n>.x").
  std::set<uint64_t> Positions(const std::string& prefix) const {
    std::set<uint64_t> positions;
    const std::string start = prefix + ".";
    for (auto it = params_.lower_bound(start);
         it != params_.end() && it->first.compare(0, start.size(), start) == 0; ++it) {
      std::string_view rest = std::string_view(it->first).substr(start.size());
      std::string_view digits = rest.substr(0, rest.find('.'));
      // Canonical numbers only: "01" would not find "<prefix>.1" below.
      if (digits.empty() || digits.size() > 6 || digits[0] == '0' ||
          digits.find_first_not_of("0123456789") != std::string_view::npos) {
        continue;
      }
      uint64_t n = std::stoull(std::string(digits));
      if (n <= kMaxListIndex) positions.insert(n);
    }
    return positions;
  }

  std::optional<Json> DecodeList(const OrderedJson& shape, const std::string& key, bool sensitive,
                                 int depth) {
    const OrderedJson& member = shape["member"];
    std::string list_prefix;
    if (shape.value("flattened", false)) {
      list_prefix = key;
      std::string name = WireName(member, "");
      if (!name.empty()) {
        size_t dot = key.rfind('.');
        list_prefix = dot == std::string::npos ? name : key.substr(0, dot + 1) + name;
      }
    } else {
      list_prefix = key + "." + WireName(member, "member");
    }
    std::set<uint64_t> positions = Positions(list_prefix);
    if (positions.empty()) {
      // botocore sends an empty list as the bare name with an empty value.
      auto it = params_.find(key);
      if (it == params_.end()) return std::nullopt;
      if (!it->second.empty()) {
        error_ = InvalidValue("The parameter " + key + " is a list: send its elements as " +
                              list_prefix + ".1, " + list_prefix + ".2, ...");
        return std::nullopt;
      }
      return Json::array();
    }
    Json out = Json::array();
    const std::string member_shape = member.value("shape", "");
    for (uint64_t n : positions) {
      // "<prefix>.<n>.Unknown=x" names a structure element but none of its
      // members: an empty structure, whose required members are then missing.
      std::optional<Json> element = Decode(member_shape, list_prefix + "." + std::to_string(n),
                                           sensitive, depth + 1, /*present=*/true);
      if (error_) return std::nullopt;
      if (element) out.push_back(std::move(*element));
    }
    return out;
  }

  std::optional<Json> DecodeMap(const OrderedJson& shape, const std::string& key, bool sensitive,
                                int depth) {
    const std::string prefix = shape.value("flattened", false) ? key : key + ".entry";
    const OrderedJson& key_ref = shape["key"];
    const OrderedJson& value_ref = shape["value"];
    const std::string key_name = WireName(key_ref, "key");
    const std::string value_name = WireName(value_ref, "value");
    std::set<uint64_t> positions = Positions(prefix);
    if (positions.empty()) return std::nullopt;
    Json out = Json::object();
    for (uint64_t n : positions) {
      std::string entry = prefix + "." + std::to_string(n);
      auto k = params_.find(entry + "." + key_name);
      if (k == params_.end()) {
        error_ = ApiError{"MissingParameter",
                          "The request must contain the parameter " + entry + "." + key_name, 400,
                          false};
        return std::nullopt;
      }
      std::optional<Json> value =
          Decode(value_ref.value("shape", ""), entry + "." + value_name, sensitive, depth + 1);
      if (error_) return std::nullopt;
      out[k->second] = value ? std::move(*value) : Json(nullptr);
    }
    return out;
  }

  std::optional<Json> DecodeScalar(const std::string& type, const std::string& key,
                                   const std::string& text, bool sensitive) {
    auto wrong = [&](const char* expected) -> std::optional<Json> {
      std::string shown = sensitive ? "" : " '" + text + "'";
      if (!sensitive && !IsValidUtf8(text)) shown = "";
      error_ = InvalidValue("Invalid value" + shown + " for parameter " + key + ": expected " +
                            expected);
      return std::nullopt;
    };
    if (type == "string" || type == "blob") {
      if (!IsValidUtf8(text)) {
        error_ = InvalidValue("The value of parameter " + key + " is not valid UTF-8");
        return std::nullopt;
      }
      return Json(text);
    }
    if (type == "boolean") {
      if (EqualsIgnoreCase(text, "true")) return Json(true);
      if (EqualsIgnoreCase(text, "false")) return Json(false);
      return wrong("true or false");
    }
    if (type == "integer") {
      auto v = ParseInteger(text, std::numeric_limits<int32_t>::min(),
                            std::numeric_limits<int32_t>::max());
      if (!v) return wrong("an integer");
      return Json(*v);
    }
    if (type == "long") {
      auto v = ParseInteger(text, std::numeric_limits<int64_t>::min(),
                            std::numeric_limits<int64_t>::max());
      if (!v) return wrong("an integer");
      return Json(*v);
    }
    if (type == "float" || type == "double") {
      auto v = ParseNumber(text);
      if (!v) return wrong("a number");
      return Json(*v);
    }
    if (type == "timestamp") {
      std::optional<double> seconds = ParseIso8601(text);
      if (!seconds && !text.empty() && text.find_first_not_of("0123456789.") == std::string::npos) {
        seconds = ParseNumber(text);
      }
      if (!seconds) return wrong("an ISO 8601 timestamp such as 2023-11-14T22:13:20Z");
      if (*seconds >= kEndOfTimestampsSeconds) {
        return wrong("a timestamp no later than 9999-12-31T23:59:59Z");
      }
      return Json(*seconds);
    }
    return Json(text);
  }

  const QueryModel& model_;
  const QueryParameters& params_;
  std::optional<ApiError> error_;
};

}  // namespace

std::optional<ApiError> ParseFormEncoded(std::string_view text, QueryParameters& out) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('&', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view pair = text.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::optional<std::string> name = PercentDecode(pair.substr(0, eq), PlusSign::kSpace);
    std::optional<std::string> value = PercentDecode(
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), PlusSign::kSpace);
    if (!name || !value) {
      return Malformed("The query string contains a malformed percent escape");
    }
    if (name->empty()) return Malformed("The query string contains a parameter without a name");
    if (!IsValidUtf8(*name)) return Malformed("A parameter name is not valid UTF-8");
    if (out.count(*name) > 0) {
      return Malformed("The parameter " + *name + " is given more than once");
    }
    out.emplace(std::move(*name), std::move(*value));
  }
  return std::nullopt;
}

ApiResult<Json> DecodeQueryInput(const QueryModel& model, const std::string& operation,
                                 const QueryParameters& params) {
  const std::string shape = model.InputShapeName(operation);
  if (shape.empty()) return Json::object();
  InputDecoder decoder(model, params);
  std::optional<Json> input = decoder.Decode(shape, "", false, 0);
  if (decoder.error()) return *decoder.error();
  return input ? std::move(*input) : Json::object();
}

std::optional<double> ParseIso8601(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS
  auto year = Digits(text, 0, 4);
  auto month = Digits(text, 5, 2);
  auto day = Digits(text, 8, 2);
  auto hour = Digits(text, 11, 2);
  auto minute = Digits(text, 14, 2);
  auto second = Digits(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || text[13] != ':' ||
      text[16] != ':') {
    return std::nullopt;
  }
  if (*month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 ||
      *second > 60) {
    return std::nullopt;
  }
  size_t pos = 19;
  double fraction = 0;
  if (pos < text.size() && text[pos] == '.') {
    size_t digits_start = ++pos;
    double scale = 0.1;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      fraction += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == digits_start) return std::nullopt;
  }
  int64_t offset_seconds = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int sign = text[pos] == '+' ? 1 : -1;
    auto oh = Digits(text, pos + 1, 2);
    if (!oh) return std::nullopt;
    size_t mpos = pos + 3;
    if (mpos < text.size() && text[mpos] == ':') ++mpos;
    auto om = Digits(text, mpos, 2);
    if (!om || *oh > 23 || *om > 59) return std::nullopt;
    offset_seconds = sign * (*oh * 3600 + *om * 60);
    pos = mpos + 2;
  }
  if (pos != text.size()) return std::nullopt;
  std::tm tm{};
  tm.tm_year = *year - 1900;
  tm.tm_mon = *month - 1;
  tm.tm_mday = *day;
  tm.tm_hour = *hour;
  tm.tm_min = *minute;
  tm.tm_sec = *second;
  time_t t = timegm(&tm);
  return static_cast<double>(t - offset_seconds) + fraction;
}

}  // namespace tandem::api
