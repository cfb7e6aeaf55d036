#include <filesystem>

#include "geotarget/budget_ledger.hpp"

namespace geotarget {

std::vector<BudgetAccount> budget_accounts(const AllocationFile& allocation) {
  std::vector<BudgetAccount> accounts;
  for (const CampaignAllocation& c : allocation.campaigns)
    for (const AreaAllocation& a : c.areas)
      if (a.binding != Binding::merged && a.binding != Binding::excluded && a.budget_cents > 0)
        accounts.push_back({c.campaign_id, a.area_id, a.budget_cents});
  return accounts;
}

std::string default_ledger_path(const std::string& allocation_json) {
  std::filesystem::path p(allocation_json);
  if (p.extension() == ".json") return p.replace_extension(".ledger").string();
  return allocation_json + ".ledger";
}

}  // namespace geotarget
