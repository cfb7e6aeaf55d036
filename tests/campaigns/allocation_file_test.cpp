// Reading the allocation JSON (read_allocation_file) directly, for what fuzzing it
// (fuzz_allocation_file) and reviewing it found. report_test covers bad files through the CLI.
#include <catch2/catch.hpp>

#include <filesystem>

#include "geotarget/allocation_file.hpp"
#include "geotarget/allocator.hpp"
#include "geotarget/error.hpp"
#include "test_support.hpp"

using namespace geotarget;

namespace {

// Each file in a directory of its own: ctest runs the test cases as parallel processes.
AllocationFile read(const std::string& name, const std::string& json) {
  const auto dir = test::fresh_dir("allocation_file_" + std::filesystem::path(name).stem().string());
  return read_allocation_file(test::write_file(dir / name, json).string());
}

// The message of the geotarget::Error that reading throws; any other outcome is a failure.
std::string error_reading(const std::string& name, const std::string& json) {
  try {
    read(name, json);
  } catch (const Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    FAIL("not a geotarget::Error: " << e.what());
  }
  FAIL("no error");
  return {};
}

std::string campaign_with(const std::string& budget_cents, const std::string& unspent_cents,
                          const std::vector<std::string>& area_budgets) {
  std::string areas;
  for (std::size_t i = 0; i < area_budgets.size(); ++i)
    areas += std::string(i ? "," : "") + R"({"area_id": "A)" + std::to_string(i) +
             R"(", "level": "district", "audience": 10, "budget_cents": )" + area_budgets[i] +
             R"(, "expected_response": 1, "binding": "none"})";
  return R"({"currency": "USD", "campaigns": [{"id": "c", "budget_cents": )" + budget_cents +
         R"(, "unspent_cents": )" + unspent_cents + R"(, "min_audience": 0, "areas": [)" + areas + "]}]}";
}

}  // namespace

TEST_CASE("allocation files: a valid file reads back") {
  const AllocationFile a = read("ok.json", campaign_with("300", "100", {"150", "50"}));
  REQUIRE(a.campaigns.size() == 1);
  CHECK(a.campaigns[0].areas.size() == 2);
  CHECK(a.campaigns[0].unspent_cents == 100);
}

// fuzz_allocation_file: "3E2222" made nlohmann::json throw out_of_range, not parse_error, so
// it escaped as a foreign exception ("geotarget: internal error: ..." from the CLI).
TEST_CASE("allocation files: a number too large for a double is invalid JSON, naming the file") {
  CHECK_THAT(error_reading("huge.json", "3E2222"), Catch::Contains("huge.json: not valid JSON"));
  CHECK_THAT(error_reading("huge_area.json", campaign_with("300", "100", {"1e999"})),
             Catch::Contains("huge_area.json: not valid JSON"));
}

// Found in review while writing the harness: area budgets near INT64_MAX made the sum overflow
// (undefined behaviour; in practice it wrapped, so 2 x INT64_MAX + 2 "added up" to 0).
TEST_CASE("allocation files: area budgets that overflow 64 bits never add up") {
  const std::string int64_max = "9223372036854775807", max = "100000000000000";  // kMaxMoneyCents
  CHECK_THAT(error_reading("wrap.json", campaign_with("0", "0", {int64_max, int64_max, "2"})),
             Catch::Contains("wrap.json: campaigns[0].areas[0].budget_cents: is above the maximum"));
  CHECK_THAT(error_reading("sum.json", campaign_with(max, "0", {max, max, "2"})),
             Catch::Contains("sum.json: campaigns[0].areas:") && Catch::Contains("do not add up to budget_cents " + max));
  CHECK_THAT(error_reading("unspent.json", campaign_with(max, max, {"1"})), Catch::Contains("do not add up"));
  CHECK_NOTHROW(read("max.json", campaign_with(max, "0", {max})));
}

TEST_CASE("allocation files: the floor, the settings and the targets round-trip, the CSV shows what is unspent") {
  Campaign c;
  c.id = "floor";
  c.budget_cents = 10'000'000;
  c.allocation.max_per_area_cents = 900'000;
  c.offers.push_back({"gold-10", "10% off, \"gold\"", {}});
  c.include.places = {"US-CA"};
  c.include.radius.push_back({{41.8781, -87.6298}, 40, "Chicago store", "chicago-store"});
  c.include.polygons.push_back({{{-87.7, 41.8}, {-87.6, 41.8}, {-87.6, 41.9}, {-87.7, 41.8}}});
  AllocationArea a1{"A", "A", PlaceLevel::district, 100, 0, {}, "gold-10"}, a2{"B", "B", PlaceLevel::district, 900, 0, {}, ""};
  AllocationFile file;
  file.campaigns.push_back(allocate_budget(c, {a1, a2}));
  REQUIRE(file.campaigns[0].unspent_reason == UnspentReason::saturated);
  const auto dir = test::fresh_dir("allocation_file_roundtrip");
  write_allocation_file(file, (dir / "out.json").string());
  const AllocationFile back = read_allocation_file((dir / "out.json").string());
  const CampaignAllocation& b = back.campaigns.at(0);
  CHECK(b.unspent_cents == file.campaigns[0].unspent_cents);
  CHECK(b.unspent_reason == UnspentReason::saturated);
  CHECK(b.target_marginal_return == 1.0);
  CHECK_FALSE(b.spend_all);
  CHECK(b.max_per_area_cents == 900'000);
  REQUIRE(b.response);
  CHECK(b.response->value_per_conversion == 40);
  REQUIRE(b.offers.size() == 1);
  CHECK(b.offers[0].text == "10% off, \"gold\"");
  REQUIRE(b.target.radius.size() == 1);
  CHECK(b.target.radius[0].name == "Chicago store");
  CHECK(b.target.radius[0].km == 40);
  REQUIRE(b.target.polygons.size() == 1);
  CHECK(b.target.polygons[0][0].size() == 4);
  CHECK(b.areas[0].expected_conversions == Approx(b.areas[0].expected_response / 40));
  // The CSV: one row for the unspent budget, so that the rows sum to the budget.
  const std::string csv = test::read_file(dir / "out.csv");
  CHECK_THAT(csv, Catch::Contains("floor,unspent,,unspent budget,0," + std::to_string(b.unspent_cents) +
                                  ",,0.000000,0.000000,0,unspent,,saturated\n"));
  CHECK_THAT(csv, Catch::StartsWith("campaign_id,area_id,level,name,audience,budget_cents,offer,expected_response,"
                                    "expected_conversions,marginal_return,binding,merged_into,reason\n"));
}

TEST_CASE("allocation files: bad floor fields name the field") {
  std::string base = campaign_with("300", "100", {"150", "50"});
  auto with = [&](const std::string& field) {
    std::string j = base;
    return j.replace(j.find("\"min_audience\""), 0, field + ", ");
  };
  CHECK_THAT(error_reading("reason.json", with(R"("unspent_reason": "lazy")")),
             Catch::Contains("campaigns[0].unspent_reason: must be saturated, max_per_area or null"));
  CHECK_THAT(error_reading("spend_all.json", with(R"("spend_all": "yes")")),
             Catch::Contains("campaigns[0].spend_all: must be true or false"));
  CHECK_THAT(error_reading("radius.json", with(R"("target": {"radius": [{"lat": 91, "lon": 0, "km": 5}]})")),
             Catch::Contains("campaigns[0].target.radius[0].lat: lat and lon must be valid coordinates"));
  CHECK_THAT(error_reading("ring.json", with(R"("target": {"polygons": [[[[0, 0], [1, 0]]]]})")),
             Catch::Contains("campaigns[0].target.polygons[0][0]: a ring must be an array of at least 4"));
  CHECK_THAT(error_reading("response.json", with(R"("response": {"model": "linear", "conversion_rate": 0.1, "value_per_conversion": 1, "cost_per_reach": 1})")),
             Catch::Contains("campaigns[0].response.model: must be exponential or hyperbolic"));
}
