#include "api/query_output.h"

#include <cmath>
#include <cstdint>

#include "common/clock.h"
#include "common/xml_text.h"

namespace tandem::api {
namespace {

using Json = nlohmann::json;

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
