// Moving MariaDB's Aria system tables to InnoDB, so that storage encryption
// leaves no plaintext behind.
//
// Why: on a stock 10.11 install, the Aria transaction log (aria_log.*) is
// never encrypted and holds row images of every transactional Aria table,
// system tables included (the application user's password hash among them);
// and encrypted Aria index pages carry leftover heap memory (other tables'
// rows, query text) in their unused tails. With every system table in InnoDB
// and enforce_storage_engine=InnoDB, nothing is written through Aria after
// the conversion. It must happen before any user data exists, and again after
// an engine upgrade (mariadb-upgrade turns the tables back into Aria), so the
// driver checks at every start and converts whatever is not InnoDB. Applied
// to every node, encrypted or not, so that both have the same layout.
//
// Costs: not MariaDB's documented layout (grants, roles, routines, plugins,
// servers, statistics and HELP were checked to work); events must stay
// disabled (a firing event crashes 10.11 with mysql.event in InnoDB).
// Left as they are: the CSV log tables (empty: logs go to files) and the
// Aria log written by the install itself, before any user or user data.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "engine/admin_connection.h"

namespace tandem::engine {

// The Aria tables of a fresh 10.11 install, as "schema.table": the 24 of the
// mysql schema and sys.sys_config.
extern const std::vector<std::string> kAriaSystemTables;

// Converts every table of kAriaSystemTables that is not InnoDB, then reloads
// privileges and closes tables (FLUSH LOCAL: never written to the binlog).
// Idempotent and cheap when there is nothing to convert (one query). Use a
// connection with AdminBinlog::kSkip: each node converts its own tables.
// Sets *converted (if not null) to the number of tables converted.
Status HardenSystemTables(AdminConnection& conn, int* converted = nullptr);

}  // namespace tandem::engine
