// Copying one MariaDB account's grants to another: the alternating-users
// rotator gives <user>_clone exactly what <user> may do.
//
// Pure text rewriting of SHOW GRANTS output, so it is tested without a
// server. MariaDB prints each grantee as `user`@`host` (backticks doubled
// inside), which is what the rewriting looks for.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace tandem::rotation {

// A MariaDB account as SHOW GRANTS prints it: `user`@`host`.
std::string QuotedAccount(const std::string& user, const std::string& host);

// The statements that give to_account (quoted as QuotedAccount) what the
// lines of SHOW GRANTS FOR from_account give from_account:
//   GRANT <what> TO <from> [IDENTIFIED ...] [REQUIRE ...] [WITH ...]
//     -> GRANT <what> TO <to> [WITH GRANT OPTION | WITH ADMIN OPTION]
//   SET DEFAULT ROLE <role> FOR <from>  -> SET DEFAULT ROLE <role> FOR <to>
// Authentication (the password hash), the TLS requirement and resource
// limits are not carried over: the caller sets those itself.
// kInvalidArgument if a line is neither form or does not name from_account
// (the message gives the line's number, not its text, which may hold a
// password hash).
StatusOr<std::vector<std::string>> CloneGrantStatements(const std::vector<std::string>& show_grants,
                                                        const std::string& from_account,
                                                        const std::string& to_account);

}  // namespace tandem::rotation
