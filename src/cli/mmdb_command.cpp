// geotarget mmdb build INPUT.csv -o OUT.mmdb | geotarget mmdb dump IN.mmdb [-o FILE]
#include <fstream>
#include <iostream>

#include "commands.hpp"
#include "geotarget/error.hpp"
#include "geotarget/mmdb_writer.hpp"

namespace geotarget::cli {

namespace {

void add_build(CLI::App& mmdb, int& exit_code) {
  struct Args {
    std::string input, output;
    MmdbBuildOptions options;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = mmdb.add_subcommand("build", "Write an MMDB (format 2.0) from CIDR or range rows");
  cmd->add_option("input", args->input, "CSV: network (CIDR) or start_ip,end_ip, then fields")
      ->required()->check(CLI::ExistingFile);
  cmd->add_option("-o,--output", args->output, "Output .mmdb")->required();
  cmd->add_flag("--geoip2-city", args->options.geoip2_city_layout,
                "Nest flat columns (latitude, city, ...) in the GeoIP2-City layout");
  cmd->add_option("--type", args->options.database_type, "Metadata database_type");
  cmd->add_option("--description", args->options.description, "Metadata description");
  cmd->callback([args, &exit_code] {
    MmdbBuildReport r = build_mmdb(args->input, args->output, args->options);
    for (const auto& line : r.rejected) std::cerr << line << '\n';
    std::cerr << "geotarget mmdb build: " << r.rows << " rows, " << r.networks << " networks, "
              << r.distinct_records << " distinct records, " << r.node_count << " nodes, "
              << r.record_size << "-bit records, " << r.rejected.size() << " rejected -> "
              << args->output << '\n';
    exit_code = r.rejected.empty() ? 0 : 1;
  });
}

void add_dump(CLI::App& mmdb, int& exit_code) {
  struct Args {
    std::string input, output;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = mmdb.add_subcommand("dump", "List every network of a database with its record, as CSV");
  cmd->add_option("input", args->input, "MMDB database")->required()->check(CLI::ExistingFile);
  cmd->add_option("-o,--output", args->output, "Output CSV (default: stdout)");
  cmd->callback([args, &exit_code] {
    if (args->output.empty()) {
      dump_mmdb(args->input, std::cout);
    } else {
      std::ofstream out(args->output, std::ios::binary);
      if (!out) throw Error(args->output + ": cannot write", ErrorCode::io);
      dump_mmdb(args->input, out);
    }
    exit_code = 0;
  });
}

}  // namespace

void add_mmdb_command(CLI::App& app, int& exit_code) {
  CLI::App* mmdb = app.add_subcommand("mmdb", "Build and list MMDB IP databases");
  mmdb->require_subcommand(1);
  add_build(*mmdb, exit_code);
  add_dump(*mmdb, exit_code);
}

}  // namespace geotarget::cli
