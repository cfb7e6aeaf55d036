// geotarget allocate --campaigns F --customers MAPPED.csv [--geodata M] -o OUT.json
#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "geotarget/allocation_file.hpp"

namespace geotarget::cli {

void add_allocate_command(CLI::App& app, int& exit_code) {
  struct Args {
    std::string campaigns, customers, geodata, output;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("allocate", "Split campaign budgets across areas (writes OUT.json and OUT.csv)");
  cmd->add_option("--campaigns", args->campaigns, "Campaigns file (YAML or JSON)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--customers", args->customers, "Mapped customers (output of geotarget map)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--geodata", args->geodata, "Geodata manifest (default: geodata/default.yaml)");
  cmd->add_option("-o,--output", args->output, "Output JSON; a CSV is written beside it")->required();
  cmd->callback([args, &exit_code] {
    const std::string geodata = args->geodata.empty() ? default_geodata() : args->geodata;
    auto index = PlaceIndex::load(geodata);
    const CampaignSet set = load_campaigns(args->campaigns, index.get());
    AllocationFile allocation = allocate_customers(set, args->customers, *index);
    allocation.geodata = std::filesystem::absolute(geodata).string();
    allocation.generated_by = "geotarget allocate";
    write_allocation_file(allocation, args->output);
    for (const auto& a : allocation.campaigns)
      std::cerr << "geotarget allocate: " << a.campaign_id << ": " << a.areas.size() << " areas, unspent "
                << a.unspent_cents << " cents of " << a.budget_cents
                << (a.unspent_cents > 0 ? " (" + std::string(describe(a.unspent_reason)) + ")" : "") << '\n';
    std::cerr << "geotarget allocate: wrote " << args->output << " and " << allocation_csv_path(args->output) << '\n';
    exit_code = 0;
  });
}

}  // namespace geotarget::cli
