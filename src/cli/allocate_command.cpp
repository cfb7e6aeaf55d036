// geotarget allocate --campaigns F --customers MAPPED.csv [--geodata M] -o OUT.json
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "audience.hpp"
#include "cli/commands.hpp"
#include "csv_reader.hpp"
#include "geotarget/allocator.hpp"

namespace geotarget::cli {

namespace {

using Json = nlohmann::ordered_json;

Json null_if_empty(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }

Json area_json(const AreaAllocation& a) {
  return Json{{"area_id", a.area_id},
              {"level", std::string(describe(a.level))},
              {"name", a.name},
              {"audience", a.audience},
              {"budget_cents", a.budget_cents},
              {"offer", null_if_empty(a.offer)},
              {"expected_response", a.expected_response},
              {"marginal_return", a.marginal_return},
              {"binding", std::string(describe(a.binding))},
              {"merged_into", null_if_empty(a.merged_into)},
              {"reason", null_if_empty(a.reason)}};
}

Json campaign_json(const Campaign& c, const CampaignAllocation& a, const detail::CampaignAudience& aud) {
  Json areas = Json::array();
  for (const auto& area : a.areas) areas.push_back(area_json(area));
  return Json{{"id", c.id},
              {"name", c.name},
              {"method", a.method},
              {"level", std::string(describe(c.level))},
              {"budget_cents", a.budget_cents},
              {"unspent_cents", a.unspent_cents},
              {"lambda", a.lambda},
              {"min_audience", c.allocation.min_audience},
              {"targeted_customers", aud.targeted},
              {"customers_without_area", aud.without_area},
              {"areas", areas}};
}

void write_csv(const std::string& path, const std::vector<CampaignAllocation>& all) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw Error(path + ": cannot write");
  out << "campaign_id,area_id,level,name,audience,budget_cents,offer,expected_response,marginal_return,binding,"
         "merged_into,reason\n";
  char num[64];
  for (const auto& c : all) {
    for (const auto& a : c.areas) {
      out << c.campaign_id << ',' << a.area_id << ',' << describe(a.level) << ',' << detail::csv_escape(a.name) << ','
          << a.audience << ',' << a.budget_cents << ',' << detail::csv_escape(a.offer) << ',';
      std::snprintf(num, sizeof num, "%.6f,%.9g", a.expected_response, a.marginal_return);
      out << num << ',' << describe(a.binding) << ',' << a.merged_into << ',' << detail::csv_escape(a.reason) << '\n';
    }
  }
  if (!out.flush()) throw Error(path + ": cannot write");
}

}  // namespace

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
    CampaignSet set = load_campaigns(args->campaigns, index.get());
    std::vector<detail::CampaignAudience> audience = detail::count_audience(args->customers, set, *index);
    Json out{{"currency", set.currency},
             {"geodata", std::filesystem::absolute(geodata).string()},
             {"generated_by", "geotarget allocate"},
             {"campaigns", Json::array()}};
    std::vector<CampaignAllocation> all;
    for (std::size_t i = 0; i < set.campaigns.size(); ++i) {
      all.push_back(allocate_budget(set.campaigns[i], audience[i].areas));
      out["campaigns"].push_back(campaign_json(set.campaigns[i], all.back(), audience[i]));
    }
    std::ofstream json(args->output, std::ios::binary);
    if (!json) throw Error(args->output + ": cannot write");
    json << out.dump(2) << '\n';
    if (!json.flush()) throw Error(args->output + ": cannot write");
    const std::string csv = std::filesystem::path(args->output).replace_extension(".csv").string();
    write_csv(csv, all);
    for (const auto& a : all)
      std::cerr << "geotarget allocate: " << a.campaign_id << ": " << a.areas.size() << " areas, unspent "
                << a.unspent_cents << " cents of " << a.budget_cents << '\n';
    std::cerr << "geotarget allocate: wrote " << args->output << " and " << csv << '\n';
    exit_code = 0;
  });
}

}  // namespace geotarget::cli
