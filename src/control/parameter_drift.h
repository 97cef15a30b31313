// Parameter drift: how the values of an instance's parameter group differ
// from those its primary node runs with, and how each difference can be
// applied, as RDS does it: a dynamic parameter live (SET GLOBAL, at once), a
// static one only when the node restarts (the instance reports
// "pending-reboot" until then).
//
// Pure functions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "rds/parameter_group.h"

namespace tandem::control {

struct ParameterDrift {
  // name -> value to SET GLOBAL now. A dynamic parameter removed from the
  // group goes back to its default: the value derived from the instance
  // class if there is one, else the catalog's default.
  std::map<std::string, std::string> live;
  // Names whose new value takes effect at the next restart: static ones,
  // unknown ones, and dynamic ones reset to a default no value names.
  std::vector<std::string> on_restart;

  bool empty() const { return live.empty() && on_restart.empty(); }
};

// desired: the group's values; running: the values the node runs with
// (NodeRecord::parameters); catalog: the parameters' definitions
// (rds::ParameterCatalog()); class_defaults: defaults derived from the
// instance class (max_connections, innodb_buffer_pool_size).
ParameterDrift FindParameterDrift(const std::map<std::string, std::string>& desired,
                                  const std::map<std::string, std::string>& running,
                                  const std::vector<rds::ParameterDefinition>& catalog,
                                  const std::map<std::string, std::string>& class_defaults);

// running after the live part of drift is applied: what to store as the
// node's parameters once every SET GLOBAL of drift.live succeeded.
std::map<std::string, std::string> AfterLiveChanges(
    const std::map<std::string, std::string>& running,
    const std::map<std::string, std::string>& desired, const ParameterDrift& drift);

}  // namespace tandem::control
