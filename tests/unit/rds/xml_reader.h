// A tiny XML reader for tests of the Query protocol's responses: elements,
// attributes, text and the five predefined entities plus character
// references. Anything else (comments, CDATA, DTDs) is a parse failure,
// which is what the responses must not contain either.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tandem::testing_xml {

struct Element {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attributes;
  std::vector<Element> children;
  std::string text;  // character data directly inside, entities decoded

  // The first child called name, or nullptr.
  const Element* Child(std::string_view child) const {
    for (const Element& c : children) {
      if (c.name == child) return &c;
    }
    return nullptr;
  }
  // Follows a path of child names ("DBInstances/DBInstance/Endpoint/Port").
  const Element* Path(std::string_view path) const {
    const Element* at = this;
    while (at != nullptr && !path.empty()) {
      size_t slash = path.find('/');
      at = at->Child(path.substr(0, slash));
      path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    }
    return at;
  }
  std::string Text(std::string_view path) const {
    const Element* e = Path(path);
    return e == nullptr ? "<missing " + std::string(path) + ">" : e->text;
  }
};

class XmlReader {
 public:
  // The document's root element, or nullopt if text is not well-formed.
  static std::optional<Element> Parse(std::string_view text) {
    XmlReader r(text);
    std::optional<Element> root = r.ReadElement();
    if (!root || r.pos_ != text.size()) return std::nullopt;
    return root;
  }

 private:
  explicit XmlReader(std::string_view text) : s_(text) {}

  static bool IsNameChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == ':';
  }

  std::string ReadName() {
    size_t start = pos_;
    while (pos_ < s_.size() && IsNameChar(s_[pos_])) ++pos_;
    return std::string(s_.substr(start, pos_ - start));
  }

  static void AppendUtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // Character data up to the next '<' (or the closing quote), decoded.
  std::optional<std::string> ReadText(char stop) {
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != '<' && s_[pos_] != stop) {
      char c = s_[pos_];
      if (c == '>' && stop == '<') return std::nullopt;  // we escape '>' everywhere
      if (c != '&') {
        out += c;
        ++pos_;
        continue;
      }
      size_t semi = s_.find(';', pos_);
      if (semi == std::string_view::npos) return std::nullopt;
      std::string_view entity = s_.substr(pos_ + 1, semi - pos_ - 1);
      if (entity == "amp") {
        out += '&';
      } else if (entity == "lt") {
        out += '<';
      } else if (entity == "gt") {
        out += '>';
      } else if (entity == "quot") {
        out += '"';
      } else if (entity == "apos") {
        out += '\'';
      } else if (entity.size() > 2 && entity[0] == '#' && entity[1] == 'x') {
        AppendUtf8(out,
                   static_cast<uint32_t>(std::stoul(std::string(entity.substr(2)), nullptr, 16)));
      } else if (entity.size() > 1 && entity[0] == '#') {
        AppendUtf8(out, static_cast<uint32_t>(std::stoul(std::string(entity.substr(1)))));
      } else {
        return std::nullopt;
      }
      pos_ = semi + 1;
    }
    return out;
  }

  std::optional<Element> ReadElement() {
    if (pos_ >= s_.size() || s_[pos_] != '<') return std::nullopt;
    ++pos_;
    Element e;
    e.name = ReadName();
    if (e.name.empty()) return std::nullopt;
    while (pos_ < s_.size() && s_[pos_] == ' ') {
      ++pos_;
      std::string attr = ReadName();
      if (attr.empty() || s_.substr(pos_, 2) != "=\"") return std::nullopt;
      pos_ += 2;
      std::optional<std::string> value = ReadText('"');
      if (!value || pos_ >= s_.size() || s_[pos_] != '"') return std::nullopt;
      ++pos_;
      e.attributes.emplace_back(attr, *value);
    }
    if (s_.substr(pos_, 2) == "/>") {
      pos_ += 2;
      return e;
    }
    if (pos_ >= s_.size() || s_[pos_] != '>') return std::nullopt;
    ++pos_;
    while (true) {
      std::optional<std::string> text = ReadText('<');
      if (!text) return std::nullopt;
      e.text += *text;
      if (pos_ >= s_.size()) return std::nullopt;
      if (s_.substr(pos_, 2) == "</") {
        pos_ += 2;
        if (ReadName() != e.name || pos_ >= s_.size() || s_[pos_] != '>') return std::nullopt;
        ++pos_;
        return e;
      }
      std::optional<Element> child = ReadElement();
      if (!child) return std::nullopt;
      e.children.push_back(std::move(*child));
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace tandem::testing_xml
