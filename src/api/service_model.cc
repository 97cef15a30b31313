#include "api/service_model.h"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "crypto/digest.h"

namespace tandem::api {
namespace {

using Json = nlohmann::json;

// Where a value sits in the input, as AWS's front end names it:
// "secretId", "filters.1.member.values.2.member". Built only when a message
// needs it.
struct Path {
  const Path* parent = nullptr;
  std::string_view member;  // a structure member or map key; empty for a list element
  size_t index = 0;         // 1-based list position when member is empty

  std::string Render() const {
    if (parent == nullptr) return std::string();  // the input itself
    std::string out = parent->Render();
    if (!out.empty()) out += '.';
    if (member.empty()) {
      out += std::to_string(index) + ".member";
    } else {
      out += member;
    }
    return out;
  }
};

// AWS names members in lower camel case in its messages ("SecretId" -> "secretId").
std::string LowerCamel(std::string_view name) {
  std::string out(name);
  if (!out.empty() && out[0] >= 'A' && out[0] <= 'Z')
    out[0] = static_cast<char>(out[0] - 'A' + 'a');
  return out;
}

// Length as AWS's Java front end counts it: UTF-16 code units.
size_t Utf16Length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;  // a leading byte starts a code point
    if ((c & 0xF8) == 0xF0) ++n;  // four-byte sequences need a surrogate pair
  }
  return n;
}

// A value as Java's toString renders it in AWS's messages: strings bare,
// lists "[a, b]", maps "{k=v}".
std::string Display(const Json& v) {
  switch (v.type()) {
    case Json::value_t::string:
      return v.get<std::string>();
    case Json::value_t::array: {
      std::string out = "[";
      for (size_t i = 0; i < v.size(); ++i) {
        if (i > 0) out += ", ";
        out += Display(v[i]);
      }
      return out + "]";
    }
    case Json::value_t::object: {
      std::string out = "{";
      bool first = true;
      for (const auto& [key, value] : v.items()) {
        if (!first) out += ", ";
        first = false;
        out += key + "=" + Display(value);
      }
      return out + "}";
    }
    default:
      return v.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
}

const char* JsonTypeName(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::array:
      return "a list";
    case Json::value_t::object:
      return "an object";
    case Json::value_t::binary:
      return "binary";
    case Json::value_t::discarded:
      return "nothing";
    default:
      return "a number";
  }
}

// The shape named by a list's "member" or a map's "key" / "value".
std::string ShapeRef(const Json& shape, const char* field) {
  auto it = shape.find(field);
  return it != shape.end() && it->is_object() ? it->value("shape", "") : "";
}

class InputValidator {
 public:
  explicit InputValidator(const Json& shapes) : shapes_(shapes) {}

  // Checks value against the shape named shape_name. Returns false on a type
  // error (recorded in serialization_error_), which stops the walk.
  bool Check(const std::string& shape_name, const Json& value, const Path& path, bool sensitive) {
    auto it = shapes_.find(shape_name);
    if (it == shapes_.end()) return true;  // Parse checked every reference
    const Json& shape = *it;
    sensitive = sensitive || shape.value("sensitive", false);
    const std::string type = shape.value("type", "");

    if (type == "structure") {
      if (!value.is_object()) return TypeError(path, "a structure", value);
      auto members = shape.find("members");
      if (members == shape.end()) return true;
      auto required = shape.find("required");
      for (const auto& [name, member] : members->items()) {
        auto field = value.find(name);
        std::string lower = LowerCamel(name);
        Path member_path{&path, lower, 0};
        bool absent = field == value.end() || field->is_null();
        if (absent) {
          if (required != shape.end() &&
              std::find(required->begin(), required->end(), name) != required->end()) {
            violations_.push_back("Value null at '" + member_path.Render() +
                                  "' failed to satisfy constraint: Member must not be null");
          }
          continue;
        }
        bool member_sensitive = sensitive || member.value("sensitive", false);
        if (!Check(member.value("shape", ""), *field, member_path, member_sensitive)) return false;
      }
      return true;
    }
    if (type == "list") {
      if (!value.is_array()) return TypeError(path, "a list", value);
      CheckLength(shape, value, value.size(), path, sensitive);
      const std::string member_shape = ShapeRef(shape, "member");
      for (size_t i = 0; i < value.size(); ++i) {
        Path element{&path, {}, i + 1};
        if (value[i].is_null()) {
          violations_.push_back("Value null at '" + element.Render() +
                                "' failed to satisfy constraint: Member must not be null");
          continue;
        }
        if (!Check(member_shape, value[i], element, sensitive)) return false;
      }
      return true;
    }
    if (type == "map") {
      if (!value.is_object()) return TypeError(path, "a map", value);
      CheckLength(shape, value, value.size(), path, sensitive);
      const std::string key_shape = ShapeRef(shape, "key");
      const std::string value_shape = ShapeRef(shape, "value");
      for (const auto& [key, element] : value.items()) {
        Path entry{&path, key, 0};
        if (!Check(key_shape, Json(key), entry, sensitive)) return false;
        if (element.is_null()) continue;
        if (!Check(value_shape, element, entry, sensitive)) return false;
      }
      return true;
    }
    if (type == "string") {
      if (!value.is_string()) return TypeError(path, "a string", value);
      const std::string& s = value.get_ref<const std::string&>();
      CheckLength(shape, value, Utf16Length(s), path, sensitive);
      if (auto allowed = shape.find("enum");
          allowed != shape.end() && allowed->is_array() &&
          std::find(allowed->begin(), allowed->end(), value) == allowed->end()) {
        std::string set;
        for (const Json& a : *allowed) {
          if (!set.empty()) set += ", ";
          set += a.is_string() ? a.get<std::string>() : a.dump();
        }
        Violation(value, path, sensitive, "Member must satisfy enum value set: [" + set + "]");
      }
      return true;
    }
    if (type == "integer" || type == "long") {
      bool fits = false;
      if (value.is_number_integer()) {
        // Java's int and long: a value outside them does not deserialize.
        int64_t lo = type == "integer" ? std::numeric_limits<int32_t>::min()
                                       : std::numeric_limits<int64_t>::min();
        int64_t hi = type == "integer" ? std::numeric_limits<int32_t>::max()
                                       : std::numeric_limits<int64_t>::max();
        if (value.is_number_unsigned()) {
          fits = value.get<uint64_t>() <= static_cast<uint64_t>(hi);
        } else {
          fits = value.get<int64_t>() >= lo && value.get<int64_t>() <= hi;
        }
      }
      if (!fits) return TypeError(path, type == "integer" ? "an integer" : "a long", value);
      CheckRange(shape, value, path, sensitive);
      return true;
    }
    if (type == "float" || type == "double") {
      if (!value.is_number()) return TypeError(path, "a number", value);
      CheckRange(shape, value, path, sensitive);
      return true;
    }
    if (type == "boolean") {
      if (!value.is_boolean()) return TypeError(path, "a boolean", value);
      return true;
    }
    if (type == "timestamp") {
      // The JSON protocol sends timestamps as epoch seconds.
      if (!value.is_number()) return TypeError(path, "a timestamp in epoch seconds", value);
      return true;
    }
    if (type == "blob") {
      if (!value.is_string()) return TypeError(path, "base64-encoded binary data", value);
      std::optional<std::string> bytes = crypto::Base64Decode(value.get_ref<const std::string&>());
      if (!bytes) return TypeError(path, "base64-encoded binary data", value);
      // Binary values are never echoed: Java would print a buffer's address.
      CheckLength(shape, value, bytes->size(), path, /*sensitive=*/true);
      return true;
    }
    return true;  // documents and future types: accepted as they are
  }

  std::optional<ApiError> Result() const {
    if (serialization_error_) {
      return ApiError{"SerializationException", *serialization_error_, 400, false};
    }
    if (violations_.empty()) return std::nullopt;
    std::string message = std::to_string(violations_.size()) +
                          (violations_.size() == 1 ? " validation error detected: "
                                                   : " validation errors detected: ");
    for (size_t i = 0; i < violations_.size(); ++i) {
      if (i > 0) message += "; ";
      message += violations_[i];
    }
    return ApiError{"ValidationException", std::move(message), 400, false};
  }

 private:
  bool TypeError(const Path& path, const char* expected, const Json& found) {
    std::string where = path.Render();
    serialization_error_ = "Expected " + std::string(expected) +
                           (where.empty() ? std::string() : " at '" + where + "'") + ", found " +
                           JsonTypeName(found);
    return false;
  }

  void Violation(const Json& value, const Path& path, bool sensitive, const std::string& rule) {
    std::string shown = sensitive ? "Value" : "Value '" + Display(value) + "'";
    violations_.push_back(shown + " at '" + path.Render() +
                          "' failed to satisfy constraint: " + rule);
  }

  void CheckLength(const Json& shape, const Json& value, size_t length, const Path& path,
                   bool sensitive) {
    if (auto min = shape.find("min"); min != shape.end() && min->is_number() &&
                                      static_cast<long double>(length) < min->get<long double>()) {
      Violation(value, path, sensitive,
                "Member must have length greater than or equal to " + min->dump());
    }
    if (auto max = shape.find("max"); max != shape.end() && max->is_number() &&
                                      static_cast<long double>(length) > max->get<long double>()) {
      Violation(value, path, sensitive,
                "Member must have length less than or equal to " + max->dump());
    }
  }

  void CheckRange(const Json& shape, const Json& value, const Path& path, bool sensitive) {
    long double v = value.get<long double>();
    if (auto min = shape.find("min");
        min != shape.end() && min->is_number() && v < min->get<long double>()) {
      Violation(value, path, sensitive,
                "Member must have value greater than or equal to " + min->dump());
    }
    if (auto max = shape.find("max");
        max != shape.end() && max->is_number() && v > max->get<long double>()) {
      Violation(value, path, sensitive,
                "Member must have value less than or equal to " + max->dump());
    }
  }

  const Json& shapes_;
  std::vector<std::string> violations_;
  std::optional<std::string> serialization_error_;
};

// Every shape a shape refers to ("member", "key", "value", structure members).
std::vector<std::string> ReferencedShapes(const Json& shape) {
  std::vector<std::string> out;
  for (const char* field : {"member", "key", "value"}) {
    if (shape.contains(field)) out.push_back(ShapeRef(shape, field));
  }
  if (auto members = shape.find("members"); members != shape.end() && members->is_object()) {
    for (const auto& [name, member] : members->items()) {
      out.push_back(member.is_object() ? member.value("shape", "") : "");
    }
  }
  return out;
}

}  // namespace

StatusOr<std::shared_ptr<const ServiceModel>> ServiceModel::Parse(std::string_view model_json,
                                                                  std::string_view overlay_json) {
  Json model = Json::parse(model_json, nullptr, /*allow_exceptions=*/false);
  if (!model.is_object() || !model["operations"].is_object() || !model["shapes"].is_object()) {
    return Status::InvalidArgument(
        "service model is not a JSON object with \"operations\" and \"shapes\"");
  }
  if (overlay_json.find_first_not_of(" \t\r\n") != std::string_view::npos) {
    Json overlay = Json::parse(overlay_json, nullptr, /*allow_exceptions=*/false);
    if (!overlay.is_object()) return Status::InvalidArgument("model overlay is not a JSON object");
    for (const char* section : {"operations", "shapes"}) {
      if (!overlay.contains(section)) continue;
      if (!overlay[section].is_object()) {
        return Status::InvalidArgument(std::string("model overlay's \"") + section +
                                       "\" is not an object");
      }
      model[section].update(overlay[section]);
    }
  }

  // Dangling references would make validation silently lenient: refuse them.
  const Json& shapes = model["shapes"];
  for (const auto& [name, shape] : shapes.items()) {
    if (!shape.is_object() || !shape.contains("type")) {
      return Status::InvalidArgument("service model shape '" + name + "' has no type");
    }
    for (const std::string& ref : ReferencedShapes(shape)) {
      if (!shapes.contains(ref)) {
        return Status::InvalidArgument("service model shape '" + name +
                                       "' refers to unknown shape '" + ref + "'");
      }
    }
  }
  for (const auto& [name, operation] : model["operations"].items()) {
    for (const char* io : {"input", "output"}) {
      if (!operation.is_object() || !operation.contains(io)) continue;
      std::string ref = operation[io].is_object() ? operation[io].value("shape", "") : "";
      if (!shapes.contains(ref)) {
        return Status::InvalidArgument("service model operation '" + name + "' has unknown " + io +
                                       " shape '" + ref + "'");
      }
    }
  }

  auto parsed = std::make_shared<ServiceModel>();
  parsed->model_ = std::move(model);
  return std::shared_ptr<const ServiceModel>(std::move(parsed));
}

bool ServiceModel::HasOperation(const std::string& operation) const {
  return model_.at("operations").contains(operation);
}

std::vector<std::string> ServiceModel::OperationNames() const {
  std::vector<std::string> names;
  for (const auto& [name, operation] : model_.at("operations").items()) names.push_back(name);
  return names;
}

std::optional<ApiError> ServiceModel::ValidateInput(const std::string& operation,
                                                    const nlohmann::json& input) const {
  const Json& operations = model_.at("operations");
  auto op = operations.find(operation);
  if (op == operations.end()) {
    return ApiError{"UnknownOperationException",
                    "The operation '" + operation + "' is not in the service model", 400, false};
  }
  auto in = op->find("input");
  if (in == op->end()) return std::nullopt;
  InputValidator validator(model_.at("shapes"));
  Path root;
  validator.Check(in->value("shape", ""), input, root, false);
  return validator.Result();
}

}  // namespace tandem::api
