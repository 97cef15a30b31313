// Crash points: named places in multi-step work (a failover's phases) where
// a test can make tandemd die as if killed (SIGKILL), to prove that a
// restarted tandemd finishes or safely redoes the work. Armed only by the
// environment variable TANDEM_TEST_CRASH_POINT=<name> (tests set it; nothing
// else does); unarmed, a crash point costs one comparison.
//
// Thread-safety: thread-safe.
#pragma once

namespace tandem::control {

// Kills this process with SIGKILL if TANDEM_TEST_CRASH_POINT names `name`.
void CrashPoint(const char* name);

}  // namespace tandem::control
