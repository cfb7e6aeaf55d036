#include "geotarget/delivery.hpp"

#include <date/tz.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <map>
#include <optional>

#include "daily_curve.hpp"
#include "geotarget/error.hpp"

namespace geotarget {

using Clock = std::chrono::system_clock;
using detail::DailyCurve;
using detail::SysSeconds;

namespace {

constexpr std::uint32_t kAlways = 0xffffffffu;
constexpr std::uint32_t kNone = 0xffffffffu;
constexpr std::chrono::duration<double> kDemandHalfLife = std::chrono::minutes{30};

// splitmix64: one step of the caller's generator.
std::uint64_t next_random(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

std::uint32_t threshold_of(double p) noexcept {
  if (!(p < 1)) return kAlways;
  if (!(p > 0)) return 0;
  return static_cast<std::uint32_t>(p * 4294967296.0);
}

double probability_of(std::uint32_t threshold) noexcept {
  return threshold == kAlways ? 1 : threshold / 4294967296.0;
}

// Where a campaign's decisions spend from.
struct CampaignRoute {
  bool budgeted = false;
  std::int64_t cost_cents = 0;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> places;  // (place index, account), by place
  std::vector<std::uint32_t> stores;                            // account per include.radius entry, or kNone
};

// The pacing controller's state for one account (update() only).
struct Controller {
  bool started = false;
  // The demand (cents per unit of curve weight at pass probability 1) is spent / exposure, both
  // sums over past intervals fading with a half-life: a ratio of sums, so that one spend at a
  // tiny probability moves it little, and an interval at probability 0 teaches nothing.
  double spent = 0, exposure = 0;
  double p = 1;
  std::int64_t last_spent = 0;
  SysSeconds last_time{};
};

struct AccountPacing {
  Pacing mode = Pacing::asap;
  std::uint32_t curve = kNone;  // into Impl::curves; kNone: not paced
  std::string zone = "UTC";
};

}  // namespace

struct Delivery::Impl {
  const DecisionTable* table = nullptr;
  std::shared_ptr<BudgetLedger> ledger;
  DeliveryOptions options;
  std::vector<BudgetAccount> accounts;
  std::vector<CampaignRoute> routes;                                   // per campaign number
  std::vector<std::pair<std::string_view, std::uint16_t>> offers;      // (offer id, campaign), by id
  std::vector<DailyCurve> curves;
  std::vector<AccountPacing> pacing;
  std::vector<Controller> controllers;
  std::unique_ptr<std::atomic<std::uint32_t>[]> pass;                 // per account

  [[nodiscard]] std::size_t account_for(const Decision& d, std::size_t campaign, const CampaignChoice* choice) const noexcept;
  [[nodiscard]] double share(std::size_t account, SysSeconds t) const;
  void steer(std::size_t account, SysSeconds now);
};

namespace {

// The IANA zone of every place: its own, else that of the most populous town inside it (the
// place data gives zones to towns only), else its parent's; "" when none is known.
std::vector<std::string_view> zones_of_places(std::span<const Place> places) {
  std::vector<std::uint32_t> best(places.size(), kNone);
  for (std::uint32_t i = 0; i < places.size(); ++i) {
    if (places[i].time_zone.empty()) continue;
    for (std::uint32_t a = i; a != Place::none; a = places[a].parent)
      if (best[a] == kNone || places[best[a]].population < places[i].population) best[a] = i;
  }
  std::vector<std::string_view> zones(places.size());
  for (std::uint32_t i = 0; i < places.size(); ++i) {
    for (std::uint32_t a = i; a != Place::none && zones[i].empty(); a = places[a].parent)
      if (best[a] != kNone) zones[i] = places[best[a]].time_zone;
  }
  return zones;
}

// The zone of an area: its place's, or for a store the deepest place holding the store's point.
std::string_view area_zone(const Campaign& c, const std::string& area_id, const PlaceIndex& index,
                           const std::vector<std::string_view>& zones) {
  const auto zone_of = [&](const Place* p) { return zones[static_cast<std::size_t>(p - index.places().data())]; };
  if (c.level != PlaceLevel::store) {
    const Place* p = index.find(area_id);
    return p ? zone_of(p) : std::string_view{};
  }
  std::string_view zone;
  PlaceChain chain;
  for (const RadiusArea& r : c.include.radius)
    if (r.id == area_id && index.locate(r.centre, chain) == LocateStatus::ok)
      for (const Place* p : chain.at)
        if (p && !zone_of(p).empty()) zone = zone_of(p);
  return zone;
}

const date::time_zone* find_zone(std::string_view name) {
  try {
    return date::locate_zone(std::string(name.empty() ? "UTC" : name));
  } catch (const std::exception&) {
    return date::locate_zone("UTC");  // a zone the system's tzdata lacks paces in UTC
  }
}

}  // namespace

std::size_t Delivery::Impl::account_for(const Decision& d, std::size_t campaign, const CampaignChoice* choice) const noexcept {
  const CampaignRoute& route = routes[campaign];
  const Campaign& c = table->campaigns().campaigns[campaign];
  if (c.level == PlaceLevel::store) {
    const RadiusArea* store = choice ? choice->store : nullptr;
    if (!store) {
      for (std::size_t j = 0; j < d.candidates.size() && j < d.stores.size(); ++j)
        if (d.candidates[j] == campaign && d.stores[j].store != CandidateStore::none) store = &c.include.radius[d.stores[j].store];
    }
    if (!store) return no_account;
    const std::uint32_t a = route.stores[static_cast<std::size_t>(store - c.include.radius.data())];
    return a == kNone ? no_account : a;
  }
  const Place* area = choice ? choice->area : d.places[c.level];
  if (!area) return no_account;
  const auto key = static_cast<std::uint32_t>(area - table->places().places().data());
  const auto it = std::lower_bound(route.places.begin(), route.places.end(), std::pair{key, 0u});
  return it != route.places.end() && it->first == key ? it->second : no_account;
}

namespace {

// The account of every area of one campaign's allocation: its own, or for a merged area the
// account of the area it was merged into (followed through a chain of merges).
void route_campaign(const CampaignAllocation& ca, const Campaign& c, const PlaceIndex& places,
                    const std::map<std::pair<std::string, std::string>, std::uint32_t>& account_of, CampaignRoute& route) {
  std::map<std::string, const AreaAllocation*> by_id;
  for (const AreaAllocation& a : ca.areas) by_id[a.area_id] = &a;
  route.stores.assign(c.include.radius.size(), kNone);
  for (const AreaAllocation& area : ca.areas) {
    const AreaAllocation* holder = &area;
    for (int hops = 0; holder && holder->binding == Binding::merged && hops < 8; ++hops) {
      const auto up = by_id.find(holder->merged_into);
      holder = up == by_id.end() ? nullptr : up->second;
    }
    if (!holder) continue;
    const auto account = account_of.find({ca.campaign_id, holder->area_id});
    if (account == account_of.end()) continue;  // excluded, or no budget
    if (c.level == PlaceLevel::store) {
      for (std::size_t i = 0; i < c.include.radius.size(); ++i)
        if (c.include.radius[i].id == area.area_id) route.stores[i] = account->second;
    } else if (const Place* p = places.find(area.area_id)) {
      route.places.emplace_back(static_cast<std::uint32_t>(p - places.places().data()), account->second);
    }
  }
  std::sort(route.places.begin(), route.places.end());
}

}  // namespace

std::shared_ptr<Delivery> Delivery::compile(const DecisionTable& table, const AllocationFile& allocation,
                                            std::shared_ptr<BudgetLedger> ledger, const DeliveryOptions& options,
                                            const Delivery* previous) {
  auto impl = std::make_unique<Impl>();
  impl->table = &table;
  impl->ledger = std::move(ledger);
  impl->options = options;
  impl->accounts = budget_accounts(allocation);
  const CampaignSet& set = table.campaigns();
  if (!set.campaigns.empty() && allocation.currency != set.currency)
    throw Error("allocation: currency " + allocation.currency + " differs from the campaigns file's " + set.currency,
                ErrorCode::invalid_input);
  std::map<std::pair<std::string, std::string>, std::uint32_t> account_of;
  for (std::uint32_t i = 0; i < impl->accounts.size(); ++i)
    account_of[{impl->accounts[i].campaign_id, impl->accounts[i].area_id}] = i;
  std::map<std::string_view, std::size_t> number_of;
  for (std::size_t i = 0; i < set.campaigns.size(); ++i) number_of[set.campaigns[i].id] = i;

  impl->routes.resize(set.campaigns.size());
  for (const CampaignAllocation& ca : allocation.campaigns) {
    const auto n = number_of.find(ca.campaign_id);
    if (n == number_of.end()) continue;  // not in the campaigns file: nothing to spend
    const Campaign& c = set.campaigns[n->second];
    if (c.level != ca.level)
      throw Error("allocation: campaign " + c.id + " is allocated by " + std::string(describe(ca.level)) +
                      " but the campaigns file says " + std::string(describe(c.level)),
                  ErrorCode::invalid_input);
    CampaignRoute& route = impl->routes[n->second];
    route.budgeted = true;
    route.cost_cents = c.cost_per_decision_or_default();
    route_campaign(ca, c, table.places(), account_of, route);
  }
  for (std::size_t i = 0; i < set.campaigns.size(); ++i)
    for (const Offer& o : set.campaigns[i].offers) impl->offers.emplace_back(o.id, static_cast<std::uint16_t>(i));
  std::sort(impl->offers.begin(), impl->offers.end());

  // Pacing: one curve per (zone, flight).
  const std::vector<std::string_view> zones = zones_of_places(table.places().places());
  std::map<std::tuple<std::string, SysSeconds, SysSeconds>, std::uint32_t> curve_of;
  impl->pacing.resize(impl->accounts.size());
  for (std::size_t a = 0; a < impl->accounts.size(); ++a) {
    const auto n = number_of.find(impl->accounts[a].campaign_id);
    if (n == number_of.end()) continue;
    const Campaign& c = set.campaigns[n->second];
    AccountPacing& pacing = impl->pacing[a];
    pacing.mode = c.pacing;
    const date::time_zone* tz = find_zone(area_zone(c, impl->accounts[a].area_id, table.places(), zones));
    pacing.zone = tz->name();
    const std::optional<SysSeconds> start = detail::utc_midnight(c.start), last = detail::utc_midnight(c.end);
    if (c.pacing == Pacing::asap || !start || !last || *last - *start >= std::chrono::days{DailyCurve::kMaxDays}) continue;
    const auto key = std::tuple{pacing.zone, *start, *last + std::chrono::days{1}};
    auto [it, added] = curve_of.emplace(key, static_cast<std::uint32_t>(impl->curves.size()));
    if (added) impl->curves.emplace_back(tz, *start, *last + std::chrono::days{1}, options.daily_profile);
    pacing.curve = it->second;
  }

  impl->controllers.resize(impl->accounts.size());
  impl->pass = std::make_unique<std::atomic<std::uint32_t>[]>(impl->accounts.size());
  for (std::size_t a = 0; a < impl->accounts.size(); ++a) impl->pass[a].store(kAlways);
  if (previous) {
    const Impl& was = *previous->impl_;
    for (std::size_t i = 0; i < was.accounts.size(); ++i) {
      const auto now = account_of.find({was.accounts[i].campaign_id, was.accounts[i].area_id});
      if (now == account_of.end() || was.accounts[i].planned_cents != impl->accounts[now->second].planned_cents) continue;
      impl->controllers[now->second] = was.controllers[i];
      impl->pass[now->second].store(was.pass[i].load());
    }
  }
  return std::shared_ptr<Delivery>(new Delivery(std::move(impl)));
}

Delivery::Delivery(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Delivery::~Delivery() = default;

std::size_t Delivery::spend(const Decision& decision, std::span<CampaignChoice> chosen, std::uint64_t& random) noexcept {
  const Impl& m = *impl_;
  const Campaign* first = m.table->campaigns().campaigns.data();
  std::size_t kept = 0;
  for (const CampaignChoice& choice : chosen) {
    const auto campaign = static_cast<std::size_t>(choice.campaign - first);
    const CampaignRoute& route = m.routes[campaign];
    if (choice.offer && route.budgeted) {
      const std::size_t a = m.account_for(decision, campaign, &choice);
      if (a == no_account) continue;
      const std::uint32_t threshold = m.pass[a].load(std::memory_order_relaxed);
      if (threshold != kAlways && (next_random(random) >> 32) >= threshold) continue;
      if (!m.ledger->try_spend(a, route.cost_cents)) continue;
    }
    chosen[kept++] = choice;
  }
  return kept;
}

bool Delivery::record_conversion(const Decision& decision, std::string_view offer_id) noexcept {
  const Impl& m = *impl_;
  auto it = std::lower_bound(m.offers.begin(), m.offers.end(), std::pair<std::string_view, std::uint16_t>{offer_id, 0});
  for (; it != m.offers.end() && it->first == offer_id; ++it) {
    if (!m.routes[it->second].budgeted) continue;
    const std::size_t a = m.account_for(decision, it->second, nullptr);
    if (a == no_account) continue;
    m.ledger->record_conversion(a);
    return true;
  }
  return false;
}

std::size_t Delivery::account_of(const Decision& decision, const CampaignChoice& choice) const noexcept {
  const auto campaign = static_cast<std::size_t>(choice.campaign - impl_->table->campaigns().campaigns.data());
  return impl_->routes[campaign].budgeted ? impl_->account_for(decision, campaign, &choice) : no_account;
}

// The share of the plan the campaign's curve asks to be spent by t.
double Delivery::Impl::share(std::size_t account, SysSeconds t) const {
  const AccountPacing& p = pacing[account];
  if (p.curve == kNone) return 1;
  const double even = curves[p.curve].share_until(t);
  return p.mode == Pacing::frontloaded ? std::min(1.0, 1.25 * even) : even;
}

// One step of the controller (docs/architecture.md D36): the demand is learnt from the spend of
// past intervals at the pass probabilities they had (cents per unit of curve weight); the spend
// wanted in the next interval is what is left of the plan spread over what is left of the
// curve, at most (1 + max_catch_up) times the curve's own share; the probability is the one
// that makes the learnt demand spend that.
void Delivery::Impl::steer(std::size_t account, SysSeconds now) {
  Controller& c = controllers[account];
  const DailyCurve& curve = curves[pacing[account].curve];
  const std::int64_t plan = accounts[account].planned_cents, spent = ledger->spend(account).spent_cents;
  if (c.started && now > c.last_time) {
    const double fade = std::exp2(-std::chrono::duration<double>(now - c.last_time) / kDemandHalfLife);
    c.spent = fade * c.spent + static_cast<double>(spent - c.last_spent);
    c.exposure = fade * c.exposure + c.p * (curve.weight_until(now) - curve.weight_until(c.last_time));
  }
  c.started = true;
  c.last_spent = spent;
  c.last_time = now;
  const SysSeconds next = now + options.pacing_interval;
  const double done = share(account, now), ahead = share(account, next) - done;
  const double left = static_cast<double>(plan - spent);
  double want = done < 1 ? left * ahead / (1 - done) : left;
  want = std::clamp(want, 0.0, (1 + options.max_catch_up) * ahead * static_cast<double>(plan));
  if (done >= 1) want = left;  // past the curve's end (frontloaded): spend what is left
  const double weight_next = curve.weight_until(next) - curve.weight_until(now);
  const double demand = c.exposure > 0 ? c.spent / c.exposure : -1;  // -1: nothing learnt yet
  double p = want > 0 ? 1 : 0;
  if (demand > 0 && weight_next > 0) p = want / (demand * weight_next);
  c.p = std::clamp(std::min(p, 2 * c.p + 0.01), 0.0, 1.0);  // at most doubles per interval
  pass[account].store(threshold_of(c.p), std::memory_order_relaxed);
}

void Delivery::update(Clock::time_point now) {
  const SysSeconds t = std::chrono::floor<std::chrono::seconds>(now);
  for (std::size_t a = 0; a < impl_->accounts.size(); ++a)
    if (impl_->pacing[a].curve != kNone) impl_->steer(a, t);
}

std::span<const BudgetAccount> Delivery::accounts() const noexcept { return impl_->accounts; }

AccountFigures Delivery::figures(std::size_t account, Clock::time_point now) const noexcept {
  const Impl& m = *impl_;
  AccountFigures f;
  const AccountSpend s = m.ledger->spend(account);
  f.planned_cents = m.accounts[account].planned_cents;
  f.spent_cents = s.spent_cents;
  f.conversions = s.conversions;
  const double share = m.share(account, std::chrono::floor<std::chrono::seconds>(now));  // table lookups only
  f.target_cents = std::llround(share * static_cast<double>(f.planned_cents));
  f.pace = f.target_cents > 0 ? static_cast<double>(f.spent_cents) / static_cast<double>(f.target_cents) : 0;
  f.pass_probability = probability_of(m.pass[account].load(std::memory_order_relaxed));
  return f;
}

std::string_view Delivery::time_zone(std::size_t account) const noexcept { return impl_->pacing[account].zone; }

const std::shared_ptr<BudgetLedger>& Delivery::ledger() const noexcept { return impl_->ledger; }

}  // namespace geotarget
