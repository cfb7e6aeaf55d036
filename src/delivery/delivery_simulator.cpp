#include "geotarget/delivery_simulator.hpp"

#include <date/tz.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <random>

#include "daily_curve.hpp"
#include "geotarget/allocation_file.hpp"
#include "geotarget/error.hpp"
#include "geotarget/json_writer.hpp"
#include "ipv4_table.hpp"
#include "leased_ledger.hpp"

namespace geotarget {

const detail::Ipv4Table& ipv4_ranges(const IpResolver& resolver) noexcept;

namespace {

using detail::DailyCurve;
using detail::SysSeconds;
using Choices = std::array<CampaignChoice, 64>;

// One account's synthetic visitors: the IPv4 ranges that decide into its area, and its curve.
struct Source {
  std::vector<std::pair<std::uint32_t, std::uint64_t>> ranges;  // [start, end)
  std::uint64_t addresses = 0;
  double visits = 0;  // over its flight
  std::optional<DailyCurve> curve;
};

std::string iso_date(SysSeconds t) {
  const std::chrono::year_month_day ymd{std::chrono::floor<std::chrono::days>(t)};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return text;
}

void check(const SimulationOptions& o) {
  if (o.campaigns.empty() || o.allocation.empty() || o.ip_databases.empty() || o.geodata.empty())
    throw Error("simulate: campaigns, allocation, IP database and geodata are all needed", ErrorCode::invalid_option);
  if (o.replicas < 1 || o.replicas > 64) throw Error("simulate: replicas must be 1..64", ErrorCode::invalid_option);
  if (o.days < 0 || o.days > DailyCurve::kMaxDays) throw Error("simulate: days must be 0..1100", ErrorCode::invalid_option);
  if (!(o.traffic > 0 && o.traffic <= 1000)) throw Error("simulate: traffic must be in (0, 1000]", ErrorCode::invalid_option);
  if (o.step.count() <= 0 || 3600 % o.step.count() != 0)
    throw Error("simulate: the step must divide an hour", ErrorCode::invalid_option);
}

// Every IPv4 network of the database goes to the accounts its decision spends from.
void find_sources(const DecisionTable& table, const Delivery& delivery, std::vector<Source>& sources) {
  const detail::Ipv4Table& ranges = ipv4_ranges(table.resolver());
  const std::vector<Campaign>& campaigns = table.campaigns().campaigns;
  for (std::size_t i = 0; i < ranges.entries(); ++i) {
    if (ranges.value(i) == detail::Ipv4Table::none) continue;
    const Decision d = table.decide(IpAddress::v4(ranges.start(i)));
    for (std::size_t j = 0; j < d.candidates.size(); ++j) {
      const Campaign& c = campaigns[d.candidates[j]];
      CampaignChoice choice{&c, nullptr, d.places[c.level], nullptr, 0};
      if (j < d.stores.size() && d.stores[j].store != CandidateStore::none) choice.store = &c.include.radius[d.stores[j].store];
      const std::size_t a = delivery.account_of(d, choice);
      if (a == Delivery::no_account) continue;
      sources[a].ranges.emplace_back(ranges.start(i), ranges.end(i));
      sources[a].addresses += ranges.end(i) - ranges.start(i);
    }
  }
}

IpAddress random_address(const Source& s, std::mt19937_64& rng) {
  std::uint64_t k = std::uniform_int_distribution<std::uint64_t>(0, s.addresses - 1)(rng);
  for (const auto& [start, end] : s.ranges) {
    if (k < end - start) return IpAddress::v4(static_cast<std::uint32_t>(start + k));
    k -= end - start;
  }
  return IpAddress::v4(s.ranges.back().first);
}

}  // namespace

SimulationResult simulate_delivery(const SimulationOptions& o) {
  check(o);
  DecisionSources sources_of_table;
  sources_of_table.ip_databases = o.ip_databases;
  sources_of_table.geodata = o.geodata;
  sources_of_table.campaigns = o.campaigns;
  const std::shared_ptr<const DecisionTable> table = DecisionTable::load(sources_of_table);
  const AllocationFile allocation = read_allocation_file(o.allocation);
  const std::vector<BudgetAccount> accounts = budget_accounts(allocation);
  const std::vector<Campaign>& campaigns = table->campaigns().campaigns;

  auto store = std::make_shared<detail::MemoryLeaseStore>();
  std::vector<std::shared_ptr<detail::LeasedLedger>> ledgers;
  std::vector<std::shared_ptr<Delivery>> replicas;
  for (int r = 0; r < o.replicas; ++r) {
    ledgers.push_back(std::make_shared<detail::LeasedLedger>(store, accounts, o.ledger));
    replicas.push_back(Delivery::compile(*table, allocation, ledgers.back(), o.delivery));
  }

  // The window and each account's traffic.
  std::vector<Source> sources(accounts.size());
  find_sources(*table, *replicas[0], sources);
  std::optional<SysSeconds> first, last;
  std::vector<std::int64_t> cost(accounts.size(), 1);
  double scale = 0;  // visits per unit of audience
  for (std::size_t a = 0; a < accounts.size(); ++a) {
    const auto c = std::find_if(campaigns.begin(), campaigns.end(), [&](const Campaign& x) { return x.id == accounts[a].campaign_id; });
    if (c == campaigns.end() || sources[a].ranges.empty()) continue;
    const auto start = detail::utc_midnight(c->start), end = detail::utc_midnight(c->end);
    if (!start || !end) throw Error("simulate: campaign " + c->id + " needs start and end dates", ErrorCode::invalid_input);
    first = first ? std::min(*first, *start) : *start;
    last = last ? std::max(*last, *end + std::chrono::days{1}) : *end + std::chrono::days{1};
    sources[a].curve.emplace(date::locate_zone(std::string(replicas[0]->time_zone(a))), *start, *end + std::chrono::days{1},
                             o.delivery.daily_profile);
    cost[a] = c->cost_per_decision_or_default();
    const auto area = std::find_if(allocation.campaigns.begin(), allocation.campaigns.end(),
                                   [&](const CampaignAllocation& x) { return x.campaign_id == c->id; });
    std::int64_t audience = 1;
    for (const AreaAllocation& x : area->areas)
      if (x.area_id == accounts[a].area_id) audience = std::max<std::int64_t>(x.audience, 1);
    sources[a].visits = static_cast<double>(audience);
    scale = std::max(scale, o.traffic * static_cast<double>(accounts[a].planned_cents) / (static_cast<double>(cost[a]) * static_cast<double>(audience)));
  }
  if (!first) throw Error("simulate: no budget account is reached by a network of the IP database", ErrorCode::invalid_input);
  if (o.days > 0) last = *first + std::chrono::days{o.days};
  double total_visits = 0;
  for (Source& s : sources) total_visits += s.visits *= scale;
  if (total_visits > static_cast<double>(o.max_decisions))
    throw Error("simulate: about " + std::to_string(static_cast<std::uint64_t>(total_visits)) +
                    " decisions, above the limit; lower the traffic", ErrorCode::limit_exceeded);

  SimulationResult result;
  result.replicas = o.replicas;
  result.start = iso_date(*first);
  result.end = iso_date(*last);
  std::vector<std::int64_t> demand(accounts.size(), 0);
  std::mt19937_64 rng(o.seed);
  std::uint64_t draw_state = o.seed;
  const std::vector<std::string> keys = detail::lease_keys(accounts);
  std::vector<double> pace_error(accounts.size(), 0);
  const auto steady_origin = std::chrono::steady_clock::time_point{} + std::chrono::hours{1};
  Choices chosen;
  for (SysSeconds t = *first; t < *last; t += o.step) {
    const std::int64_t day = std::chrono::floor<std::chrono::days>(t).time_since_epoch().count();
    for (std::size_t a = 0; a < accounts.size(); ++a) {
      Source& s = sources[a];
      if (!s.curve || t < s.curve->start() || t >= s.curve->end()) continue;
      const double expected = s.visits * (s.curve->share_until(t + o.step) - s.curve->share_until(t));
      const long visits = std::poisson_distribution<long>(std::max(expected, 1e-12))(rng);
      for (long v = 0; v < visits; ++v) {
        const Decision d = table->decide(random_address(s, rng));
        std::size_t n = table->choose(d, day, nullptr, chosen);
        Delivery& replica = *replicas[std::uniform_int_distribution<int>(0, o.replicas - 1)(rng)];
        for (std::size_t i = 0; i < n; ++i)
          if (const std::size_t b = replica.account_of(d, chosen[i]); b != Delivery::no_account && chosen[i].offer) demand[b] += cost[b];
        n = replica.spend(d, std::span(chosen).first(n), draw_state);
        ++result.decisions;
      }
    }
    const auto now = steady_origin + (t + o.step - *first);
    for (int r = 0; r < o.replicas; ++r) {
      ledgers[r]->tick(now);
      if ((t + o.step - *first) % o.delivery.pacing_interval == std::chrono::seconds{0})
        replicas[r]->update(std::chrono::system_clock::time_point{t + o.step});
    }
    if ((t + o.step - *first) % std::chrono::hours{1} == std::chrono::seconds{0})
      for (std::size_t a = 0; a < accounts.size(); ++a) {
        const AccountFigures f = replicas[0]->figures(a, std::chrono::system_clock::time_point{t + o.step});
        const double gap = std::abs(static_cast<double>(store->totals(keys[a])->spent_cents - f.target_cents));
        pace_error[a] = std::max(pace_error[a], gap / static_cast<double>(std::max<std::int64_t>(f.planned_cents, 1)));
      }
  }
  const auto end_tick = steady_origin + (*last - *first) + o.ledger.flush_interval;
  for (auto& l : ledgers) l->tick(end_tick);  // every replica reports its last spend

  for (std::size_t a = 0; a < accounts.size(); ++a) {
    if (result.campaigns.empty() || result.campaigns.back().id != accounts[a].campaign_id)
      result.campaigns.emplace_back().id = accounts[a].campaign_id;
    SimulatedCampaign& c = result.campaigns.back();
    SimulatedArea area{accounts[a].area_id, std::string(replicas[0]->time_zone(a)), accounts[a].planned_cents,
                       store->totals(keys[a])->spent_cents, demand[a], false, pace_error[a]};
    area.enough_traffic = sources[a].curve && demand[a] * 4 >= area.planned_cents * 5 && area.planned_cents >= 200 * cost[a];
    c.planned_cents += area.planned_cents;
    c.spent_cents += area.spent_cents;
    c.max_overspend_cents += std::max<std::int64_t>(0, area.spent_cents - area.planned_cents);
    for (const auto& l : ledgers) c.bound_cents += l->overspend_bound_cents(a);
    c.areas.push_back(std::move(area));
  }
  return result;
}

void write_simulation_json(const SimulationResult& r, std::string& out) {
  JsonWriter w(out);
  w.begin_object().key("replicas").integer(r.replicas).key("start").string(r.start).key("end").string(r.end);
  w.key("decisions").integer(static_cast<std::int64_t>(r.decisions)).key("campaigns").begin_array();
  for (const SimulatedCampaign& c : r.campaigns) {
    w.begin_object().key("id").string(c.id).key("planned_cents").integer(c.planned_cents);
    w.key("spent_cents").integer(c.spent_cents).key("max_overspend_cents").integer(c.max_overspend_cents);
    w.key("bound_cents").integer(c.bound_cents).key("areas").begin_array();
    for (const SimulatedArea& a : c.areas) {
      w.begin_object().key("area_id").string(a.area_id).key("time_zone").string(a.time_zone);
      w.key("planned_cents").integer(a.planned_cents).key("spent_cents").integer(a.spent_cents);
      w.key("demand_cents").integer(a.demand_cents).key("enough_traffic").boolean(a.enough_traffic);
      w.key("max_pace_error").number(a.max_pace_error).end_object();
    }
    w.end_array().end_object();
  }
  w.end_array().end_object();
}

}  // namespace geotarget
