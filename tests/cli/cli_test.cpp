// The command-line contract of the brief, one command and its expected output per check.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "test_support.hpp"

using geotarget::test::lines_of;
using geotarget::test::run_cli;
using Json = nlohmann::json;

namespace {
const std::string kDemoDb = GEOTARGET_DEMO_DB;
}

TEST_CASE("geotarget --help lists the subcommands") {
  auto r = run_cli({"--help"});
  CHECK(r.exit_code == 0);
  for (const char* cmd : {"ip", "locate", "mmdb", "bench"}) CHECK_THAT(r.out, Catch::Contains(cmd));
}

TEST_CASE("geotarget ip answers one JSON object per address, truncating the address") {
  auto r = run_cli({"ip", "--db", kDemoDb, "66.0.12.34", "2a00:1450:4009::1"});
  REQUIRE(r.exit_code == 0);
  auto lines = lines_of(r.out);
  REQUIRE(lines.size() == 2);
  Json ny = Json::parse(lines[0]);
  CHECK(ny["ip"] == "66.0.12.0/24");
  CHECK(ny["found"] == true);
  CHECK(ny["location"]["city"] == "New York");
  CHECK(ny["location"]["country"] == "US");
  CHECK(ny["location"]["lat"] == 40.7831);
  CHECK(ny["location"]["lon"] == -73.9712);
  CHECK(ny["location"]["postal"] == "10024");
  CHECK(ny["location"]["time_zone"] == "America/New_York");
  Json dublin = Json::parse(lines[1]);
  CHECK(dublin["ip"] == "2a00:1450:4009::/48");
  CHECK(dublin["location"]["city"] == "Dublin");
  CHECK(r.out.find("66.0.12.34") == std::string::npos);
}

TEST_CASE("geotarget ip reads stdin, reports malformed lines in place and goes on") {
  auto r = run_cli({"ip", "--db", kDemoDb}, "66.3.1.1\nnot-an-ip\n\n10.1.2.3\n8.8.8.8\n");
  CHECK(r.exit_code == 1);  // input had rejected records, processing completed
  auto lines = lines_of(r.out);
  REQUIRE(lines.size() == 4);
  CHECK(Json::parse(lines[0])["location"]["city"] == "Springfield");
  CHECK(Json::parse(lines[1]) == Json{{"ip", "not-an-ip"}, {"error", "invalid_ip"}});
  Json priv = Json::parse(lines[2]);
  CHECK(priv["found"] == false);
  CHECK(priv["reason"] == "private_use");
  CHECK(Json::parse(lines[3])["reason"] == "not_found");
  CHECK_THAT(r.err, Catch::Contains("1 invalid"));
}

TEST_CASE("geotarget ip exits 2 with one line when the database cannot be opened") {
  auto r = run_cli({"ip", "--db", "/nonexistent/db.mmdb", "1.2.3.4"});
  CHECK(r.exit_code == 2);
  CHECK(lines_of(r.err).size() == 1);
  CHECK_THAT(r.err, Catch::Contains("/nonexistent/db.mmdb"));
  CHECK(r.out.empty());
}

TEST_CASE("geotarget ip --db twice: one file a --db, the addresses after it are addresses") {
  const auto dir = geotarget::test::fresh_dir("cli-two-dbs");
  geotarget::test::write_file(dir / "v6.csv", "network,latitude,longitude,country_code,city\n"
                                              "2a03::/16,52.52,13.405,DE,Berlin\n");
  REQUIRE(run_cli({"mmdb", "build", (dir / "v6.csv").string(), "-o", (dir / "v6.mmdb").string()}).exit_code == 0);
  auto r = run_cli({"ip", "--db", kDemoDb, "--db", (dir / "v6.mmdb").string(), "2a03:1::1", "66.0.12.34"});
  REQUIRE(r.exit_code == 0);
  const auto lines = lines_of(r.out);
  REQUIRE(lines.size() == 2);
  CHECK(Json::parse(lines[0])["location"]["city"] == "Berlin");
  CHECK(Json::parse(lines[1])["location"]["city"] == "New York");
}

TEST_CASE("unknown subcommands and options are usage errors (exit 2)") {
  CHECK(run_cli({"frobnicate"}).exit_code == 2);
  CHECK(run_cli({"ip", "--no-such-flag"}).exit_code == 2);
}

TEST_CASE("geotarget locate answers the chain for LAT LON and for stdin lines") {
  auto r = run_cli({"locate", "40.7831", "-73.9712"});
  REQUIRE(r.exit_code == 0);
  Json one = Json::parse(r.out);
  CHECK(one["places"]["country"]["id"] == "US");
  CHECK(one["places"]["region"]["id"] == "US-NY");
  CHECK(one["places"]["district"]["id"] == "US-36061");
  CHECK(one["places"]["postal"]["id"] == "US-ZIP-10024");
  CHECK(one["places"]["town"]["name"] == "New York City");  // Upper West Side: not "Manhattan"
  CHECK(one["time_zone"] == "America/New_York");
  // New York City Hall: Financial District (GeoNames 8436473), 0.59 km by cities1000's coordinates.
  auto hall = Json::parse(run_cli({"locate", "40.7128", "-74.0060"}).out);
  CHECK(hall["places"]["town"]["id"] == "GN-5128581");
  CHECK(hall["places"]["neighbourhood"]["id"] == "GN-8436473");
  CHECK(hall["places"]["neighbourhood"]["name"] == "Financial District");

  auto s = run_cli({"locate"}, "-29.3167,27.4833\n91,0\nfoo,1\n10,nan\n0,-180.5\nnocomma\n0,0\n");
  CHECK(s.exit_code == 1);
  auto lines = lines_of(s.out);
  REQUIRE(lines.size() == 7);
  CHECK(Json::parse(lines[0])["places"]["country"]["id"] == "LS");
  CHECK(Json::parse(lines[1])["error"] == "invalid_latitude");
  CHECK_THAT(Json::parse(lines[1])["message"].get<std::string>(), Catch::Contains("91"));
  CHECK_THAT(Json::parse(lines[2])["message"].get<std::string>(), Catch::Contains("'foo'"));
  CHECK(Json::parse(lines[3])["error"] == "invalid_longitude");
  CHECK_THAT(Json::parse(lines[4])["message"].get<std::string>(), Catch::Contains("-180.5"));
  CHECK(Json::parse(lines[5])["error"] == "invalid_input");
  CHECK(Json::parse(lines[6])["places"] == Json::object());  // the Gulf of Guinea is no place
  CHECK(Json::parse(lines[6])["time_zone"].is_null());
  CHECK(Json::parse(lines[0])["time_zone"] == "Africa/Maseru");  // Maseru
}

TEST_CASE("geotarget locate with a bad coordinate argument exits 2 naming it") {
  auto r = run_cli({"locate", "95", "10"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("latitude 95"));
}

TEST_CASE("geotarget ip --geodata adds the places of each location") {
  auto r = run_cli({"ip", "--db", kDemoDb, "--geodata", GEOTARGET_SOURCE_DIR "/geodata/default.yaml",
                    "66.11.0.9", "41.203.10.10", "24.12.1.1", "2.16.1.1"});
  REQUIRE(r.exit_code == 0);
  auto lines = lines_of(r.out);
  REQUIRE(lines.size() == 4);
  CHECK(Json::parse(lines[0])["places"]["district"]["id"] == "US-02016");  // Adak, Aleutians West
  CHECK(Json::parse(lines[1])["places"]["country"]["id"] == "LS");          // Maseru
  // The demo's Chicago record (41.8781,-87.6298): Chicago Loop, GeoNames 8436065, 0.72 km away;
  // its Paris record (central Paris): Paris, whose only section (La Defense) is 9 km away.
  const Json chicago = Json::parse(lines[2]), paris = Json::parse(lines[3]);
  CHECK(chicago["places"]["town"]["id"] == "GN-4887398");
  CHECK(chicago["places"]["neighbourhood"]["id"] == "GN-8436065");
  CHECK(paris["places"]["town"]["id"] == "GN-2988507");
  CHECK_FALSE(paris["places"].contains("neighbourhood"));
}

TEST_CASE("geotarget ip --geodata: a country-only record gets its country and nothing finer", "[maxmind]") {
  auto data = geotarget::test::mmdb_testdata();
  if (data.empty()) GEOTARGET_SKIP("../shared/mmdb-testdata is absent");
  // 149.101.100.0/28: US, no city, 37.751,-97.822 (Reno County, Kansas), radius 1000 km.
  auto r = run_cli({"ip", "--db", (data / "test-data" / "GeoIP2-City-Test.mmdb").string(), "--geodata",
                    GEOTARGET_SOURCE_DIR "/geodata/default.yaml", "149.101.100.1", "81.2.69.142"});
  REQUIRE(r.exit_code == 0);
  auto lines = lines_of(r.out);
  REQUIRE(lines.size() == 2);
  Json us = Json::parse(lines[0]);
  CHECK(us["location"]["precision"] == "country");
  CHECK(us["places"] == Json::parse(R"({"country":{"id":"US","name":"United States of America"}})"));
  Json london = Json::parse(lines[1]);
  CHECK(london["location"]["precision"] == "city");
  CHECK(london["places"]["region"]["id"] == "GB-ENG");
  CHECK(london["places"]["town"]["name"] == "London");
}

TEST_CASE("geotarget allocate: exact sums per campaign, CSV beside the JSON, infeasible is exit 2") {
  namespace fs = std::filesystem;
  fs::path dir = geotarget::test::fresh_dir("cli_allocate");
  geotarget::test::write_file(dir / "customers.csv",
      "customer_id,tier,lat,lon\n1,gold,40.7831,-73.9712\n2,gold,40.7800,-73.9600\n3,gold,40.6782,-73.9442\n"
      "4,silver,40.6782,-73.9442\n5,gold,42.3601,-71.0589\n");
  REQUIRE(run_cli({"map", (dir / "customers.csv").string(), "-o", (dir / "mapped.csv").string()}).exit_code == 0);
  geotarget::test::write_file(dir / "c.yaml",
      "currency: USD\ncampaigns:\n  - id: ny\n    budget: 1000.00\n    level: district\n"
      "    target: {include: [US-NY, US-MA]}\n    segment: \"tier == 'gold'\"\n"
      "    allocation: {min_per_area: 10, max_per_area: 600, spend_all: true}\n");
  auto r = run_cli({"allocate", "--campaigns", (dir / "c.yaml").string(), "--customers",
                    (dir / "mapped.csv").string(), "-o", (dir / "out.json").string()});
  REQUIRE(r.exit_code == 0);
  Json out = Json::parse(geotarget::test::read_file(dir / "out.json"));
  REQUIRE(out["campaigns"].size() == 1);
  const Json& c = out["campaigns"][0];
  std::int64_t sum = c["unspent_cents"].get<std::int64_t>();
  std::map<std::string, std::int64_t> audience;
  for (const auto& a : c["areas"]) sum += a["budget_cents"].get<std::int64_t>(), audience[a["area_id"]] = a["audience"];
  CHECK(sum == 100000);
  CHECK(audience == std::map<std::string, std::int64_t>{{"US-25025", 1}, {"US-36047", 1}, {"US-36061", 2}});
  CHECK(lines_of(geotarget::test::read_file(dir / "out.csv")).size() == 4);  // header + 3 areas

  geotarget::test::write_file(dir / "bad.yaml",
      "campaigns:\n  - id: ny\n    budget: 10\n    target: {include: [US-NY]}\n    allocation: {min_per_area: 9, spend_all: true}\n");
  auto bad = run_cli({"allocate", "--campaigns", (dir / "bad.yaml").string(), "--customers",
                      (dir / "mapped.csv").string(), "-o", (dir / "bad.json").string()});
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("min_per_area"));

  // -o z.csv would put the JSON and its CSV in one file: refused, nothing written.
  auto same = run_cli({"allocate", "--campaigns", (dir / "c.yaml").string(), "--customers",
                       (dir / "mapped.csv").string(), "-o", (dir / "z.csv").string()});
  CHECK(same.exit_code == 2);
  CHECK_THAT(same.err, Catch::Contains("z.csv") && Catch::Contains("same file"));
  CHECK_FALSE(fs::exists(dir / "z.csv"));
}

TEST_CASE("geotarget locate: -- before a negative coordinate, LAT,LON as one argument, lat lon lines with a header") {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"locate", "--", "40.7831", "-73.9712"}, {"locate", "40.7831,-73.9712"}, {"locate", "40.7831 -73.9712"}}) {
    auto r = run_cli(args);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(Json::parse(r.out)["places"]["district"]["id"] == "US-36061");
  }
  auto r = run_cli({"locate"}, "lat,lon\n40.7831 -73.9712\n40.7831;-73.9712\n\nnowhere\n91,0\n");
  CHECK(r.exit_code == 1);
  const auto lines = lines_of(r.out);
  REQUIRE(lines.size() == 4);  // the header is skipped, the blank line too
  CHECK(Json::parse(lines[0])["places"]["district"]["id"] == "US-36061");
  CHECK(Json::parse(lines[1])["places"]["district"]["id"] == "US-36061");
  CHECK(Json::parse(lines[2])["error"] == "invalid_input");
  CHECK(Json::parse(lines[3])["error"] == "invalid_latitude");
  auto one = run_cli({"locate", "40.7831"});
  CHECK(one.exit_code == 2);
  CHECK_THAT(one.err, Catch::Contains("give LAT LON"));
}

TEST_CASE("a misspelt command or flag is named, with the closest known one") {
  struct Row {
    std::vector<std::string> args;
    std::string expected;
  };
  const Row rows[] = {
      {{"mapp", "x.csv"}, "unknown command 'mapp' (did you mean 'map'?)"},
      {{"map", "x.csv", "--ouput", "y.csv"}, "unknown option '--ouput' for 'map' (did you mean '--output'?)"},
      {{"bench", "locat"}, "unknown command 'locat' (did you mean 'locate'?)"},
      {{"serve", "--lisen=127.0.0.1:0"}, "unknown option '--lisen' for 'serve' (did you mean '--listen'?)"},
      {{"frobnicate"}, "unknown command 'frobnicate'; see geotarget --help"},
  };
  for (const Row& row : rows) {
    auto r = run_cli(row.args);
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::StartsWith("geotarget: " + row.expected));
    CHECK(lines_of(r.err).size() == 1);
  }
}

// spend_all: true is the allocator before the efficiency floor. The figures are what the
// allocator of commit f84a0ed (before the floor) planned for the sample campaigns; sunbelt-towns
// is left out of the per-area comparison: there that allocator judged US-AZ before its counties
// had merged into it (excluded: "expected response 6.00" for 205 customers), which is fixed.
TEST_CASE("geotarget allocate: with spend_all every optimal campaign spends its whole budget, as before the floor") {
  namespace fs = std::filesystem;
  fs::path dir = geotarget::test::fresh_dir("cli_spend_all");
  const fs::path samples = geotarget::test::source_path("geodata/samples");
  std::string campaigns = geotarget::test::read_file(samples / "campaigns.yaml");
  const std::string method = "      method: optimal\n", spend_all = "      spend_all: true\n";
  for (std::size_t at = 0; (at = campaigns.find(method, at)) != std::string::npos; at += method.size() + spend_all.size())
    campaigns.insert(at + method.size(), spend_all);
  geotarget::test::write_file(dir / "campaigns.yaml", campaigns);
  fs::copy(samples / "zones", dir / "zones");
  REQUIRE(run_cli({"map", (samples / "customers.csv").string(), "-o", (dir / "mapped.csv").string()}).exit_code == 1);
  REQUIRE(run_cli({"allocate", "--campaigns", (dir / "campaigns.yaml").string(), "--customers",
                   (dir / "mapped.csv").string(), "-o", (dir / "out.json").string()}).exit_code == 0);
  const Json out = Json::parse(geotarget::test::read_file(dir / "out.json"));
  // Every optimal campaign spends its whole budget, as before the floor; the exact plans of
  // the allocator before the floor are pinned in allocator_test (the samples changed since).
  std::size_t optimal = 0;
  for (const auto& c : out["campaigns"]) {
    if (c["method"] != "optimal") continue;
    ++optimal;
    INFO(c["id"].get<std::string>());
    CHECK(c["unspent_cents"] == 0);
    std::int64_t sum = 0;
    for (const auto& a : c["areas"]) sum += a["budget_cents"].get<std::int64_t>();
    CHECK(sum == c["budget_cents"]);
  }
  CHECK(optimal == 3);
}
