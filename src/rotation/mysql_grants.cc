#include "rotation/mysql_grants.h"

#include <string_view>

#include "engine/admin_connection.h"

namespace tandem::rotation {
namespace {

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// Position of marker + account in line where the account ends the line or is
// followed by a space; npos if none.
size_t FindGrantee(const std::string& line, const std::string& marker, const std::string& account) {
  const std::string needle = marker + account;
  for (size_t at = line.find(needle); at != std::string::npos; at = line.find(needle, at + 1)) {
    const size_t end = at + needle.size();
    if (end == line.size() || line[end] == ' ') return at;
  }
  return std::string::npos;
}

}  // namespace

std::string QuotedAccount(const std::string& user, const std::string& host) {
  return engine::AdminConnection::QuoteIdentifier(user) + "@" +
         engine::AdminConnection::QuoteIdentifier(host);
}

StatusOr<std::vector<std::string>> CloneGrantStatements(const std::vector<std::string>& show_grants,
                                                        const std::string& from_account,
                                                        const std::string& to_account) {
  std::vector<std::string> statements;
  for (size_t i = 0; i < show_grants.size(); ++i) {
    const std::string& line = show_grants[i];
    const std::string which =
        "line " + std::to_string(i + 1) + " of SHOW GRANTS FOR " + from_account;
    if (StartsWith(line, "SET DEFAULT ROLE ")) {
      const size_t at = FindGrantee(line, " FOR ", from_account);
      if (at == std::string::npos || at + 5 + from_account.size() != line.size()) {
        return Status::InvalidArgument("cannot copy " + which + ": it does not end with FOR " +
                                       from_account);
      }
      statements.push_back(line.substr(0, at) + " FOR " + to_account);
      continue;
    }
    if (!StartsWith(line, "GRANT ")) {
      return Status::InvalidArgument("cannot copy " + which +
                                     ": neither GRANT nor SET DEFAULT ROLE");
    }
    const size_t at = FindGrantee(line, " TO ", from_account);
    if (at == std::string::npos) {
      return Status::InvalidArgument("cannot copy " + which + ": it does not name the grantee");
    }
    const std::string_view tail = std::string_view(line).substr(at + 4 + from_account.size());
    std::string statement = line.substr(0, at) + " TO " + to_account;
    if (tail.find(" WITH GRANT OPTION") != std::string_view::npos) {
      statement += " WITH GRANT OPTION";
    } else if (tail.find(" WITH ADMIN OPTION") != std::string_view::npos) {
      statement += " WITH ADMIN OPTION";
    }
    statements.push_back(std::move(statement));
  }
  return statements;
}

}  // namespace tandem::rotation
