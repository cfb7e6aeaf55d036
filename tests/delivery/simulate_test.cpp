// The delivery simulator: even pacing delivers the plan of every area within 5%, on its curve,
// never past the bound, with 1, 2 and 4 replicas, over flights that cross the US start of DST.
#include <catch2/catch.hpp>

#include "geotarget/allocation_file.hpp"
#include "geotarget/delivery_simulator.hpp"
#include "test_support.hpp"

using namespace geotarget;

namespace {

// The allocation of tests/delivery/data/campaigns.yaml by the real allocator, from audiences
// stated here (customers per district: New York 40, Kings 30, Suffolk 25, Hampden 12, Cook 50,
// Sangamon 10).
std::string write_allocation(const std::filesystem::path& dir, const std::string& campaigns_file) {
  const std::vector<std::pair<std::string, std::int64_t>> audience = {
      {"US-36061", 40}, {"US-36047", 30}, {"US-25025", 25}, {"US-25013", 12}, {"US-17031", 50}, {"US-17167", 10}};
  const CampaignSet set = load_campaigns(campaigns_file);
  AllocationFile allocation;
  for (const Campaign& c : set.campaigns) {
    std::vector<AllocationArea> areas;
    for (const auto& [id, n] : audience)
      if ((c.include.places[0] == "US-IL") == id.starts_with("US-17") &&
          (c.id != "dst-day" || id.starts_with("US-36"))) {
        areas.emplace_back().id = id;
        areas.back().audience = n;  // a district, the default level
      }
    allocation.campaigns.push_back(allocate_budget(c, areas));
  }
  const std::string path = (dir / "alloc.json").string();
  write_allocation_file(allocation, path);
  return path;
}

SimulationResult simulate(const std::filesystem::path& dir, const std::string& campaigns_file, int replicas) {
  SimulationOptions o;
  o.campaigns = campaigns_file;
  o.allocation = write_allocation(dir, campaigns_file);
  o.ip_databases = {GEOTARGET_DEMO_DB};
  o.geodata = test::source_path("geodata/default.yaml").string();
  o.replicas = replicas;
  return simulate_delivery(o);
}

}  // namespace

TEST_CASE("simulate: even pacing delivers every area within 5% of plan, on its curve, never past the bound") {
  const auto dir = test::fresh_dir("simulate_even");
  const std::string campaigns = test::source_path("tests/delivery/data/campaigns.yaml").string();
  for (const int replicas : {1, 2, 4}) {
    const SimulationResult r = simulate(dir, campaigns, replicas);
    REQUIRE(r.campaigns.size() == 3);
    for (const SimulatedCampaign& c : r.campaigns) {
      INFO("replicas " << replicas << ", campaign " << c.id);
      CHECK(c.max_overspend_cents <= c.bound_cents);
      CHECK(c.spent_cents <= c.planned_cents);
      for (const SimulatedArea& a : c.areas) {
        INFO("area " << a.area_id);
        CHECK(a.time_zone == (a.area_id.starts_with("US-17") ? "America/Chicago" : "America/New_York"));
        REQUIRE(a.enough_traffic);
        CHECK(a.spent_cents >= a.planned_cents * 95 / 100);
        CHECK(a.spent_cents <= a.planned_cents);
        CHECK(a.max_pace_error <= 0.05);
      }
    }
  }
}

TEST_CASE("simulate: spending as fast as visitors come is far off the even curve (the check above can fail)") {
  const auto dir = test::fresh_dir("simulate_asap");
  std::string text = test::read_file(test::source_path("tests/delivery/data/campaigns.yaml"));
  text.replace(text.find("pacing: even"), 12, "pacing: asap");
  const std::string campaigns = test::write_file(dir / "campaigns.yaml", text).string();
  const SimulationResult r = simulate(dir, campaigns, 1);
  const SimulatedCampaign& metro = r.campaigns[0];
  REQUIRE(metro.id == "metro-east");
  for (const SimulatedArea& a : metro.areas) {
    CHECK(a.spent_cents <= a.planned_cents);
    CHECK(a.max_pace_error > 0.2);  // the plan is gone well before the flight ends
  }
}

// Frontloaded pacing aims 25% ahead of even (campaigns.hpp): after two of the flight's four
// local days (a little over half of its curve: the DST day has 23 hours) an even campaign has
// spent about half of its plan and a frontloaded one about 1.25 times that; by the end both
// have delivered their plan.
TEST_CASE("simulate: frontloaded pacing runs a quarter ahead of even and still ends on plan") {
  const auto dir = test::fresh_dir("simulate_frontloaded");
  std::string text = test::read_file(test::source_path("tests/delivery/data/campaigns.yaml"));
  text.replace(text.find("pacing: even"), 12, "pacing: frontloaded");
  const std::string campaigns = test::write_file(dir / "campaigns.yaml", text).string();
  SimulationOptions o;
  o.campaigns = campaigns;
  o.allocation = write_allocation(dir, campaigns);
  o.ip_databases = {GEOTARGET_DEMO_DB};
  o.geodata = test::source_path("geodata/default.yaml").string();
  o.days = 2;
  const SimulationResult half = simulate_delivery(o);
  REQUIRE(half.campaigns.size() == 3);
  REQUIRE(half.campaigns[0].id == "metro-east");  // frontloaded
  REQUIRE(half.campaigns[1].id == "chicago");     // even
  for (const SimulatedArea& a : half.campaigns[0].areas) {
    INFO("frontloaded, area " << a.area_id);
    CHECK(a.spent_cents >= a.planned_cents * 58 / 100);
    CHECK(a.spent_cents <= a.planned_cents * 68 / 100);
  }
  for (const SimulatedArea& a : half.campaigns[1].areas) {
    INFO("even, area " << a.area_id);
    CHECK(a.spent_cents >= a.planned_cents * 45 / 100);
    CHECK(a.spent_cents <= a.planned_cents * 55 / 100);
  }
  o.days = 0;
  const SimulationResult whole = simulate_delivery(o);
  for (const SimulatedArea& a : whole.campaigns[0].areas) {
    INFO("frontloaded at the end, area " << a.area_id);
    CHECK(a.spent_cents >= a.planned_cents * 95 / 100);
    CHECK(a.spent_cents <= a.planned_cents);
    CHECK(a.max_pace_error <= 0.05);
  }
}
