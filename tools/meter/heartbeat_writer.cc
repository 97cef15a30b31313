#include "meter/heartbeat_writer.h"

namespace tandem::meter {
namespace {

constexpr unsigned int kErrServerShutdown = 1053;    // ER_SERVER_SHUTDOWN
constexpr unsigned int kErrConnectionKilled = 1927;  // ER_CONNECTION_KILLED

}  // namespace

Outcome ClassifyFailure(AttemptPhase phase, const DbError& error) {
  if (phase != AttemptPhase::kCommit) return Outcome::kFailed;
  if (error.FromServer() && error.number != kErrServerShutdown &&
      error.number != kErrConnectionKilled) {
    return Outcome::kFailed;
  }
  return Outcome::kUnknown;
}

void DatabaseHeartbeatWriter::Write(uint64_t index_id, int64_t wall_ms, Attempt& attempt) {
  auto fail = [&](AttemptPhase phase, const DbError& error) {
    attempt.outcome = ClassifyFailure(phase, error);
    attempt.error = error.message;
  };
  DbError connect_error;
  auto conn = MeterConnection::Connect(connection_, &connect_error);
  if (!conn.ok()) {
    if (connect_error.message.empty()) connect_error.message = conn.status().message();
    return fail(AttemptPhase::kConnect, connect_error);
  }
  MeterConnection& c = **conn;
  if (!c.Execute("SET autocommit=0").ok()) return fail(AttemptPhase::kConnect, c.last_error());
  auto node = ReadNodeIdentity(c);
  if (!node.ok()) {
    DbError error = c.last_error();
    if (error.message.empty()) error.message = node.status().message();
    return fail(AttemptPhase::kIdentity, error);
  }
  attempt.node = *node;
  if (!c.Execute(table_.InsertSql(c, test_run_id_, index_id, wall_ms)).ok()) {
    return fail(AttemptPhase::kInsert, c.last_error());
  }
  if (!c.Execute("COMMIT").ok()) return fail(AttemptPhase::kCommit, c.last_error());
  attempt.outcome = Outcome::kSuccess;
  attempt.error.clear();
}

}  // namespace tandem::meter
