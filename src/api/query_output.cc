#include "api/query_output.h"

#include <cmath>
#include <cstdint>

#include "common/clock.h"

namespace tandem::api {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The length of the UTF-8 sequence at s[i], or 0 if it is not one.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80             ? 1
             : (c & 0xE0) == 0xC0 ? 2
             : (c & 0xF0) == 0xE0 ? 3
             : (c & 0xF8) == 0xF0 ? 4
                                  : 0;
  if (n == 0 || i + n > s.size()) return 0;
  uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
  for (size_t k = 1; k < n; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  // XML 1.0 has no U+FFFE and U+FFFF.
  if (cp == 0xFFFE || cp == 0xFFFF) return 0;
  return n;
}

std::string WireName(const OrderedJson& ref, std::string_view fallback) {
  if (ref.is_object()) {
    auto it = ref.find("locationName");
    if (it != ref.end() && it->is_string()) return it->get<std::string>();
  }
  return std::string(fallback);
}

class XmlWriter {
 public:
  explicit XmlWriter(const QueryModel& model) : model_(model) {}

  // Appends <name>value</name> for the shape named shape_name.
  void Element(const std::string& name, const std::string& shape_name, const Json& value) {
    const OrderedJson* shape = model_.Shape(shape_name);
    const std::string type = shape != nullptr ? shape->value("type", "") : "";
    if (type == "list" && shape->value("flattened", false)) {
      // Flattened: the elements themselves, each under the member's name.
      std::string element = WireName((*shape)["member"], name);
      for (const Json& v : value) Element(element, (*shape)["member"].value("shape", ""), v);
      return;
    }
    Open(name);
    if (shape != nullptr) Content(*shape, value);
    Close(name);
  }

  void Content(const OrderedJson& shape, const Json& value) {
    const std::string type = shape.value("type", "");
    if (type == "structure") {
      if (!value.is_object()) return;
      auto members = shape.find("members");
      if (members == shape.end()) return;
      for (const auto& [name, member] : members->items()) {
        auto field = value.find(name);
        if (field == value.end() || field->is_null()) continue;
        Element(WireName(member, name), member.value("shape", ""), *field);
      }
    } else if (type == "list") {
      if (!value.is_array()) return;
      const OrderedJson& member = shape["member"];
      std::string element = WireName(member, "member");
      for (const Json& v : value) Element(element, member.value("shape", ""), v);
    } else if (type == "map") {
      if (!value.is_object()) return;
      bool flattened = shape.value("flattened", false);
      std::string key_name = WireName(shape["key"], "key");
      std::string value_name = WireName(shape["value"], "value");
      for (const auto& [k, v] : value.items()) {
        if (!flattened) Open("entry");
        Open(key_name);
        AppendXmlEscaped(out_, k);
        Close(key_name);
        Element(value_name, shape["value"].value("shape", ""), v);
        if (!flattened) Close("entry");
      }
    } else {
      Scalar(type, value);
    }
  }

  void Open(std::string_view name) {
    out_ += '<';
    out_ += name;
    out_ += '>';
  }
  void Close(std::string_view name) {
    out_ += "</";
    out_ += name;
    out_ += '>';
  }

  std::string& out() { return out_; }

 private:
  void Scalar(const std::string& type, const Json& value) {
    if (value.is_string()) {
      AppendXmlEscaped(out_, value.get_ref<const std::string&>());
    } else if (value.is_boolean()) {
      out_ += value.get<bool>() ? "true" : "false";
    } else if (type == "timestamp" && value.is_number()) {
      out_ += FormatIso8601(std::llround(value.get<double>() * 1000.0));
    } else if (value.is_number()) {
      out_ += value.dump();
    }
  }

  const QueryModel& model_;
  std::string out_;
};

void AppendRequestId(std::string& out, const std::string& request_id) {
  out += "<RequestId>";
  AppendXmlEscaped(out, request_id);
  out += "</RequestId>";
}

}  // namespace

void AppendXmlEscaped(std::string& out, std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    char c = text[i];
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\r':
        out += "&#xD;";  // a literal CR would be normalized away by the parser
        break;
      default: {
        size_t n = Utf8SequenceLength(text, i);
        unsigned char u = static_cast<unsigned char>(c);
        if (n == 0 || (u < 0x20 && c != '\t' && c != '\n')) {
          out += kReplacement;  // XML 1.0 cannot carry it, even as a reference
          i += n == 0 ? 1 : n;
          continue;
        }
        out.append(text.substr(i, n));
        i += n;
        continue;
      }
    }
    ++i;
  }
}

std::string RenderQueryResponse(const QueryModel& model, const std::string& operation,
                                const nlohmann::json& output, const std::string& request_id) {
  XmlWriter xml(model);
  std::string& out = xml.out();
  out += "<" + operation + "Response xmlns=\"";
  AppendXmlEscaped(out, model.xml_namespace());
  out += "\">";
  const std::string shape_name = model.OutputShapeName(operation);
  if (const OrderedJson* shape = shape_name.empty() ? nullptr : model.Shape(shape_name)) {
    std::string wrapper = model.ResultWrapper(operation);
    if (wrapper.empty()) wrapper = operation + "Result";
    xml.Open(wrapper);
    xml.Content(*shape, output);
    xml.Close(wrapper);
  }
  out += "<ResponseMetadata>";
  AppendRequestId(out, request_id);
  out += "</ResponseMetadata></" + operation + "Response>";
  return std::move(out);
}

std::string RenderQueryError(const std::string& xml_namespace, const ApiError& error,
                             bool sender_fault, const std::string& request_id) {
  std::string out = "<ErrorResponse xmlns=\"";
  AppendXmlEscaped(out, xml_namespace);
  out += "\"><Error><Type>";
  out += sender_fault ? "Sender" : "Receiver";
  out += "</Type><Code>";
  AppendXmlEscaped(out, error.code);
  out += "</Code><Message>";
  AppendXmlEscaped(out, error.message);
  out += "</Message></Error>";
  AppendRequestId(out, request_id);
  out += "</ErrorResponse>";
  return out;
}

}  // namespace tandem::api
