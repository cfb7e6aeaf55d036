// Shared helpers for the Catch2 tests: fixture paths, temporary files, running the CLI.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace geotarget::test {

/// A path inside the source tree, e.g. source_path("geodata/demo-ip.csv").
std::filesystem::path source_path(const std::string& relative);

/// MaxMind's test data folder beside the checkout; empty when absent. Callers SKIP loudly.
std::filesystem::path mmdb_testdata();

/// A fresh, empty directory for one test, under the build tree.
std::filesystem::path fresh_dir(const std::string& name);

/// Writes `text` to `path` and returns the path.
std::filesystem::path write_file(const std::filesystem::path& path, const std::string& text);

std::string read_file(const std::filesystem::path& path);

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// Runs the built `geotarget` executable with `args`, feeding `input` on stdin.
CommandResult run_cli(const std::vector<std::string>& args, const std::string& input = "");

/// Splits text into lines (without line ends), dropping a final empty line.
std::vector<std::string> lines_of(const std::string& text);

}  // namespace geotarget::test

/// Skip the rest of a test case with a visible message (Catch2 v2 has no SKIP()).
#define GEOTARGET_SKIP(msg)                   \
  do {                                        \
    WARN("SKIPPED: " << msg);                 \
    return;                                   \
  } while (false)
