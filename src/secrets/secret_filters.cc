#include "secrets/secret_filters.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "secrets/secrets_errors.h"

namespace tandem::secrets {
namespace {

using Key = SecretFilter::Key;

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> SplitOnSpaces(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!word.empty()) words.push_back(Lower(word));
      word.clear();
    } else {
      word.push_back(c);
    }
  }
  if (!word.empty()) words.push_back(Lower(word));
  return words;
}

// Words as the "all" filter sees them: "credsDatabase#892" -> creds, database, 892.
std::vector<std::string> SplitIntoWords(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  auto flush = [&] {
    if (!word.empty()) words.push_back(Lower(word));
    word.clear();
  };
  for (char ch : text) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (!std::isalnum(c)) {
      flush();
      continue;
    }
    if (!word.empty()) {
      unsigned char prev = static_cast<unsigned char>(word.back());
      bool case_change = std::islower(prev) && std::isupper(c);
      bool kind_change = std::isdigit(prev) != std::isdigit(c);
      if (case_change || kind_change) flush();
    }
    word.push_back(static_cast<char>(c));
  }
  flush();
  return words;
}

bool AnyWordStartsWith(const std::vector<std::string>& words, std::string_view prefix) {
  return std::any_of(words.begin(), words.end(),
                     [&](const std::string& w) { return StartsWith(w, prefix); });
}

bool AnyTag(const Secret& secret, std::string_view prefix, bool keys) {
  if (!secret.tags) return false;
  return std::any_of(secret.tags->begin(), secret.tags->end(),
                     [&](const Tag& t) { return StartsWith(keys ? t.key : t.value, prefix); });
}

bool DescriptionMatches(const Secret& secret, std::string_view value) {
  std::vector<std::string> words = SplitOnSpaces(secret.description);
  std::vector<std::string> wanted = SplitOnSpaces(value);
  if (wanted.empty()) return true;  // an empty prefix matches everything
  return std::all_of(wanted.begin(), wanted.end(),
                     [&](const std::string& w) { return AnyWordStartsWith(words, w); });
}

bool AllMatches(const Secret& secret, std::string_view value) {
  std::vector<std::string> words = SplitIntoWords(secret.name);
  auto add = [&](std::string_view text) {
    for (std::string& w : SplitIntoWords(text)) words.push_back(std::move(w));
  };
  add(secret.description);
  add(secret.owning_service);
  if (secret.tags) {
    for (const Tag& t : *secret.tags) {
      add(t.key);
      add(t.value);
    }
  }
  std::vector<std::string> wanted = SplitIntoWords(value);
  return std::any_of(wanted.begin(), wanted.end(),
                     [&](const std::string& w) { return AnyWordStartsWith(words, w); });
}

bool ValueMatches(const Secret& secret, std::string_view region, Key key, std::string_view value) {
  switch (key) {
    case Key::kName:
      return StartsWith(secret.name, value);
    case Key::kDescription:
      return DescriptionMatches(secret, value);
    case Key::kTagKey:
      return AnyTag(secret, value, /*keys=*/true);
    case Key::kTagValue:
      return AnyTag(secret, value, /*keys=*/false);
    case Key::kPrimaryRegion:
      return StartsWith(region, value);
    case Key::kOwningService:
      return !secret.owning_service.empty() && StartsWith(secret.owning_service, value);
    case Key::kAll:
      return AllMatches(secret, value);
  }
  return false;
}

bool FilterMatches(const Secret& secret, std::string_view region, const SecretFilter& filter) {
  bool has_plain = false;
  bool plain_matched = false;
  for (const std::string& value : filter.values) {
    if (!value.empty() && value[0] == '!') {
      if (ValueMatches(secret, region, filter.key, std::string_view(value).substr(1))) {
        return false;
      }
    } else {
      has_plain = true;
      plain_matched = plain_matched || ValueMatches(secret, region, filter.key, value);
    }
  }
  return !has_plain || plain_matched;
}

}  // namespace

api::ApiResult<std::vector<SecretFilter>> ParseSecretFilters(const nlohmann::json& filters) {
  static const std::pair<const char*, Key> kKeys[] = {
      {"description", Key::kDescription},
      {"name", Key::kName},
      {"tag-key", Key::kTagKey},
      {"tag-value", Key::kTagValue},
      {"primary-region", Key::kPrimaryRegion},
      {"owning-service", Key::kOwningService},
      {"all", Key::kAll},
  };
  std::vector<SecretFilter> parsed;
  for (const nlohmann::json& filter : filters) {
    std::string key = filter.value("Key", "");
    auto known = std::find_if(std::begin(kKeys), std::end(kKeys),
                              [&](const auto& k) { return key == k.first; });
    if (known == std::end(kKeys)) {
      return errors::InvalidParameter(
          "Invalid filter key '" + key +
          "': use description, name, tag-key, tag-value, primary-region, owning-service or all.");
    }
    SecretFilter f;
    f.key = known->second;
    if (auto values = filter.find("Values"); values != filter.end()) {
      f.values = values->get<std::vector<std::string>>();
    }
    if (f.values.empty()) {
      return errors::InvalidParameter("The filter '" + key +
                                      "' has no Values: give between 1 and 10 values.");
    }
    parsed.push_back(std::move(f));
  }
  return parsed;
}

bool MatchesFilters(const Secret& secret, std::string_view region,
                    const std::vector<SecretFilter>& filters) {
  return std::all_of(filters.begin(), filters.end(),
                     [&](const SecretFilter& f) { return FilterMatches(secret, region, f); });
}

}  // namespace tandem::secrets
