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

std::optional<std::int64_t> LeaseStore::lease(std::string_view key, std::int64_t want_cents, std::int64_t plan_cents) {
  const LeaseExchange e{.key = key, .want_cents = want_cents, .plan_cents = plan_cents};
  const auto answer = exchange({&e, 1}).at(0);
  return answer ? std::optional(answer->granted_cents) : std::nullopt;
}

bool LeaseStore::report(std::string_view key, std::int64_t spent_cents, std::int64_t conversions) {
  const LeaseExchange e{.key = key, .spent_cents = spent_cents, .conversions = conversions};
  return exchange({&e, 1}).at(0).has_value();
}

std::optional<AccountSpend> LeaseStore::totals(std::string_view key) {
  const LeaseExchange e{.key = key};
  const auto answer = exchange({&e, 1}).at(0);
  return answer ? std::optional(answer->totals) : std::nullopt;
}

}  // namespace geotarget
