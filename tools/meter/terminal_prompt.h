// Prompter: questions to the person at the terminal (connection settings
// still missing, "drop and recreate?"), and a way for scripts and tests to
// have none.
//
// TerminalPrompter asks only when standard input is a terminal: the question
// goes to standard error (standard output stays the report's), a password is
// read without echo. Without a terminal it is not interactive and Ask returns
// nullopt, so the caller fails with a message saying which flag to pass.
//
// Thread-safety: one thread at a time (it owns the terminal while asking).
#pragma once

#include <optional>
#include <string>

namespace tandem::meter {

class Prompter {
 public:
  virtual ~Prompter() = default;
  virtual bool interactive() const = 0;
  // The answer (trimmed of its newline), or nullopt if there is no one to ask
  // or the input ended.
  virtual std::optional<std::string> Ask(const std::string& question, bool echo) = 0;
};

class TerminalPrompter : public Prompter {
 public:
  bool interactive() const override;
  std::optional<std::string> Ask(const std::string& question, bool echo) override;
};

// A Prompter with no one behind it.
class NoPrompter : public Prompter {
 public:
  bool interactive() const override { return false; }
  std::optional<std::string> Ask(const std::string&, bool) override { return std::nullopt; }
};

}  // namespace tandem::meter
