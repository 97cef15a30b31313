#!/bin/sh
# clang-tidy with the repository's .clang-tidy over every source of src/ and
# tools/, using BUILD_DIR's compile_commands.json; any warning fails (exit 1).
#
#     tests/clang_tidy.sh BUILD_DIR
#
# In a unity tree (TANDEM_UNITY, the default) each batch is checked once: a
# batch file includes its .cc files, whose findings HeaderFilterRegex reports,
# so each header is parsed once per batch rather than once per file (about 1 min
# instead of 3 on 2 cores). The one check turned off is bugprone-suspicious-include, which
# would flag the batch's own #include of .cc files. Elsewhere each file is
# checked on its own.
set -eu
build=$(cd "$1" && pwd)
cd "$(dirname "$0")/.."

batches=$(find "$build/CMakeFiles" -path '*/Unity/unity_*_cxx.cxx' \
  \( -path '*/tandem_*' -o -path '*/tandemd.dir/*' -o -path '*/tandem-*' \) | sort)
if [ -n "$batches" ]; then
  echo "$batches" | xargs -P 2 -n 1 clang-tidy --quiet --config-file=.clang-tidy \
    --checks=-bugprone-suspicious-include -p "$build"
else
  git ls-files 'src/*.cc' 'tools/*.cc' |
    xargs -P 2 -n 4 clang-tidy --quiet --config-file=.clang-tidy -p "$build"
fi
