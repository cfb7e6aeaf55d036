#include "geotarget/allocator.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <numeric>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "geotarget/error.hpp"

namespace geotarget {

std::string_view describe(Binding b) noexcept {
  switch (b) {
    case Binding::none: return "none";
    case Binding::min: return "min";
    case Binding::max: return "max";
    case Binding::merged: return "merged";
    case Binding::excluded: return "excluded";
  }
  return "none";
}

bool parse_binding(std::string_view text, Binding& out) noexcept {
  for (Binding b : {Binding::none, Binding::min, Binding::max, Binding::merged, Binding::excluded}) {
    if (describe(b) == text) {
      out = b;
      return true;
    }
  }
  return false;
}

std::string_view describe(UnspentReason r) noexcept {
  switch (r) {
    case UnspentReason::none: return "none";
    case UnspentReason::saturated: return "saturated";
    case UnspentReason::max_per_area: return "max_per_area";
  }
  return "none";
}

bool parse_unspent_reason(std::string_view text, UnspentReason& out) noexcept {
  for (UnspentReason r : {UnspentReason::none, UnspentReason::saturated, UnspentReason::max_per_area}) {
    if (describe(r) == text) {
      out = r;
      return true;
    }
  }
  return false;
}

ResponseCurve ResponseCurve::of(const ResponseSpec& spec, std::int64_t audience) {
  const auto n = static_cast<double>(audience);
  return ResponseCurve{n * spec.conversion_rate * spec.value_per_conversion, n * spec.cost_per_reach, spec.model};
}

double ResponseCurve::value(double x) const noexcept {
  if (scale <= 0) return 0;
  return model == ResponseModel::exponential ? max_value * -std::expm1(-x / scale) : max_value * x / (x + scale);
}

double ResponseCurve::marginal(double x) const noexcept {
  if (scale <= 0) return 0;
  return model == ResponseModel::exponential ? max_value / scale * std::exp(-x / scale)
                                             : max_value * scale / ((x + scale) * (x + scale));
}

double ResponseCurve::spend_at(double lambda) const noexcept {
  if (scale <= 0) return 0;
  if (lambda <= 0) return std::numeric_limits<double>::infinity();
  if (model == ResponseModel::exponential) return std::max(0.0, scale * std::log(max_value / (scale * lambda)));
  return std::max(0.0, std::sqrt(max_value * scale / lambda) - scale);
}

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::string money(std::int64_t cents) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%02lld", static_cast<long long>(cents / 100), static_cast<long long>(cents % 100));
  return buf;
}

// Spend per area (in currency units) for a budget, between bounds, and the lambda found;
// `at_floor` when lambda is the efficiency floor and the rest of the budget stays unspent.
struct Solution {
  std::vector<double> spend;
  double lambda = 0;
  bool at_floor = false;
};

// Bisection on a decreasing total: the t in [lo, hi] where total(t) == target.
template <class Total>
double bisect(Total total, double lo, double hi, double target, const AllocatorOptions& o) {
  for (int step = 0; step < o.max_steps && hi - lo > o.relative_tolerance * std::max(1e-300, hi); ++step) {
    const double mid = lo + (hi - lo) / 2;
    (total(mid) > target ? lo : hi) = mid;
  }
  return lo + (hi - lo) / 2;
}

// Bisection on log(lambda), with each area's spend in closed form: exponential
// x = s (ln(A/s) - ln lambda), hyperbolic x = sqrt(A s) lambda^(-1/2) - s, then clamped. The
// per-area constants are computed once, so a step costs a few arithmetic operations per area.
// With a floor, lambda never goes below it (KKT with sum x <= budget: lambda = floor + mu,
// mu >= 0): when the spends at the floor fit the budget, they are the answer.
Solution solve_optimal(const std::vector<ResponseCurve>& curves, double min, double max, double budget,
                       double floor, const AllocatorOptions& o) {
  const std::size_t n = curves.size();
  std::vector<double> k(n), s(n);
  for (std::size_t i = 0; i < n; ++i) {
    s[i] = curves[i].scale;
    k[i] = curves[i].model == ResponseModel::exponential ? std::log(curves[i].max_value / s[i])
                                                         : std::sqrt(curves[i].max_value * s[i]);
  }
  auto spend = [&](std::size_t i, double log_lambda) {
    const double x = curves[i].model == ResponseModel::exponential ? s[i] * (k[i] - log_lambda)
                                                                    : k[i] * std::exp(-0.5 * log_lambda) - s[i];
    return std::clamp(std::max(x, 0.0), min, max);
  };
  auto total = [&](double log_lambda) {
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i) sum += spend(i, log_lambda);
    return sum;
  };
  auto at = [&](double log_lambda, bool at_floor) {
    Solution out{{}, std::exp(log_lambda), at_floor};
    for (std::size_t i = 0; i < n; ++i) out.spend.push_back(spend(i, log_lambda));
    return out;
  };
  if (floor > 0 && total(std::log(floor)) <= budget) return at(std::log(floor), true);
  if (max * static_cast<double>(n) <= budget) return Solution{std::vector<double>(n, max), 0};
  double hi = -1e300;  // everyone at the minimum
  for (const auto& c : curves) hi = std::max(hi, std::log(c.marginal(min)));
  hi += 1;
  double lo = hi - 1;
  while (total(lo) < budget && lo > -1e6) lo -= 2 * (hi - lo);
  for (int step = 0; step < o.max_steps && hi - lo > o.relative_tolerance; ++step) {
    const double mid = lo + (hi - lo) / 2;
    (total(mid) > budget ? lo : hi) = mid;
  }
  return at(lo + (hi - lo) / 2, false);
}

Solution solve_proportional(const std::vector<double>& weights, double min, double max, double budget,
                            const AllocatorOptions& o) {
  auto total = [&](double t) {  // increasing in t: bisect on -t
    double sum = 0;
    for (double w : weights) sum += std::clamp(t * w, min, max);
    return sum;
  };
  double hi = 1;
  while (total(hi) < budget && hi < 1e300) hi *= 2;
  const double t = -bisect([&](double u) { return total(-u); }, -hi, 0, budget, o);
  Solution s;
  for (double w : weights) s.spend.push_back(std::clamp(t * w, min, max));
  return s;
}

// Largest-remainder rounding of spends (currency units) to cents summing to `target` cents;
// equal remainders go to the area that comes first by id (`id_of(i)`).
template <class IdOf>
std::vector<std::int64_t> round_cents(const std::vector<double>& spend, std::int64_t target, IdOf id_of,
                                      std::int64_t max_cents) {
  std::vector<std::int64_t> cents(spend.size());
  std::vector<std::pair<double, std::size_t>> remainder;
  remainder.reserve(spend.size());
  std::int64_t sum = 0;
  for (std::size_t i = 0; i < spend.size(); ++i) {
    const double exact = spend[i] * 100;
    cents[i] = static_cast<std::int64_t>(std::floor(exact + 1e-9));
    sum += cents[i];
    remainder.emplace_back(exact - static_cast<double>(cents[i]), i);
  }
  const std::size_t needed = static_cast<std::size_t>(std::max<std::int64_t>(0, target - sum));
  auto larger = [&](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : id_of(a.second) < id_of(b.second);
  };
  // Only the first `needed` (plus those at their maximum) matter: a partial sort is enough.
  const std::size_t head = std::min(remainder.size(), needed * 2 + 16);
  std::partial_sort(remainder.begin(), remainder.begin() + static_cast<std::ptrdiff_t>(head), remainder.end(), larger);
  for (std::size_t k = 0; sum < target && !remainder.empty(); k = (k + 1) % remainder.size()) {
    std::size_t i = remainder[k].second;
    if (max_cents >= 0 && cents[i] >= max_cents) {
      if (std::all_of(cents.begin(), cents.end(), [&](std::int64_t c) { return c >= max_cents; })) break;
      continue;
    }
    ++cents[i], ++sum;
  }
  return cents;
}

// The areas of one campaign while they roll up. Input areas are referenced, not copied; the
// parents that merged areas create are owned here. `order_` keeps every area sorted by id, so
// the result does not depend on the input order and nothing is re-sorted per round.
class AreaPool {
 public:
  explicit AreaPool(const std::vector<AllocationArea>& input) {
    for (const auto& a : input)
      if (a.audience > 0) areas_.push_back(&a);
    std::sort(areas_.begin(), areas_.end(), [](auto* x, auto* y) { return x->id < y->id; });
    for (std::uint32_t i = 0; i < areas_.size(); ++i) by_id_.emplace(areas_[i]->id, i), order_.push_back(i);
    alive_.assign(areas_.size(), true);
  }

  [[nodiscard]] std::vector<std::uint32_t> live() const {
    std::vector<std::uint32_t> out;
    for (std::uint32_t i : order_)
      if (alive_[i]) out.push_back(i);
    return out;
  }
  [[nodiscard]] const AllocationArea& operator[](std::uint32_t i) const { return *areas_[i]; }
  [[nodiscard]] bool is_live(const std::string& id) const {
    auto it = by_id_.find(id);
    return it != by_id_.end() && alive_[it->second];
  }
  [[nodiscard]] std::size_t size() const { return areas_.size(); }

  // Moves the live areas that fail (a reason) up to their parents; true if any moved.
  template <class Fails>
  bool roll_up(std::vector<AreaAllocation>& gone, Fails fails) {
    std::vector<std::pair<std::uint32_t, std::string>> failing;
    for (std::uint32_t i : live())
      if (std::string why = fails(i); !why.empty()) failing.emplace_back(i, std::move(why));
    // An area that receives a failing child this round is judged again next round, with the
    // child's audience in it (its reason quoted the audience before the merge).
    std::unordered_set<std::string_view> receiving;
    for (const auto& [i, why] : failing)
      if (!areas_[i]->ancestors.empty()) receiving.insert(areas_[i]->ancestors.front().id);
    std::erase_if(failing, [&](const auto& f) { return receiving.count(areas_[f.first]->id) > 0; });
    for (auto& [i, why] : failing) {
      alive_[i] = false;
      const AllocationArea& a = *areas_[i];
      AreaAllocation g{a.id, a.name, a.level, a.audience, 0, "", 0, 0, 0, Binding::excluded, "", why, std::nullopt};
      if (!a.ancestors.empty()) {
        g.binding = Binding::merged;
        g.merged_into = a.ancestors.front().id;
        merge_into_parent(i);
      }
      gone.push_back(std::move(g));
    }
    return !failing.empty();
  }

 private:
  void merge_into_parent(std::uint32_t child) {
    const AllocationArea& c = *areas_[child];
    const AreaRef& parent = c.ancestors.front();
    auto [it, fresh] = by_id_.emplace(parent.id, static_cast<std::uint32_t>(areas_.size()));
    if (fresh) {
      AllocationArea& p = parents_.emplace_back(AllocationArea{parent.id, parent.name, parent.level, 0, 0, {}, c.offer});
      p.ancestors.assign(c.ancestors.begin() + 1, c.ancestors.end());
      areas_.push_back(&p);
      alive_.push_back(true);
      auto at = std::lower_bound(order_.begin(), order_.end(), p.id, [&](std::uint32_t i, const std::string& id) {
        return areas_[i]->id < id;
      });
      order_.insert(at, it->second);
    }
    AllocationArea& p = parents_[it->second - first_parent()];
    p.audience += c.audience;
    p.population += c.population;
    alive_[it->second] = true;
  }
  [[nodiscard]] std::uint32_t first_parent() const {
    return static_cast<std::uint32_t>(areas_.size() - parents_.size());
  }

  std::vector<const AllocationArea*> areas_;
  std::deque<AllocationArea> parents_;  // stable addresses
  std::vector<bool> alive_;
  std::vector<std::uint32_t> order_;
  std::unordered_map<std::string, std::uint32_t> by_id_;
};

}  // namespace

namespace {

// Fails when an area lies in another area of the input (one of its ancestors, or itself, is an
// area too): its customers would count twice, and rolling it up would merge it into an input
// area, which the pool references but does not own.
void check_disjoint(const Campaign& c, const std::vector<AllocationArea>& areas) {
  std::unordered_set<std::string_view> ids;
  for (const AllocationArea& a : areas) ids.insert(a.id);
  for (const AllocationArea& a : areas)
    for (const AreaRef& up : a.ancestors)
      if (ids.count(up.id))
        throw Error("campaign " + c.id + ": area " + a.id + " lies in " + up.id +
                    ", which is an area too; the areas must not overlap");
}

// Fails when the minimums cannot all be paid or the bounds contradict each other.
void check_feasible(const Campaign& c, std::size_t areas) {
  const AllocationSpec& a = c.allocation;
  if (a.max_per_area_cents >= 0 && a.max_per_area_cents < a.min_per_area_cents)
    throw Error("campaign " + c.id + ": max_per_area " + money(a.max_per_area_cents) + " is below min_per_area " +
                money(a.min_per_area_cents));
  std::int64_t needed = 0;
  const bool overflow = __builtin_mul_overflow(static_cast<std::int64_t>(areas), a.min_per_area_cents, &needed);
  if (overflow || needed > c.budget_cents)
    throw Error("campaign " + c.id + ": min_per_area: " + std::to_string(areas) + " areas x " +
                money(a.min_per_area_cents) + (overflow ? "" : " = " + money(needed)) + " exceed the budget " +
                money(c.budget_cents));
}

// The floor the optimal method keeps lambda above; 0 (none) for proportional and spend_all.
double efficiency_floor(const AllocationSpec& a) {
  return a.method == AllocationMethod::optimal && !a.spend_all ? a.target_marginal_return : 0;
}

// Why an area rolls up under the floor: its minimum, which is bought whole or not at all,
// returns less than the floor per unit spent (R(min) < floor x min).
std::string below_floor(const AllocationSpec& a, const AllocationArea& area) {
  const double floor = efficiency_floor(a), min = static_cast<double>(a.min_per_area_cents) / 100;
  if (floor <= 0 || min <= 0) return {};
  const double per_unit = ResponseCurve::of(a.response, area.audience).value(min) / min;
  if (per_unit >= floor) return {};
  char why[160];
  std::snprintf(why, sizeof why, "min_per_area %s returns %.2f per unit spent, below target_marginal_return %.2f",
                money(a.min_per_area_cents).c_str(), per_unit, floor);
  return why;
}

Solution solve(const Campaign& c, const AreaPool& pool, const std::vector<std::uint32_t>& live,
               const AllocatorOptions& o) {
  const AllocationSpec& a = c.allocation;
  const double budget = static_cast<double>(c.budget_cents) / 100, min = static_cast<double>(a.min_per_area_cents) / 100;
  const double max = a.max_per_area_cents < 0 ? kInf : static_cast<double>(a.max_per_area_cents) / 100;
  if (a.method == AllocationMethod::proportional) {
    if (max * static_cast<double>(live.size()) <= budget) return Solution{std::vector<double>(live.size(), max), 0};
    std::vector<double> w;
    for (std::uint32_t i : live)
      w.push_back(a.weight == AllocationWeight::population ? pool[i].population : static_cast<double>(pool[i].audience));
    if (std::all_of(w.begin(), w.end(), [](double x) { return x <= 0; }))
      throw Error("campaign " + c.id + ": allocation.weight: no area has a " +
                  (a.weight == AllocationWeight::population ? "population" : "audience"));
    return solve_proportional(w, min, max, budget, o);
  }
  std::vector<ResponseCurve> curves;
  for (std::uint32_t i : live) curves.push_back(ResponseCurve::of(a.response, pool[i].audience));
  return solve_optimal(curves, min, max, budget, efficiency_floor(a), o);
}

AreaAllocation describe_area(const Campaign& c, const AllocationArea& area, std::int64_t cents) {
  const AllocationSpec& a = c.allocation;
  const ResponseCurve curve = ResponseCurve::of(a.response, area.audience);
  const double x = static_cast<double>(cents) / 100;
  Binding b = Binding::none;
  if (a.max_per_area_cents >= 0 && cents >= a.max_per_area_cents) b = Binding::max;
  else if (cents <= a.min_per_area_cents && a.min_per_area_cents > 0) b = Binding::min;
  const double revenue = curve.value(x);
  return AreaAllocation{area.id, area.name, area.level, area.audience, cents, area.offer,
                        revenue, revenue / a.response.value_per_conversion, curve.marginal(x), b, "", "", std::nullopt};
}

// Cents per area: rounded down when the floor binds (every planned cent returns at least the
// floor; the remainders stay unspent), else by largest remainder to the spent total.
std::vector<std::int64_t> cents_of(const Campaign& c, const Solution& s, const AreaPool& pool,
                                   const std::vector<std::uint32_t>& live) {
  if (s.at_floor) {
    std::vector<std::int64_t> cents;
    for (double x : s.spend) cents.push_back(static_cast<std::int64_t>(std::floor(x * 100 + 1e-9)));
    return cents;
  }
  const double spent = std::accumulate(s.spend.begin(), s.spend.end(), 0.0);
  const std::int64_t target = std::min<std::int64_t>(c.budget_cents, static_cast<std::int64_t>(std::llround(spent * 100)));
  return round_cents(
      s.spend, target, [&](std::size_t k) -> const std::string& { return pool[live[k]].id; },
      c.allocation.max_per_area_cents);
}

// The campaign's settings that travel with its allocation, for the report.
CampaignAllocation header_of(const Campaign& c) {
  const AllocationSpec& spec = c.allocation;
  CampaignAllocation result;
  result.campaign_id = c.id;
  result.name = c.name;
  result.method = spec.method == AllocationMethod::optimal ? "optimal" : "proportional";
  result.level = c.level;
  result.budget_cents = result.unspent_cents = c.budget_cents;
  result.min_audience = spec.min_audience;
  result.target_marginal_return = spec.target_marginal_return;
  result.spend_all = spec.spend_all;
  result.min_per_area_cents = spec.min_per_area_cents;
  result.max_per_area_cents = spec.max_per_area_cents;
  result.response = spec.response;
  for (const Offer& o : c.offers) result.offers.push_back({o.id, o.text});
  result.target = c.include;
  return result;
}

}  // namespace

CampaignAllocation allocate_budget(const Campaign& c, const std::vector<AllocationArea>& input,
                                   const AllocatorOptions& o) {
  const AllocationSpec& spec = c.allocation;
  check_disjoint(c, input);
  AreaPool pool(input);  // sorted by id: the order of the input does not matter
  if (pool.live().empty()) throw Error("campaign " + c.id + ": target: no area has any audience");
  CampaignAllocation result = header_of(c);
  std::vector<AreaAllocation> gone;
  std::vector<std::uint32_t> live;
  Solution s;
  bool floor_rolled_up = false;
  const double fixed = static_cast<double>(spec.fixed_cost_per_area_cents) / 100;
  for (;;) {
    const auto small = [&](std::uint32_t i) {
      return pool[i].audience < spec.min_audience ? "audience " + std::to_string(pool[i].audience) +
                                                        " below min_audience " + std::to_string(spec.min_audience)
                                                  : std::string();
    };
    if (pool.roll_up(gone, small)) continue;
    if (pool.roll_up(gone, [&](std::uint32_t i) { return below_floor(spec, pool[i]); })) {
      floor_rolled_up = true;
      continue;
    }
    live = pool.live();
    if (live.empty() && floor_rolled_up) break;  // nothing returns the floor: all saturated
    if (live.empty()) throw Error("campaign " + c.id + ": min_audience: no area reaches " + std::to_string(spec.min_audience));
    check_feasible(c, live.size());
    s = solve(c, pool, live, o);
    std::vector<double> response(pool.size(), 0.0);  // by area
    for (std::size_t k = 0; k < live.size(); ++k)
      response[live[k]] = ResponseCurve::of(spec.response, pool[live[k]].audience).value(s.spend[k]);
    const auto uneconomic = [&](std::uint32_t i) {
      if (fixed <= 0 || response[i] >= fixed || live.size() == 1) return std::string();
      char why[128];
      std::snprintf(why, sizeof why, "expected response %.2f does not cover fixed_cost_per_area %.2f", response[i], fixed);
      return std::string(why);
    };
    if (!pool.roll_up(gone, uneconomic)) break;
  }
  result.lambda = live.empty() ? efficiency_floor(spec) : s.lambda;
  const std::vector<std::int64_t> cents = live.empty() ? std::vector<std::int64_t>() : cents_of(c, s, pool, live);
  result.areas.reserve(live.size() + gone.size());
  bool all_at_max = !live.empty() && spec.max_per_area_cents >= 0;
  for (std::size_t k = 0; k < live.size(); ++k) {
    result.areas.push_back(describe_area(c, pool[live[k]], cents[k]));
    result.unspent_cents -= cents[k];
    all_at_max = all_at_max && cents[k] >= spec.max_per_area_cents;
  }
  if (result.unspent_cents > 0)
    result.unspent_reason = all_at_max ? UnspentReason::max_per_area : UnspentReason::saturated;
  // A parent excluded in one round comes back when a later round merges another child into it:
  // only its last record counts, and none when it is allocated in the end.
  std::erase_if(gone, [&](const AreaAllocation& g) { return pool.is_live(g.area_id); });
  std::stable_sort(gone.begin(), gone.end(), [](const auto& x, const auto& y) { return x.area_id < y.area_id; });
  const auto same_id = [](const auto& x, const auto& y) { return x.area_id == y.area_id; };
  gone.erase(gone.begin(), std::unique(gone.rbegin(), gone.rend(), same_id).base());  // keeps the last of each id
  result.areas.insert(result.areas.end(), std::make_move_iterator(gone.begin()), std::make_move_iterator(gone.end()));
  return result;
}

std::vector<double> optimal_split(const std::vector<ResponseCurve>& curves, double min, double max, double total,
                                  const AllocatorOptions& options) {
  if (curves.empty()) return {};
  if (min * static_cast<double>(curves.size()) >= total) return std::vector<double>(curves.size(), min);
  return solve_optimal(curves, min, max, total, 0, options).spend;
}

}  // namespace geotarget
