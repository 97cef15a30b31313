#include "api/http.h"

#include "common/ascii.h"

namespace tandem::api {
const std::string* HttpRequest::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return &value;
  }
  return nullptr;
}

std::string_view HttpRequest::Path() const {
  std::string_view path = target;
  // An absolute-form target ("http://host:4566/path?q", as sent through an HTTP
  // proxy) carries the path after its authority.
  for (std::string_view scheme : {"http://", "https://"}) {
    if (path.size() < scheme.size() || !EqualsIgnoreCase(path.substr(0, scheme.size()), scheme)) {
      continue;
    }
    size_t end = path.find_first_of("/?", scheme.size());
    if (end == std::string_view::npos || path[end] != '/') return "/";
    path.remove_prefix(end);
    break;
  }
  return path.substr(0, path.find('?'));
}

std::string_view HttpRequest::Query() const {
  size_t q = target.find('?');
  return q == std::string::npos ? std::string_view() : std::string_view(target).substr(q + 1);
}

}  // namespace tandem::api
