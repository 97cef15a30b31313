#include "meter/heartbeat_writer.h"

#include <gtest/gtest.h>

namespace tandem::meter {
namespace {

// MariaDB numbers errors the server sends below 2000, the client's own from 2000.
DbError Error(unsigned int number) {
  DbError e;
  e.number = number;
  return e;
}

DbError Timeout() {
  DbError e;
  e.timed_out = true;
  return e;
}

TEST(ClassifyFailureTest, NothingBeforeCommitCanHaveCommitted) {
  for (AttemptPhase phase :
       {AttemptPhase::kConnect, AttemptPhase::kIdentity, AttemptPhase::kInsert}) {
    EXPECT_EQ(ClassifyFailure(phase, Error(2013)), Outcome::kFailed);
    EXPECT_EQ(ClassifyFailure(phase, Timeout()), Outcome::kFailed);
    EXPECT_EQ(ClassifyFailure(phase, Error(kErrReadOnly)), Outcome::kFailed);
  }
}

TEST(ClassifyFailureTest, CommitRefusedByTheServerDidNotCommit) {
  EXPECT_EQ(ClassifyFailure(AttemptPhase::kCommit, Error(kErrReadOnly)), Outcome::kFailed);
  EXPECT_EQ(ClassifyFailure(AttemptPhase::kCommit, Error(1180)), Outcome::kFailed);
}

TEST(ClassifyFailureTest, CommitWithoutAnAnswerHasAnUnknownOutcome) {
  EXPECT_EQ(ClassifyFailure(AttemptPhase::kCommit, Error(2013)), Outcome::kUnknown);
  EXPECT_EQ(ClassifyFailure(AttemptPhase::kCommit, Error(2006)), Outcome::kUnknown);
  EXPECT_EQ(ClassifyFailure(AttemptPhase::kCommit, Timeout()), Outcome::kUnknown);
  // The server going away mid-commit may have committed first.
  EXPECT_EQ(ClassifyFailure(AttemptPhase::kCommit, Error(1053)), Outcome::kUnknown);
  EXPECT_EQ(ClassifyFailure(AttemptPhase::kCommit, Error(1927)), Outcome::kUnknown);
}

TEST(DbErrorTest, ServerAndTlsErrorsAreTold) {
  EXPECT_TRUE(Error(1290).FromServer());
  EXPECT_FALSE(Error(2013).FromServer());
  EXPECT_FALSE(Timeout().FromServer());
  EXPECT_TRUE(Error(2026).Tls());
  EXPECT_FALSE(Error(2013).Tls());
}

TEST(DbErrorTest, ACertificateRefusalIsToldFromAResetDuringTheHandshake) {
  DbError refused = Error(2026);
  refused.message =
      "MariaDB error 2026 (HY000): TLS/SSL error: self-signed certificate in "
      "certificate chain";
  EXPECT_TRUE(refused.CertificateRefused());
  refused.message =
      "MariaDB error 2026 (HY000): TLS/SSL error: Validation of SSL server "
      "certificate failed";
  EXPECT_TRUE(refused.CertificateRefused());
  DbError reset = Error(2026);
  reset.message = "MariaDB error 2026 (HY000): TLS/SSL error: Connection reset by peer (104)";
  EXPECT_FALSE(reset.CertificateRefused());
  DbError lost = Error(2013);
  lost.message = "certificate";  // not a TLS error at all
  EXPECT_FALSE(lost.CertificateRefused());
}

}  // namespace
}  // namespace tandem::meter
