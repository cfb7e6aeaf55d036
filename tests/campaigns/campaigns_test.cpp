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

TEST_CASE("segments are bounded: deep nesting, long chains and huge texts are errors, not a stack overflow") {
  // The reported attacks: 20,000 parentheses, 100,000 "not", 200,000 "or" terms.
  CHECK_THROWS_WITH(Segment::parse(std::string(20'000, '(') + "a == 1" + std::string(20'000, ')')),
                    Catch::Contains("longer than 16384 characters"));
  std::string nots;
  for (int i = 0; i < 100'000; ++i) nots += "not ";
  CHECK_THROWS_WITH(Segment::parse(nots + "a == 1"), Catch::Contains("longer than 16384 characters"));
  // Within the length limit, the nesting limit holds.
  std::string nested = std::string(5'000, '(') + "a == 1" + std::string(5'000, ')');
  CHECK_THROWS_WITH(Segment::parse(nested), Catch::Contains("nested deeper than 32"));
  CHECK_THROWS_WITH(Segment::parse(nots.substr(0, 4 * 3'000) + "a == 1"), Catch::Contains("nested deeper than 32"));
  std::string ors = "a == 0";
  for (int i = 1; i < 200'000; ++i) ors += " or a == " + std::to_string(i);
  CHECK_THROWS_WITH(Segment::parse(ors), Catch::Contains("longer than 16384 characters"));
  std::string many = "a == 0";
  for (int i = 1; i < 300; ++i) many += " or a==" + std::to_string(i);
  REQUIRE(many.size() < 16384);
  CHECK_THROWS_WITH(Segment::parse(many), Catch::Contains("more than 256 comparisons"));
  // At the limits, a segment parses and evaluates.
  std::string deep = std::string(31, '(') + "a == 1" + std::string(31, ')');
  CHECK(Segment::parse(deep).matches([](std::string_view) { return std::string_view("1"); }));
  std::string wide = "a == 0";
  for (int i = 1; i < 256; ++i) wide += " or a==" + std::to_string(i);
  CHECK(Segment::parse(wide).matches([](std::string_view) { return std::string_view("255"); }));
  // In a campaigns file the error names the file and the line.
  auto dir = test::fresh_dir("segment_bounds");
  const auto file = test::write_file(dir / "c.yaml", "campaigns:\n  - id: a\n    budget: 1\n"
                                                       "    target: {include: [US]}\n    segment: \"" +
                                                           nested + "\"\n");
  CHECK_THROWS_WITH(load_campaigns(file.string()), Catch::Contains("c.yaml:5: campaigns[0].segment") &&
                                                      Catch::Contains("nested deeper than 32"));
}

TEST_CASE("segments ignore case in text values when asked to, by Unicode code point") {
  auto value_is = [](std::string v) {
    return [v = std::move(v)](std::string_view) { return std::string_view(v); };
  };
  const Segment exact = Segment::parse("tier == 'Gold'");
  const Segment folded = Segment::parse("tier == 'Gold'", TextCase::insensitive);
  CHECK_FALSE(exact.matches(value_is("GOLD")));
  CHECK(folded.matches(value_is("GOLD")));
  CHECK(folded.matches(value_is("gold")));
  CHECK_FALSE(folded.matches(value_is("golden")));
  // Letters outside ASCII: Latin with accents, Greek, Cyrillic, Georgian Mtavruli -> Mkhedruli
  // (Unicode 11 gave the capitals U+1C90.. lowercase mappings to U+10D0..).
  CHECK(Segment::parse("city == 'été'", TextCase::insensitive).matches(value_is("ÉTÉ")));
  CHECK(Segment::parse("w == 'σοφία'", TextCase::insensitive).matches(value_is("ΣΟΦΊΑ")));
  CHECK(Segment::parse("w == 'москва'", TextCase::insensitive).matches(value_is("МОСКВА")));
  CHECK(Segment::parse("w == 'ოქრო'", TextCase::insensitive).matches(value_is("ᲝᲥᲠᲝ")));
  CHECK_FALSE(Segment::parse("w == 'ოქრო'").matches(value_is("ᲝᲥᲠᲝ")));
  // Hebrew has no case: equal text matches in both modes, different text in neither.
  CHECK(Segment::parse("w == 'זהב'", TextCase::insensitive).matches(value_is("זהב")));
  CHECK_FALSE(Segment::parse("w == 'זהב'", TextCase::insensitive).matches(value_is("כסף")));
  // Simple mappings only: no multi-letter folds.
  CHECK_FALSE(Segment::parse("w == 'straße'", TextCase::insensitive).matches(value_is("STRASSE")));
  // in-lists and ordering fold too; numbers still compare as numbers.
  CHECK(Segment::parse("tier in ('silver', 'gold')", TextCase::insensitive).matches(value_is("GOLD")));
  CHECK(Segment::parse("tier not in ('silver')", TextCase::insensitive).matches(value_is("GOLD")));
  CHECK(Segment::parse("tier < 'BANANA'", TextCase::insensitive).matches(value_is("apple")));
  CHECK_FALSE(Segment::parse("tier < 'BANANA'").matches(value_is("apple")));  // 'B' (66) < 'a' (97)
  CHECK(Segment::parse("n == 10", TextCase::insensitive).matches(value_is("10.0")));
  // Bytes that are not UTF-8 stand for themselves: two different ones never compare equal.
  CHECK_FALSE(Segment::parse("w == '\xff'", TextCase::insensitive).matches(value_is("\xfe")));
  CHECK(Segment::parse("w == 'a\xff'", TextCase::insensitive).matches(value_is("A\xff")));
}

TEST_CASE("campaign files: segment_case for the file, overridden per campaign, applies to offers") {
  auto dir = test::fresh_dir("segment_case");
  const CampaignSet set = load_campaigns(
      test::write_file(dir / "c.yaml",
                       "segment_case: insensitive\n"
                       "campaigns:\n"
                       "  - id: folded\n    budget: 1\n    target: {include: [US]}\n"
                       "    segment: \"tier == 'gold'\"\n"
                       "    offers: [{id: o, text: t, segment: \"channel == 'web'\"}]\n"
                       "  - id: exact\n    budget: 1\n    target: {include: [US]}\n    segment_case: exact\n"
                       "    segment: \"tier == 'gold'\"\n")
          .string());
  const std::map<std::string, std::string> row = {{"tier", "GOLD"}, {"channel", "Web"}};
  auto value_of = [&](std::string_view c) -> std::string_view {
    auto it = row.find(std::string(c));
    return it == row.end() ? std::string_view() : std::string_view(it->second);
  };
  REQUIRE(set.campaigns.size() == 2);
  CHECK(set.campaigns[0].segment.matches(value_of));
  CHECK(set.campaigns[0].offer_for(value_of) != nullptr);
  CHECK_FALSE(set.campaigns[1].segment.matches(value_of));
  CHECK_THROWS_WITH(
      load_campaigns(test::write_file(dir / "bad.yaml", "segment_case: lower\ncampaigns:\n  - id: a\n    budget: 1\n"
                                                        "    target: {include: [US]}\n")
                         .string()),
      Catch::Contains("bad.yaml:1: segment_case: exact or insensitive, not 'lower'"));
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

// fuzz_campaigns: a mapping where a list belongs made yaml-cpp throw InvalidNode through
// load_campaigns ("geotarget: internal error: invalid node; ..." from the CLI).
TEST_CASE("campaign files: a mapping or scalar where a list belongs is an error naming the field") {
  auto dir = test::fresh_dir("campaign_lists");
  auto load = [&](const std::string& text) { return load_campaigns(test::write_file(dir / "c.yaml", text).string()); };
  const std::string head = "campaigns:\n  - id: a\n    budget: 100\n";
  const std::string target = head + "    target:\n      include: [US-CA]\n";
  CHECK_THROWS_WITH(load(head + "    target: {include: {US-CA: 1}}\n"),
                    Catch::Contains("c.yaml:4: campaigns[0].target.include: must be a list"));
  CHECK_THROWS_WITH(load(head + "    target: {places: US-CA}\n"),
                    Catch::Contains("c.yaml:4: campaigns[0].target.places: must be a list"));
  CHECK_THROWS_WITH(load(head + "    target:\n      radius: {lat: 41.9, lon: -87.6, km: 10}\n"),
                    Catch::Contains("c.yaml:5: campaigns[0].target.radius: must be a list"));
  CHECK_THROWS_WITH(load(target + "      polygons: {zone: z.geojson}\n"),
                    Catch::Contains("c.yaml:6: campaigns[0].target.polygons: must be a list"));
  CHECK_THROWS_WITH(load(target + "      exclude: {places: {US-06075: 1}}\n"),
                    Catch::Contains("c.yaml:6: campaigns[0].target.exclude.places: must be a list"));
  CHECK_THROWS_WITH(load(target + "      exclude: [[US-06075]]\n"),
                    Catch::Contains("c.yaml:6: campaigns[0].target.exclude: must be a list of place ids"));
  CHECK_THROWS_WITH(load(head + "    target: {include: [US-CA, {US-NY: 1}]}\n"),
                    Catch::Contains("c.yaml:4: campaigns[0].target.include: must be a list of place ids"));
  CHECK_THROWS_WITH(load(target + "    offers: {id: o, text: hi}\n"),
                    Catch::Contains("c.yaml:6: campaigns[0].offers: must be a list"));
  CHECK_NOTHROW(load(target + "      radius: []\n    offers: []\n"));
}

// Found in review while writing fuzz_campaigns, confirmed there under UBSan: priority 1e300 was
// cast to int (undefined behaviour), and llround of more cents than int64 holds gave INT64_MIN,
// so a huge budget read as "missing" and a huge min_per_area as a negative one.
TEST_CASE("campaign files: amounts and priorities too large to hold are errors naming the field") {
  auto dir = test::fresh_dir("campaign_huge");
  auto load = [&](const std::string& text) { return load_campaigns(test::write_file(dir / "c.yaml", text).string()); };
  const std::string id = "campaigns:\n  - id: a\n    target: {include: [US-CA]}\n";
  const std::string head = id + "    budget: 100\n";
  CHECK_THROWS_WITH(load(id + "    budget: 100000000000000000\n"),
                    Catch::Contains("c.yaml:4: campaigns[0].budget: '100000000000000000' is above the maximum"));
  CHECK_THROWS_WITH(load(head + "    allocation: {min_per_area: 1e300}\n"),
                    Catch::Contains("campaigns[0].allocation.min_per_area: must be an amount"));
  CHECK_THROWS_WITH(load(head + "    priority: 1e300\n"), Catch::Contains("c.yaml:5: campaigns[0].priority: must be a whole number"));
  CHECK_THROWS_WITH(load(head + "    priority: -3000000000\n"), Catch::Contains("campaigns[0].priority"));
  const CampaignSet ok = load(head + "    priority: -5\n    allocation: {max_per_area: 1000000000000}\n");
  CHECK(ok.campaigns[0].priority == -5);
  CHECK(ok.campaigns[0].allocation.max_per_area_cents == kMaxMoneyCents);
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

namespace {

struct Zone {
  std::string id, wkt;
};

// One campaign per zone, targeting the zone's polygon file, and a place index with the same
// polygons as districts: the two answers for one point side by side.
class Zones {
 public:
  Zones(const std::string& name, const std::vector<Zone>& zones) {
    const auto dir = test::fresh_dir("zones_" + name);
    std::string campaigns = "campaigns:\n", csv = "id,name,WKT\n";
    for (const Zone& z : zones) {
      test::write_file(dir / (z.id + ".wkt"), z.wkt);
      campaigns += "  - {id: " + z.id + ", budget: 1, target: {polygons: [" + z.id + ".wkt]}}\n";
      csv += z.id + "," + z.id + ",\"" + z.wkt + "\"\n";
    }
    set_ = load_campaigns(test::write_file(dir / "campaigns.yaml", campaigns).string());
    test::write_file(dir / "district.csv", csv);
    index_ = PlaceIndex::load(test::write_file(dir / "manifest.yaml",
        "name: " + name + "\nlevels:\n  - {level: district, source: district.csv, id: id, name: name}\n").string());
  }
  /// The ids of the campaigns targeting the point, comma-separated.
  [[nodiscard]] std::string campaigns_at(double lon, double lat) const {
    std::string ids;
    for (const Campaign& c : set_.campaigns)
      if (c.targets(PlaceChain{}, {lat, lon})) ids += (ids.empty() ? "" : ",") + c.id;
    return ids;
  }
  [[nodiscard]] std::string place_at(double lon, double lat) const {
    const Place* p = index_->place_at({lat, lon}, PlaceLevel::district);
    return p ? p->id : "";
  }

 private:
  CampaignSet set_;
  std::shared_ptr<const PlaceIndex> index_;
};

struct Probe {
  double lon, lat;
  const char* zone;   // the campaigns targeting the point ("" for none)
  const char* place;  // the place index's answer: the same, except where nothing lies east
};

void check_zones(const Zones& zones, const std::vector<Probe>& table) {
  for (const Probe& p : table) {
    INFO("lon " << p.lon << " lat " << p.lat);
    CHECK(zones.campaigns_at(p.lon, p.lat) == p.zone);
    CHECK(zones.place_at(p.lon, p.lat) == p.place);
  }
}

}  // namespace

TEST_CASE("campaign polygons: a shared border belongs to the zone east (then north) of it, as places do") {
  // The border runs (1 0) -> (1.5 1) -> (1 2); west lies left of it, east right.
  const Zones zones("shared_border", {{"west", "POLYGON((0 0,1 0,1.5 1,1 2,0 2,0 0))"},
                                      {"east", "POLYGON((1 0,2 0,2 2,1 2,1.5 1,1 0))"}});
  check_zones(zones, {
      {0.5, 1, "west", "west"}, {1.75, 1, "east", "east"},
      {1.25, 0.5, "east", "east"},    // on the lower shared edge
      {1.25, 1.5, "east", "east"},    // on the upper shared edge
      {1.5, 1, "east", "east"},       // the shared vertex inside the border
      {1, 0, "east", "east"},         // the shared vertex on the south side: north-east is east
      {1.25 - 1e-12, 0.5, "west", "west"}, {1.25 + 1e-12, 0.5, "east", "east"},
      {0, 1, "west", "west"},         // outer west edge
      {0.5, 0, "west", "west"},       // outer south edge
      // Nothing lies east (north) of these: no zone contains them; the place index still
      // gives them to the lowest-numbered polygon whose boundary they are on.
      {1, 2, "", "east"},             // the shared vertex on the north side
      {0.5, 2, "", "west"},           // outer north edge
      {2, 1, "", "east"},             // outer east edge
      {2.5, 1, "", ""},
  });
}

TEST_CASE("campaign polygons: a hole's edge belongs to whatever lies east (north) of it") {
  const Zones zones("hole", {{"ring", "POLYGON((0 0,4 0,4 4,0 4,0 0),(1 1,3 1,3 3,1 3,1 1))"},
                             {"island", "POLYGON((1 1,3 1,3 3,1 3,1 1))"}});
  check_zones(zones, {
      {0.5, 0.5, "ring", "ring"}, {2, 2, "island", "island"},
      {1, 2, "island", "island"},     // the hole's west edge: east of it is the hole
      {3, 2, "ring", "ring"},         // the hole's east edge
      {2, 1, "island", "island"},     // the hole's south edge: north of it is the hole
      {2, 3, "ring", "ring"},         // the hole's north edge
      {1, 1, "island", "island"}, {3, 1, "ring", "ring"}, {1, 3, "ring", "ring"}, {3, 3, "ring", "ring"},
  });
  const Zones ring_only("hole_alone", {{"ring", "POLYGON((0 0,4 0,4 4,0 4,0 0),(1 1,3 1,3 3,1 3,1 1))"}});
  check_zones(ring_only, {
      {2, 2, "", ""},
      {1, 2, "", "ring"},             // nothing east of it: the place index falls back on the boundary
      {3, 2, "ring", "ring"},
      {2, 1, "", "ring"},
      {2, 3, "ring", "ring"},
  });
}

TEST_CASE("campaign polygons: longitude 180 is -180, so a zone cut at the antimeridian is whole") {
  const Zones fiji("antimeridian_parts",
      {{"FJ", "MULTIPOLYGON(((177 -19,180 -19,180 -16,177 -16,177 -19)),((-180 -19,-178 -19,-178 -16,-180 -16,-180 -19)))"},
       {"XX", "POLYGON((170 -19,177 -19,177 -16,170 -16,170 -19))"}});
  check_zones(fiji, {
      {179, -17.5, "FJ", "FJ"}, {-179, -17.5, "FJ", "FJ"},
      {180, -17.5, "FJ", "FJ"}, {-180, -17.5, "FJ", "FJ"},
      {177, -17.5, "FJ", "FJ"},       // XX|FJ edge: east
      {175, -17.5, "XX", "XX"},
      {-178, -17.5, "", "FJ"},        // Fiji's east edge faces the sea
      {-177.9, -17.5, "", ""},
  });
  // Two zones meeting at the antimeridian: the meridian belongs to the one east of it.
  const Zones halves("antimeridian_halves", {{"west_of_180", "POLYGON((170 -10,180 -10,180 10,170 10,170 -10))"},
                                             {"east_of_180", "POLYGON((-180 -10,-170 -10,-170 10,-180 10,-180 -10))"}});
  check_zones(halves, {
      {180, 0, "east_of_180", "east_of_180"}, {-180, 0, "east_of_180", "east_of_180"},
      {179.999, 0, "west_of_180", "west_of_180"}, {-179.999, 0, "east_of_180", "east_of_180"},
      {180, -10, "east_of_180", "east_of_180"},
  });
}

TEST_CASE("money is exact decimal text within the currency's decimals and a maximum, currencies are ISO codes") {
  auto dir = test::fresh_dir("campaign_money");
  auto load = [&](const std::string& currency, const std::string& budget, const std::string& extra = "") {
    return load_campaigns(test::write_file(dir / "c.yaml", "currency: " + currency + "\ncampaigns:\n  - id: a\n"
                                                           "    budget: " + budget + "\n    target: {include: [US]}\n" +
                                                           extra)
                              .string());
  };
  CHECK(load("USD", "1000").campaigns[0].budget_cents == 100000);
  CHECK(load("USD", "1000.5").campaigns[0].budget_cents == 100050);
  CHECK(load("EUR", "0.07").campaigns[0].budget_cents == 7);  // 0.07 is not exact as a double
  CHECK(load("JPY", "250000").campaigns[0].budget_cents == 25000000);
  CHECK(load("USD", "1000000000000").campaigns[0].budget_cents == kMaxMoneyCents);
  CHECK_THROWS_WITH(load("USD", "1000.005"), Catch::Contains("c.yaml:4: campaigns[0].budget") &&
                                                 Catch::Contains("more than 2 decimals"));
  CHECK_THROWS_WITH(load("JPY", "100.5"), Catch::Contains("more than 0 decimals"));
  CHECK_THROWS_WITH(load("USD", "1e300"), Catch::Contains("campaigns[0].budget: must be an amount"));
  CHECK_THROWS_WITH(load("USD", "1000000000000.01"), Catch::Contains("above the maximum"));
  CHECK_THROWS_WITH(load("USD", "99999999999999999999"), Catch::Contains("above the maximum"));
  CHECK_THROWS_WITH(load("USD", "-5"), Catch::Contains("must be an amount"));
  CHECK_THROWS_WITH(load("USD", "100", "    allocation: {min_per_area: 1e20}\n"),
                    Catch::Contains("campaigns[0].allocation.min_per_area: must be an amount"));
  CHECK_THROWS_WITH(load("USD", "100", "    allocation: {min_audience: 1e20}\n"),
                    Catch::Contains("campaigns[0].allocation.min_audience: must be a whole number"));
  CHECK_THROWS_WITH(load("\"<script>alert(1)</script>\"", "100"), Catch::Contains("c.yaml:1: currency") &&
                                                                     Catch::Contains("three capital letters"));
  CHECK_THROWS_WITH(load("usd", "100"), Catch::Contains("three capital letters"));
  CHECK_THROWS_WITH(load_campaigns(test::write_file(dir / "e.yaml", "campaigns:\n  - id: \"\"\n    budget: 1\n"
                                                                    "    target: {include: [US]}\n")
                                       .string()),
                    Catch::Contains("campaigns[0].id: must not be empty"));
}
