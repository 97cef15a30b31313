// The MariaDB server version DB instances run, as RDS reports EngineVersion
// ("10.11.19"): both engines Tandem offers, mysql and mariadb, run it.
#pragma once

#include <string>
#include <string_view>

namespace tandem::rds {

// The version in `mariadbd --version` output ("mariadbd  Ver 10.11.19-MariaDB-0+deb12u1
// for debian-linux-gnu ..." -> "10.11.19"); "" if there is none.
std::string ParseEngineVersion(std::string_view version_output);

// Runs `<mariadbd> --version` (no shell) and parses it; "" if it cannot run.
// Takes a few milliseconds: call once at startup.
std::string DetectEngineVersion(const std::string& mariadbd = "/usr/sbin/mariadbd");

// "10.11.19" -> "10.11".
std::string MajorEngineVersion(const std::string& version);

}  // namespace tandem::rds
