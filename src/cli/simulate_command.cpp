// geotarget simulate: synthetic traffic through the decision path and the ledgers on a
// simulated clock; prints the delivery of every campaign and area as JSON (delivery_simulator.hpp).
#include <iostream>

#include "commands.hpp"
#include "geotarget/delivery_simulator.hpp"

namespace geotarget::cli {

void add_simulate_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<SimulationOptions>();
  auto db = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("simulate", "Replay synthetic traffic through pacing and the ledger; JSON summary");
  cmd->add_option("--campaigns", o->campaigns, "Campaigns file")->required();
  cmd->add_option("--allocation", o->allocation, "Allocation JSON (geotarget allocate)")->required();
  cmd->add_option("--db", *db, "MMDB database (default: $GEOTARGET_DB or the demo database)");
  cmd->add_option("--geodata", o->geodata, "Geodata manifest (default: geodata/default.yaml)");
  cmd->add_option("--replicas", o->replicas, "Replicas, each a leased ledger over one in-memory store (default 1)")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--days", o->days, "Days from the first campaign's start (default: to the last campaign's end)")
      ->check(CLI::Range(0, 1100));
  cmd->add_option("--traffic", o->traffic, "Unpaced demand of the least-visited area, in plans (default 2)");
  cmd->add_option("--seed", o->seed, "Random seed (default 1)");
  cmd->callback([o, db, &exit_code] {
    o->ip_databases = {db->empty() ? default_database() : *db};
    if (o->geodata.empty()) o->geodata = default_geodata();
    std::string out;
    write_simulation_json(simulate_delivery(*o), out);
    std::cout << out << '\n';
    exit_code = 0;
  });
}

}  // namespace geotarget::cli
