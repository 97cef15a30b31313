// Helpers for the functions tests: code zips built with the host's Python.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace tandem::functions {

// Writes a zip at zip_path holding files (name -> contents).
inline void MakeZip(const std::string& dir, const std::string& zip_path,
                    const std::map<std::string, std::string>& files) {
  std::string script = dir + "/make_zip.py";
  {
    std::ofstream py(script);
    py << "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1], 'w')\n";
    int i = 0;
    for (const auto& [name, contents] : files) {
      std::string src = dir + "/src" + std::to_string(i++);
      std::ofstream(src) << contents;
      py << "z.write('" << src << "', '" << name << "')\n";
    }
    py << "z.close()\n";
  }
  std::string cmd = "/usr/bin/python3 " + script + " " + zip_path;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

inline std::string ReadFileText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace tandem::functions
