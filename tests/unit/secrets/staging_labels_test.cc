// The staging-label state machine as a table: a starting version list, one
// operation, and the expected list (or error). Versions are written
// "id:label,label" oldest first; "id:" is a deprecated version. Many rows are
// sequences recorded from AWS (the test names say which).
#include "secrets/staging_labels.h"

#include <gtest/gtest.h>

#include <sstream>

namespace tandem::secrets {
namespace {

std::vector<SecretVersion> ParseVersions(const std::string& text) {
  std::vector<SecretVersion> versions;
  std::istringstream in(text);
  for (std::string item; in >> item;) {
    SecretVersion v;
    size_t colon = item.find(':');
    v.id = item.substr(0, colon);
    std::istringstream labels(item.substr(colon + 1));
    for (std::string label; std::getline(labels, label, ',');) v.labels.insert(label);
    v.created_ms = static_cast<int64_t>(versions.size()) + 1;
    v.has_value = true;
    versions.push_back(v);
  }
  return versions;
}

std::string FormatVersions(const std::vector<SecretVersion>& versions) {
  std::string out;
  for (const SecretVersion& v : versions) {
    if (!out.empty()) out += " ";
    out += v.id + ":";
    bool first = true;
    for (const std::string& label : v.labels) {
      out += (first ? "" : ",") + label;
      first = false;
    }
  }
  return out;
}

struct LabelCase {
  const char* name;
  const char* before;
  // Attach: op "attach", version, labels (comma-separated).
  // Move: op "move", label, remove_from, move_to.
  const char* op;
  const char* a;
  const char* b;
  const char* c;
  const char* after;  // the expected versions, or the expected error code
};

const LabelCase kCases[] = {
    // PutSecretValue / UpdateSecret / CreateSecret
    {"first_version_becomes_current", "v1:", "attach", "v1", "AWSCURRENT", "", "v1:AWSCURRENT"},
    {"aws_put_moves_current_and_previous", "v1:AWSCURRENT v2:", "attach", "v2", "AWSCURRENT", "",
     "v1:AWSPREVIOUS v2:AWSCURRENT"},
    {"aws_third_put_deprecates_oldest", "v1:AWSPREVIOUS v2:AWSCURRENT v3:", "attach", "v3",
     "AWSCURRENT", "", "v1: v2:AWSPREVIOUS v3:AWSCURRENT"},
    {"aws_put_pending_leaves_current", "v1:AWSCURRENT v2:", "attach", "v2", "AWSPENDING", "",
     "v1:AWSCURRENT v2:AWSPENDING"},
    {"aws_put_custom_labels_sorted", "v1:AWSCURRENT v2:", "attach", "v2",
     "SAMPLESTAGE1,SAMPLESTAGE0", "", "v1:AWSCURRENT v2:SAMPLESTAGE0,SAMPLESTAGE1"},
    {"aws_custom_labels_all_taken_deprecates", "v1:AWSCURRENT v2:one,three,two v3:", "attach", "v3",
     "one,two,three,four", "", "v1:AWSCURRENT v2: v3:four,one,three,two"},
    {"aws_custom_labels_some_taken", "v1:AWSCURRENT v2:one,three,two v3:", "attach", "v3",
     "one,two,four", "", "v1:AWSCURRENT v2:three v3:four,one,two"},
    {"aws_explicit_current_with_custom", "v1:AWSCURRENT v2:", "attach", "v2", "AWSCURRENT,PUT0", "",
     "v1:AWSPREVIOUS v2:AWSCURRENT,PUT0"},
    {"current_onto_previous_swaps", "v1:AWSPREVIOUS v2:AWSCURRENT", "attach", "v1", "AWSCURRENT",
     "", "v1:AWSCURRENT v2:AWSPREVIOUS"},
    {"explicit_previous_wins", "v1:AWSCURRENT v2:", "attach", "v2", "AWSCURRENT,AWSPREVIOUS", "",
     "v1: v2:AWSCURRENT,AWSPREVIOUS"},
    {"current_already_there_is_noop", "v1:AWSPREVIOUS v2:AWSCURRENT", "attach", "v2", "AWSCURRENT",
     "", "v1:AWSPREVIOUS v2:AWSCURRENT"},
    {"aws_put_after_pending_became_current", "v1:AWSPREVIOUS v2:AWSCURRENT,AWSPENDING v3:",
     "attach", "v3", "AWSCURRENT", "", "v1: v2:AWSPREVIOUS v3:AWSCURRENT"},
    {"put_keeps_pending_on_other_version", "v1:AWSCURRENT v2:AWSPENDING v3:", "attach", "v3",
     "AWSCURRENT", "", "v1:AWSPREVIOUS v2:AWSPENDING v3:AWSCURRENT"},
    {"current_on_empty_secret", "v1:", "attach", "v1", "AWSCURRENT,X", "", "v1:AWSCURRENT,X"},
    {"pending_fills_placeholder_position", "v1:AWSCURRENT v2:AWSPENDING v3:", "attach", "v3",
     "AWSPENDING", "", "v1:AWSCURRENT v2: v3:AWSPENDING"},
    {"attach_to_unknown_version", "v1:AWSCURRENT", "attach", "v9", "AWSCURRENT", "",
     "ResourceNotFoundException"},
    {"attach_21st_label", "v1:a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t v2:", "attach", "v1", "u", "",
     "LimitExceededException"},

    // UpdateSecretVersionStage
    {"aws_move_current_to_pending", "v1:AWSCURRENT v2:AWSPENDING", "move", "AWSCURRENT", "v1", "v2",
     "v1:AWSPREVIOUS v2:AWSCURRENT,AWSPENDING"},
    {"aws_move_current_cycle", "v1:AWSPREVIOUS v2:AWSCURRENT v3:AWSPENDING", "move", "AWSCURRENT",
     "v2", "v3", "v1: v2:AWSPREVIOUS v3:AWSCURRENT,AWSPENDING"},
    {"aws_move_current_custom_labels_stay",
     "v2:AWSPREVIOUS,PUT0 v3:AWSCURRENT,PUT1 v4:AWSPENDING,PUT2", "move", "AWSCURRENT", "v3", "v4",
     "v2:PUT0 v3:AWSPREVIOUS,PUT1 v4:AWSCURRENT,AWSPENDING,PUT2"},
    {"aws_move_current_to_custom_labelled", "v1:AWSCURRENT v2:PENDING", "move", "AWSCURRENT", "v1",
     "v2", "v1:AWSPREVIOUS v2:AWSCURRENT,PENDING"},
    {"aws_remove_custom_label", "v1:AWSPREVIOUS v2:AWSCURRENT,PENDING", "move", "PENDING", "v2", "",
     "v1:AWSPREVIOUS v2:AWSCURRENT"},
    {"move_current_onto_previous", "v1:AWSPREVIOUS v2:AWSCURRENT", "move", "AWSCURRENT", "v2", "v1",
     "v1:AWSCURRENT v2:AWSPREVIOUS"},
    {"attach_free_label", "v1:AWSCURRENT v2:", "move", "TEST", "", "v2", "v1:AWSCURRENT v2:TEST"},
    {"move_custom_label", "v1:AWSCURRENT,A v2:", "move", "A", "v1", "v2", "v1:AWSCURRENT v2:A"},
    {"remove_last_label_deprecates", "v1:AWSCURRENT v2:A", "move", "A", "v2", "",
     "v1:AWSCURRENT v2:"},
    {"move_to_holder_is_noop", "v1:AWSCURRENT v2:A", "move", "A", "v2", "v2", "v1:AWSCURRENT v2:A"},
    {"move_without_remove_from", "v1:AWSCURRENT v2:", "move", "AWSCURRENT", "", "v2",
     "InvalidParameterException"},
    {"remove_from_wrong_version", "v1:AWSCURRENT v2:A", "move", "A", "v1", "",
     "InvalidRequestException"},
    {"remove_free_label", "v1:AWSCURRENT", "move", "A", "v1", "", "InvalidRequestException"},
    {"neither_version", "v1:AWSCURRENT", "move", "AWSCURRENT", "", "", "InvalidParameterException"},
    {"remove_current_without_move", "v1:AWSCURRENT", "move", "AWSCURRENT", "v1", "",
     "InvalidParameterException"},
    {"move_to_unknown_version", "v1:AWSCURRENT", "move", "AWSCURRENT", "v1", "v9",
     "ResourceNotFoundException"},
    {"remove_from_unknown_version", "v1:AWSCURRENT", "move", "A", "v9", "",
     "ResourceNotFoundException"},
    {"move_21st_label", "v1:a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t v2:u", "move", "u", "v2", "v1",
     "LimitExceededException"},
};

void PrintTo(const LabelCase& c, std::ostream* os) { *os << c.name; }

class StagingLabelsTable : public testing::TestWithParam<LabelCase> {};

TEST_P(StagingLabelsTable, Applies) {
  const LabelCase& c = GetParam();
  std::vector<SecretVersion> versions = ParseVersions(c.before);
  std::optional<api::ApiError> error;
  if (std::string(c.op) == "attach") {
    std::set<std::string> labels;
    std::istringstream in(c.b);
    for (std::string label; std::getline(in, label, ',');) labels.insert(label);
    error = AttachLabels(versions, c.a, labels);
  } else {
    error = MoveLabel(versions, c.a, c.b, c.c);
  }
  if (error) {
    EXPECT_EQ(error->code, c.after) << error->message;
    EXPECT_EQ(FormatVersions(versions), FormatVersions(ParseVersions(c.before)))
        << "an error must change nothing";
  } else {
    EXPECT_EQ(FormatVersions(versions), c.after);
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, StagingLabelsTable, testing::ValuesIn(kCases),
                         [](const testing::TestParamInfo<LabelCase>& info) {
                           return std::string(info.param.name);
                         });

TEST(StagingLabels, MoveWithoutRemoveFromNamesTheHolder) {
  std::vector<SecretVersion> versions = ParseVersions("v1:AWSCURRENT v2:");
  auto error = MoveLabel(versions, "AWSCURRENT", "", "v2");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->message,
            "The parameter RemoveFromVersionId can't be empty. Staging label AWSCURRENT is "
            "currently attached to version v1, so you must explicitly reference that version in "
            "RemoveFromVersionId.");
}

struct PruneCase {
  const char* name;
  const char* before;
  size_t max_versions;
  const char* after;
  const char* removed;
};

const PruneCase kPruneCases[] = {
    {"oldest_deprecated_first", "v1: v2: v3:AWSPREVIOUS v4:AWSCURRENT", 3,
     "v2: v3:AWSPREVIOUS v4:AWSCURRENT", "v1"},
    {"only_as_many_as_needed", "v1: v2: v3: v4:AWSCURRENT", 2, "v3: v4:AWSCURRENT", "v1 v2"},
    {"labelled_versions_stay", "v1:A v2:B v3:AWSCURRENT", 2, "v1:A v2:B v3:AWSCURRENT", ""},
    {"skips_labelled_to_find_deprecated", "v1:A v2: v3:AWSCURRENT", 2, "v1:A v3:AWSCURRENT", "v2"},
    {"under_the_limit", "v1: v2:AWSCURRENT", 100, "v1: v2:AWSCURRENT", ""},
};

void PrintTo(const PruneCase& c, std::ostream* os) { *os << c.name; }

class PruneTable : public testing::TestWithParam<PruneCase> {};

TEST_P(PruneTable, Prunes) {
  const PruneCase& c = GetParam();
  std::vector<SecretVersion> versions = ParseVersions(c.before);
  std::vector<std::string> removed = PruneDeprecatedVersions(versions, c.max_versions);
  EXPECT_EQ(FormatVersions(versions), c.after);
  std::string joined;
  for (const std::string& id : removed) joined += (joined.empty() ? "" : " ") + id;
  EXPECT_EQ(joined, c.removed);
}

INSTANTIATE_TEST_SUITE_P(Cases, PruneTable, testing::ValuesIn(kPruneCases),
                         [](const testing::TestParamInfo<PruneCase>& info) {
                           return std::string(info.param.name);
                         });

TEST(StagingLabels, DefaultLimitIsOneHundredVersions) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "d" + std::to_string(i) + ": ";
  text += "cur:AWSCURRENT";
  std::vector<SecretVersion> versions = ParseVersions(text);
  std::vector<std::string> removed = PruneDeprecatedVersions(versions);
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0], "d0");
  EXPECT_EQ(versions.size(), kMaxVersions);
}

}  // namespace
}  // namespace tandem::secrets
