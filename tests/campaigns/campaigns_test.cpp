// Segments, the campaigns file, and targeting.
#include <catch2/catch.hpp>

#include <map>

#include "geotarget/campaigns.hpp"
#include "geotarget/error.hpp"
#include "test_support.hpp"

using namespace geotarget;

namespace {

bool matches(const std::string& expr, const std::map<std::string, std::string>& row) {
  return Segment::parse(expr).matches([&](std::string_view c) -> std::string_view {
    auto it = row.find(std::string(c));
    return it == row.end() ? std::string_view() : std::string_view(it->second);
  });
}

const std::map<std::string, std::string> kGold = {{"loyalty", "gold"}, {"days", "200"}, {"ltv", "1500.5"}};

}  // namespace

TEST_CASE("segment expressions: comparisons, and/or/not, in-lists, numbers vs text") {
  struct Row {
    const char* expr;
    bool expected;
  };
  const Row rows[] = {
      {"loyalty == 'gold'", true},        {"loyalty = \"gold\"", true},       {"loyalty != 'gold'", false},
      {"days < 365", true},               {"days >= 200", true},              {"days > 200", false},
      {"days < 1000 and loyalty == 'silver'", false}, {"days < 1000 or loyalty == 'silver'", true},
      {"not loyalty == 'gold'", false},   {"loyalty in ('gold', 'platinum')", true},
      {"loyalty not in ('gold')", false}, {"(days > 100 and ltv > 1000) or loyalty == 'x'", true},
      {"days < 1000.5", true},            {"ltv >= 1500.50", true},  // numbers compare as numbers
      {"missing == 'x'", false},          {"missing != 'x'", false},  // absent columns never match
      {"LOYALTY == 'gold' AND days < 365", false},  // columns are case-sensitive, keywords are not
      {"loyalty == 'gold' AND days < 365", true},
      {"", true},
  };
  for (const Row& r : rows) {
    INFO(r.expr);
    CHECK(matches(r.expr, kGold) == r.expected);
  }
  CHECK(Segment::parse("a == 1 and (b > 2 or not c in (3, 4))").columns() == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("a bad segment is an error with its position") {
  CHECK_THROWS_WITH(Segment::parse("loyalty == "), Catch::Contains("position 12"));
  CHECK_THROWS_WITH(Segment::parse("loyalty === 'gold'"), Catch::Contains("position 11"));
  CHECK_THROWS_WITH(Segment::parse("(days > 1"), Catch::Contains("expected ')'"));
  CHECK_THROWS_WITH(Segment::parse("days > 1 days"), Catch::Contains("unexpected 'd' at position 10"));
  CHECK_THROWS_WITH(Segment::parse("loyalty == 'gold"), Catch::Contains("unterminated text"));
  CHECK_THROWS_WITH(Segment::parse("loyalty in 'gold'"), Catch::Contains("expected '('"));
  CHECK_THROWS_WITH(Segment::parse("loyalty == gold"), Catch::Contains("expected a number or quoted text"));
}

TEST_CASE("campaign files: errors name the file, the line and the field") {
  auto dir = test::fresh_dir("campaign_errors");
  auto load = [&](const std::string& text) { return load_campaigns(test::write_file(dir / "c.yaml", text).string()); };
  const std::string head = "currency: USD\ncampaigns:\n  - id: a\n    budget: 100\n    target: {include: [US-CA]}\n";
  CHECK_THROWS_WITH(load("currency: USD\ncampaigns:\n  - id: a\n    target: {include: [US-CA]}\n"),
                    Catch::Contains("c.yaml:3: campaigns[0].budget: missing"));
  CHECK_THROWS_WITH(load(head + "    allocation: {min_per_area: 10, max_per_area: 5}\n"),
                    Catch::Contains("c.yaml:6") && Catch::Contains("allocation.max_per_area: is below min_per_area"));
  CHECK_THROWS_WITH(load(head + "    segment: \"loyalty ==\"\n"),
                    Catch::Contains("c.yaml:6") && Catch::Contains("campaigns[0].segment") && Catch::Contains("position"));
  CHECK_THROWS_WITH(load(head + "    level: county\n"), Catch::Contains("campaigns[0].level"));
  CHECK_THROWS_WITH(load(head + "    dates: {start: 2026-13-01}\n"), Catch::Contains("campaigns[0].dates"));
  CHECK_THROWS_WITH(load(head + "    allocation: {response: {conversion_rate: 2}}\n"),
                    Catch::Contains("response.conversion_rate"));
  CHECK_THROWS_WITH(load("campaigns:\n  - id: a\n    budget: 1\n"), Catch::Contains("campaigns[0].target"));
  CHECK_THROWS_WITH(load(head + "  - id: a\n    budget: 1\n    target: {include: [US]}\n"),
                    Catch::Contains("duplicate id 'a'"));
  CHECK_THROWS_WITH(load("campaigns: [\n"), Catch::Contains("c.yaml"));
}

TEST_CASE("campaign files: an unknown key is an error with a suggestion, not a silent default") {
  auto dir = test::fresh_dir("campaign_keys");
  auto load = [&](const std::string& text) { return load_campaigns(test::write_file(dir / "c.yaml", text).string()); };
  const std::string head = "campaigns:\n  - id: a\n    budget: 100\n    target: {include: [US-CA]}\n";
  // A misspelt min_audience would switch the privacy floor off if it were ignored.
  CHECK_THROWS_WITH(load(head + "    allocation:\n      min_audiance: 50\n"),
                    Catch::Contains("c.yaml:6: campaigns[0].allocation.min_audiance: unknown setting "
                                    "(did you mean 'min_audience'?)"));
  CHECK_THROWS_WITH(load(head + "    prioirty: 3\n"),
                    Catch::Contains("c.yaml:5: campaigns[0].prioirty") && Catch::Contains("'priority'"));
  CHECK_THROWS_WITH(load("curency: EUR\n" + head), Catch::Contains("c.yaml:1: curency") &&
                                                       Catch::Contains("'currency'"));
  CHECK_THROWS_WITH(load(head + "    offers:\n      - {id: o, txt: hi}\n"),
                    Catch::Contains("campaigns[0].offers[0].txt: unknown setting (did you mean 'text'?)"));
  CHECK_THROWS_WITH(load(head + "    colour: red\n"),
                    Catch::Contains("campaigns[0].colour: unknown setting") && !Catch::Contains("did you mean"));
  CHECK_NOTHROW(load(head + "    priority: 3\n    allocation:\n      min_audience: 50\n"));
}

TEST_CASE("campaign files: polygon files are plain local files, never URLs or GDAL virtual file systems") {
  auto dir = test::fresh_dir("campaign_paths");
  auto load = [&](const std::string& polygon) {
    return load_campaigns(test::write_file(dir / "c.yaml", "campaigns:\n  - id: a\n    budget: 100\n"
                                                           "    target:\n      polygons: [\"" + polygon + "\"]\n")
                              .string());
  };
  CHECK_THROWS_WITH(load("/vsicurl/http://127.0.0.1:9/zone.geojson"),
                    Catch::Contains("c.yaml:5: campaigns[0].target.polygons") &&
                        Catch::Contains("/vsicurl/http://127.0.0.1:9/zone.geojson") && Catch::Contains("not allowed"));
  CHECK_THROWS_WITH(load("https://example.com/zone.geojson"), Catch::Contains("URLs are not allowed"));
  CHECK_THROWS_WITH(load("/vsizip/zones.zip/zone.geojson"), Catch::Contains("not allowed"));
}

TEST_CASE("targeting: place ids at any level, radius, polygons, exclusions, dates") {
  auto dir = test::fresh_dir("campaign_targets");
  test::write_file(dir / "zone.wkt", "POLYGON((-122.5 37.7,-122.3 37.7,-122.3 37.9,-122.5 37.9,-122.5 37.7))");
  auto index = PlaceIndex::load(test::source_path("geodata/default.yaml").string());
  CampaignSet set = load_campaigns(test::write_file(dir / "c.yaml",
      "campaigns:\n"
      "  - id: west\n    budget: 1000\n    dates: {start: 2026-03-01, end: 2026-03-31}\n"
      "    target:\n      include: [US-NV]\n      radius: [{lat: 34.05, lon: -118.24, km: 20}]\n"
      "      polygons: [zone.wkt]\n      exclude: [US-32510]\n").string(), index.get());
  const Campaign& c = set.campaigns.at(0);
  auto at = [&](double lat, double lon) {
    PlaceChain chain;
    REQUIRE(index->locate({lat, lon}, chain) == LocateStatus::ok);
    return c.targets(chain, {lat, lon});
  };
  CHECK(at(36.17, -115.14));    // Las Vegas: Nevada
  CHECK_FALSE(at(39.16, -119.77));  // Carson City (US-32510) is excluded
  CHECK(at(34.10, -118.30));    // 6 km from downtown LA
  CHECK_FALSE(at(34.40, -118.24));  // 39 km north of it
  CHECK(at(37.80, -122.40));    // inside the WKT zone
  CHECK_FALSE(at(37.60, -122.40));
  CHECK(c.active_on("2026-03-15"));
  CHECK_FALSE(c.active_on("2026-04-01"));
  CHECK_THROWS_WITH(load_campaigns(test::write_file(dir / "bad.yaml",
      "campaigns:\n  - id: x\n    budget: 1\n    target: {include: [US-XX]}\n").string(), index.get()),
      Catch::Contains("bad.yaml:4") && Catch::Contains("unknown place id 'US-XX'"));
}
