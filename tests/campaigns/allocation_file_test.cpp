// Reading the allocation JSON (read_allocation_file) directly, for what fuzzing it
// (fuzz_allocation_file) and reviewing it found. report_test covers bad files through the CLI.
#include <catch2/catch.hpp>

#include <filesystem>

#include "geotarget/allocation_file.hpp"
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
