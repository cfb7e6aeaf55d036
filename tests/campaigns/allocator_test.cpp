// The allocator against independent answers: brute force, the KKT conditions, exact sums.
#include <catch2/catch.hpp>

#include <algorithm>
#include <limits>
#include <random>

#include "geotarget/allocator.hpp"
#include "geotarget/error.hpp"

using namespace geotarget;

namespace {

Campaign campaign(std::int64_t budget_cents, std::int64_t min_cents = 0, std::int64_t max_cents = -1,
                  ResponseModel model = ResponseModel::exponential) {
  Campaign c;
  c.id = "test";
  c.budget_cents = budget_cents;
  c.allocation.min_per_area_cents = min_cents;
  c.allocation.max_per_area_cents = max_cents;
  c.allocation.response = ResponseSpec{model, 0.02, 40, 0.5};
  c.allocation.spend_all = true;  // the behaviour these cases pinned before the efficiency floor
  return c;
}

AllocationArea area(const std::string& id, std::int64_t audience, std::string parent = "US-XX") {
  AllocationArea a{id, id, PlaceLevel::district, audience, 0, {}, ""};
  if (!parent.empty()) a.ancestors.push_back(AreaRef{parent, "Region", PlaceLevel::region});
  return a;
}

double total_response(const Campaign& c, const CampaignAllocation& a) {
  double sum = 0;
  for (const auto& x : a.areas)
    sum += ResponseCurve::of(c.allocation.response, x.audience).value(static_cast<double>(x.budget_cents) / 100);
  return sum;
}

std::int64_t total_cents(const CampaignAllocation& a) {
  std::int64_t sum = a.unspent_cents;
  for (const auto& x : a.areas) sum += x.budget_cents;
  return sum;
}

}  // namespace

TEST_CASE("optimal beats every split of the budget in whole dollars (brute force, 3 areas)") {
  for (auto model : {ResponseModel::exponential, ResponseModel::hyperbolic}) {
    Campaign c = campaign(30000, 0, -1, model);  // $300
    std::vector<AllocationArea> areas = {area("A", 100), area("B", 400), area("C", 900)};
    CampaignAllocation a = allocate_budget(c, areas);
    REQUIRE(total_cents(a) == 30000);
    double best = 0;
    for (int x = 0; x <= 300; ++x)
      for (int y = 0; x + y <= 300; ++y) {
        const int z = 300 - x - y;
        double r = ResponseCurve::of(c.allocation.response, 100).value(x) +
                   ResponseCurve::of(c.allocation.response, 400).value(y) +
                   ResponseCurve::of(c.allocation.response, 900).value(z);
        best = std::max(best, r);
      }
    CHECK(total_response(c, a) >= best - 1e-6);
  }
}

TEST_CASE("KKT: interior areas share lambda, areas at the minimum have less, at the maximum more") {
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> audience(1, 5000);
  std::vector<AllocationArea> areas;
  for (int i = 0; i < 60; ++i) areas.push_back(area(std::to_string(1000 + i), audience(rng)));
  Campaign c = campaign(2'000'000, 5'000, 60'000);  // $20,000, $50..$600 per area
  CampaignAllocation a = allocate_budget(c, areas);
  REQUIRE(total_cents(a) == 2'000'000);
  int interior = 0, at_min = 0, at_max = 0;
  for (const auto& x : a.areas) {
    // One cent of rounding moves the marginal return by at most this much.
    const double cent = ResponseCurve::of(c.allocation.response, x.audience).marginal(0) * 0.01 / (x.audience * 0.5);
    if (x.binding == Binding::none) {
      ++interior;
      CHECK(x.marginal_return == Approx(a.lambda).epsilon(1e-6).margin(cent + 1e-12));
    } else if (x.binding == Binding::min) {
      ++at_min;
      CHECK(x.marginal_return <= a.lambda + cent + 1e-12);
    } else if (x.binding == Binding::max) {
      ++at_max;
      CHECK(x.marginal_return >= a.lambda - cent - 1e-12);
    }
  }
  CHECK(interior > 0);
  CHECK(at_min + at_max > 0);
}

TEST_CASE("the same input in any order gives the same output") {
  std::vector<AllocationArea> areas;
  for (int i = 0; i < 40; ++i) areas.push_back(area(std::to_string(100 + i), 10 + i * 37 % 500));
  Campaign c = campaign(1'234'567, 1'000, 80'000);
  CampaignAllocation first = allocate_budget(c, areas);
  std::mt19937 rng(9);
  for (int round = 0; round < 5; ++round) {
    std::shuffle(areas.begin(), areas.end(), rng);
    CampaignAllocation again = allocate_budget(c, areas);
    REQUIRE(again.areas.size() == first.areas.size());
    for (std::size_t i = 0; i < first.areas.size(); ++i) {
      CHECK(again.areas[i].area_id == first.areas[i].area_id);
      CHECK(again.areas[i].budget_cents == first.areas[i].budget_cents);
    }
  }
}

TEST_CASE("a larger budget never gives any area less, and sums stay exact") {
  std::vector<AllocationArea> areas = {area("A", 50), area("B", 500), area("C", 5000), area("D", 20)};
  std::vector<std::int64_t> previous(4, 0);
  for (std::int64_t budget = 1000; budget <= 2'000'000; budget = budget * 3 + 7) {
    CampaignAllocation a = allocate_budget(campaign(budget), areas);
    REQUIRE(total_cents(a) == budget);
    CHECK(a.unspent_cents == 0);
    for (std::size_t i = 0; i < 4; ++i) {
      CHECK(a.areas[i].budget_cents + 1 >= previous[i]);  // one cent of rounding
      previous[i] = a.areas[i].budget_cents;
    }
  }
}

TEST_CASE("maximums that bind leave the rest unspent, reported") {
  CampaignAllocation a = allocate_budget(campaign(1'000'000, 0, 100'000), {area("A", 10), area("B", 20)});
  CHECK(a.areas[0].budget_cents == 100'000);
  CHECK(a.areas[1].budget_cents == 100'000);
  CHECK(a.unspent_cents == 800'000);
  CHECK(a.areas[0].binding == Binding::max);
}

TEST_CASE("proportional splits by audience within the bounds") {
  Campaign c = campaign(100'000, 10'000, 50'000);
  c.allocation.method = AllocationMethod::proportional;
  CampaignAllocation a = allocate_budget(c, {area("A", 100), area("B", 300), area("C", 600)});
  REQUIRE(total_cents(a) == 100'000);
  CHECK(a.areas[0].budget_cents == 12'500);  // C is capped at 500.00;
  CHECK(a.areas[1].budget_cents == 37'500);  // A:B keep 1:3 of what is left after C's 50,000
  CHECK(a.areas[2].budget_cents == 50'000);
  CHECK(a.areas[2].binding == Binding::max);
}

TEST_CASE("small audiences and uneconomic areas roll up into their parent, saying why") {
  Campaign c = campaign(100'000);
  c.allocation.min_audience = 50;
  CampaignAllocation a = allocate_budget(c, {area("A", 10, "R1"), area("B", 45, "R1"), area("C", 500, "R2")});
  REQUIRE(a.areas.size() == 4);
  CHECK(a.areas[0].area_id == "C");
  CHECK(a.areas[1].area_id == "R1");
  CHECK(a.areas[1].audience == 55);
  CHECK(a.areas[2].area_id == "A");
  CHECK(a.areas[2].binding == Binding::merged);
  CHECK(a.areas[2].merged_into == "R1");
  CHECK(a.areas[2].reason == "audience 10 below min_audience 50");
  CHECK(total_cents(a) == 100'000);

  Campaign fixed = campaign(20'000);
  fixed.allocation.fixed_cost_per_area_cents = 2'000;  // $20: a tiny area returns less
  CampaignAllocation b = allocate_budget(fixed, {area("Tiny", 5, "R1"), area("Big", 5000, "R2")});
  const auto tiny = std::find_if(b.areas.begin(), b.areas.end(), [](auto& x) { return x.area_id == "Tiny"; });
  REQUIRE(tiny != b.areas.end());
  CHECK(tiny->binding == Binding::merged);
  CHECK_THAT(tiny->reason, Catch::Contains("does not cover fixed_cost_per_area 20.00"));

  Campaign top = campaign(10'000);
  top.allocation.min_audience = 100;
  CampaignAllocation t = allocate_budget(top, {area("Alone", 5, ""), area("Fine", 500, "")});
  CHECK(t.areas.back().binding == Binding::excluded);
}

TEST_CASE("infeasible input names the field") {
  CHECK_THROWS_WITH(allocate_budget(campaign(10'000, 6'000), {area("A", 10), area("B", 10)}),
                    Catch::Contains("min_per_area") && Catch::Contains("exceed the budget 100.00"));
  CHECK_THROWS_WITH(allocate_budget(campaign(10'000, 6'000, 5'000), {area("A", 10)}),
                    Catch::Contains("max_per_area 50.00 is below min_per_area 60.00"));
  CHECK_THROWS_WITH(allocate_budget(campaign(10'000), {area("A", 0)}), Catch::Contains("no area has any audience"));
  CHECK_THROWS_WITH(allocate_budget(campaign(10'000), {}), Catch::Contains("no area has any audience"));
}

// fuzz_campaigns: a small area whose parent was also an input area rolled up into it, and the
// pool, which owns only the parents it creates, indexed its deque of those with a negative
// offset (ASan: SEGV in AreaPool::merge_into_parent). Areas that contain one another would
// count their customers twice anyway; they are an error.
TEST_CASE("areas that contain one another are an error naming both, not a merge") {
  Campaign c = campaign(100'000);
  c.allocation.min_audience = 5;
  CHECK_THROWS_WITH(allocate_budget(c, {area("US-06075", 100, "US-CA"), area("US-94103", 2, "US-06075")}),
                    Catch::Contains("area US-94103 lies in US-06075, which is an area too"));
  CHECK_THROWS_WITH(allocate_budget(c, {area("US-CA", 100, ""), area("US-06075", 100, "US-CA")}),
                    Catch::Contains("area US-06075 lies in US-CA"));
  CHECK_THROWS_WITH(allocate_budget(c, {area("Loop", 2, "Loop")}), Catch::Contains("area Loop lies in Loop"));
  CHECK_NOTHROW(allocate_budget(c, {area("US-06075", 100, "US-CA"), area("US-06001", 2, "US-CA")}));
}

// Found in review while writing fuzz_campaigns: areas x min_per_area overflowed int64 (undefined
// behaviour; it wrapped negative, so impossible minimums passed the feasibility check).
TEST_CASE("minimums whose total overflows 64 bits are infeasible, not wrapped") {
  const std::int64_t max = std::numeric_limits<std::int64_t>::max();
  CHECK_THROWS_WITH(allocate_budget(campaign(max, 4'000'000'000'000'000'000), {area("A", 10), area("B", 10), area("C", 10)}),
                    Catch::Contains("min_per_area: 3 areas x 40000000000000000.00 exceed the budget"));
}

// ------------------------------------------------------------------ the efficiency floor

namespace {

// The KKT conditions of max sum R_i(x_i) - t sum x_i, sum x_i <= budget, min <= x_i <= max,
// checked cent by cent on the output, independently of the allocator's lambda: no single cent
// moved between two areas, or between an area and the unspent budget, gains anything (beyond
// what one cent of rounding can); every cent above an area's minimum returns at least t; an
// area kept at its minimum gets R(min) >= t min.
void check_kkt_by_brute_force(const Campaign& c, const CampaignAllocation& a, double t) {
  const AllocationSpec& s = c.allocation;
  const double cent = 0.01, min = double(s.min_per_area_cents) / 100;
  std::vector<ResponseCurve> curves;
  std::vector<double> x;
  for (const auto& area : a.areas)
    if (area.binding != Binding::merged && area.binding != Binding::excluded) {
      curves.push_back(ResponseCurve::of(s.response, area.audience));
      x.push_back(double(area.budget_cents) / 100);
    }
  const bool has_max = s.max_per_area_cents >= 0;
  const double max = double(s.max_per_area_cents) / 100;
  auto gain_up = [&](std::size_t i) { return curves[i].value(x[i] + cent) - curves[i].value(x[i]); };
  auto loss_down = [&](std::size_t i) { return curves[i].value(x[i]) - curves[i].value(x[i] - cent); };
  auto can_up = [&](std::size_t i) { return !has_max || x[i] + cent <= max + 1e-9; };
  auto can_down = [&](std::size_t i) { return x[i] - cent >= min - 1e-9; };
  // One cent of rounding changes a marginal return by at most R''(0) x cent = (A/s^2) cent.
  auto slack = [&](std::size_t i) { return cent * cent * curves[i].max_value / (curves[i].scale * curves[i].scale) * 2 + 1e-9; };
  for (std::size_t i = 0; i < x.size(); ++i) {
    INFO("area " << i << " spend " << x[i] << " floor " << t);
    if (x[i] > min + 1e-9) CHECK(loss_down(i) >= t * cent * (1 - 1e-9));  // every cent above the minimum returns t
    if (x[i] > 0 && std::abs(x[i] - min) < 1e-9) CHECK(curves[i].value(min) >= t * min * (1 - 1e-9));
    if (a.unspent_cents > 0 && can_up(i)) CHECK(gain_up(i) < t * cent + slack(i));  // nothing left that returns t
    for (std::size_t j = 0; j < x.size(); ++j)
      if (i != j && can_down(i) && can_up(j)) CHECK(gain_up(j) - loss_down(i) <= slack(i) + slack(j));
  }
}

AllocationArea top_area(const std::string& id, std::int64_t audience) { return area(id, audience, ""); }

}  // namespace

TEST_CASE("property: no cent is planned below the efficiency floor, and the rest satisfies KKT (brute force)") {
  std::mt19937 rng(14);
  std::uniform_int_distribution<int> audience(1, 3000), areas_n(1, 8), coin(0, 1);
  std::uniform_real_distribution<double> unit(0, 1);
  int saturated = 0, spent = 0;
  for (int round = 0; round < 300; ++round) {
    Campaign c = campaign(std::int64_t(1'000 + unit(rng) * 3'000'000), coin(rng) ? 0 : 1'000 + coin(rng) * 4'000,
                          coin(rng) ? -1 : 20'000 + std::int64_t(unit(rng) * 400'000),
                          coin(rng) ? ResponseModel::exponential : ResponseModel::hyperbolic);
    c.allocation.spend_all = false;
    c.allocation.target_marginal_return = 0.25 + unit(rng) * 1.75;
    c.allocation.response = ResponseSpec{c.allocation.response.model, 0.005 + unit(rng) * 0.1, 10 + unit(rng) * 90,
                                         0.2 + unit(rng) * 2};
    std::vector<AllocationArea> areas;
    const int n = areas_n(rng);
    for (int i = 0; i < n; ++i) areas.push_back(top_area("A" + std::to_string(i), audience(rng)));
    if (std::int64_t(n) * c.allocation.min_per_area_cents > c.budget_cents) continue;
    INFO("round " << round);
    CampaignAllocation a = allocate_budget(c, areas);
    REQUIRE(total_cents(a) == c.budget_cents);
    CHECK(a.lambda >= c.allocation.target_marginal_return * (1 - 1e-12));
    if (a.unspent_cents > 0) {
      CHECK(a.unspent_reason != UnspentReason::none);
      ++saturated;
    } else {
      ++spent;
    }
    check_kkt_by_brute_force(c, a, c.allocation.target_marginal_return);
  }
  CHECK(saturated > 20);  // both regimes were exercised
  CHECK(spent > 20);
}

TEST_CASE("the floor against every split in whole dollars, unspent allowed (brute force, 2 areas)") {
  for (auto model : {ResponseModel::exponential, ResponseModel::hyperbolic})
    for (double t : {0.5, 1.0, 1.5}) {
      Campaign c = campaign(40000, 0, -1, model);  // $400
      c.allocation.spend_all = false;
      c.allocation.target_marginal_return = t;
      CampaignAllocation a = allocate_budget(c, {top_area("A", 150), top_area("B", 700)});
      double best = -1e9;
      for (int x = 0; x <= 400; ++x)
        for (int y = 0; x + y <= 400; ++y)
          best = std::max(best, ResponseCurve::of(c.allocation.response, 150).value(x) - t * x +
                                    ResponseCurve::of(c.allocation.response, 700).value(y) - t * y);
      double got = 0;
      for (const auto& area : a.areas) {
        const double x = double(area.budget_cents) / 100;
        got += ResponseCurve::of(c.allocation.response, area.audience).value(x) - t * x;
      }
      INFO("floor " << t);
      CHECK(got >= best - 1e-6);
    }
}

TEST_CASE("a saturated campaign keeps the rest unspent, with the reason and lambda at the floor") {
  Campaign c = campaign(10'000'000);  // $100,000 for 1,300 customers: far past saturation
  c.allocation.spend_all = false;
  CampaignAllocation a = allocate_budget(c, {top_area("A", 100), top_area("B", 1200)});
  CHECK(a.unspent_reason == UnspentReason::saturated);
  CHECK(a.lambda == Approx(1.0));
  // Exponential, A/s = 0.02 x 40 / 0.5 = 1.6: x(1) = 0.5 n ln 1.6 per area, rounded down.
  CHECK(a.areas[0].budget_cents == std::int64_t(std::floor(50 * std::log(1.6) * 100)));
  CHECK(a.areas[1].budget_cents == std::int64_t(std::floor(600 * std::log(1.6) * 100)));
  CHECK(total_cents(a) == 10'000'000);
  CHECK(a.areas[0].expected_conversions == Approx(a.areas[0].expected_response / 40));

  c.allocation.target_marginal_return = 2.0;  // above what the first cent returns (1.6): nothing
  CampaignAllocation none = allocate_budget(c, {top_area("A", 100), top_area("B", 1200)});
  CHECK(none.unspent_cents == 10'000'000);
  CHECK(none.unspent_reason == UnspentReason::saturated);

  c.allocation.spend_all = true;
  CampaignAllocation all = allocate_budget(c, {top_area("A", 100), top_area("B", 1200)});
  CHECK(all.unspent_cents == 0);
  CHECK(all.unspent_reason == UnspentReason::none);
}

TEST_CASE("an area whose minimum returns less than the floor rolls up into its parent, saying why") {
  Campaign c = campaign(1'000'000, 10'000);  // a $100 minimum returns $100 only from ~190 customers
  c.allocation.spend_all = false;
  CampaignAllocation a = allocate_budget(c, {area("Small", 60, "R1"), area("Also", 150, "R1"), area("Big", 2000, "R2")});
  auto find = [&](const std::string& id) {
    return *std::find_if(a.areas.begin(), a.areas.end(), [&](auto& x) { return x.area_id == id; });
  };
  CHECK(find("Small").binding == Binding::merged);
  CHECK(find("Small").merged_into == "R1");
  CHECK_THAT(find("Small").reason, Catch::Contains("min_per_area 100.00 returns") &&
                                       Catch::Contains("per unit spent, below target_marginal_return 1.00"));
  CHECK(find("R1").audience == 210);  // both merged, judged with both children
  CHECK(find("R1").budget_cents >= 10'000);
  CHECK(find("Big").binding == Binding::none);
  CHECK(a.unspent_reason == UnspentReason::saturated);
  CHECK(total_cents(a) == 1'000'000);
}

TEST_CASE("proportional allocation ignores the floor") {
  Campaign c = campaign(10'000'000);
  c.allocation.method = AllocationMethod::proportional;
  c.allocation.spend_all = false;
  CampaignAllocation a = allocate_budget(c, {top_area("A", 100), top_area("B", 300)});
  CHECK(a.unspent_cents == 0);
  CHECK(a.areas[0].budget_cents == 2'500'000);
}
