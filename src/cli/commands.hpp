// Internal: the subcommands of the geotarget CLI. Each add_* registers one subcommand on the
// app; its callback stores the process exit status in `exit_code` (0 ok, 1 rejected input,
// 2 usage or fatal) and may throw geotarget::Error, which main() turns into one line on stderr.
#pragma once

#include <CLI/CLI.hpp>

#include "geotarget/error.hpp"

namespace geotarget::cli {

void add_ip_command(CLI::App& app, int& exit_code);
void add_mmdb_command(CLI::App& app, int& exit_code);
void add_bench_command(CLI::App& app, int& exit_code);
void add_locate_command(CLI::App& app, int& exit_code);
void add_map_command(CLI::App& app, int& exit_code);
void add_allocate_command(CLI::App& app, int& exit_code);
void add_report_command(CLI::App& app, int& exit_code);
void add_serve_command(CLI::App& app, int& exit_code);
void add_simulate_command(CLI::App& app, int& exit_code);

/// The IP database used when --db is not given: the demo database built from
/// geodata/demo-ip.csv into the build tree, or $GEOTARGET_DB when set.
std::string default_database();

/// The geodata manifest used when --geodata is not given: $GEOTARGET_GEODATA when set, else
/// geodata/default.yaml of the source tree.
std::string default_geodata();

}  // namespace geotarget::cli
