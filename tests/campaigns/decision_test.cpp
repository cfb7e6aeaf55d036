// The compiled decision table: places and campaigns per IP record, checked against known
// places and against the uncompiled path (resolver, then place index, then campaign targets).
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <random>
#include <unistd.h>

#include "geotarget/decision.hpp"
#include "geotarget/mmdb_writer.hpp"
#include "geotarget/record_places.hpp"
#include "test_support.hpp"

using namespace geotarget;

namespace {

// Networks chosen so that one /24 (63.140.5.0/24) is split between two records and a gap.
const char* kNetworks = R"(network,latitude,longitude,country_code,state1,city,postcode,timezone
63.141.0.0/16,37.7749,-122.4194,US,California,San Francisco,94103,America/Los_Angeles
63.140.5.0/25,34.0522,-118.2437,US,California,Los Angeles,90012,America/Los_Angeles
63.140.5.128/26,36.1699,-115.1398,US,Nevada,Las Vegas,89101,America/Los_Angeles
24.12.0.0/16,41.8781,-87.6298,US,Illinois,Chicago,60602,America/Chicago
196.0.0.0/16,,,KE,,,,
2001:4860::/32,37.422,-122.084,US,California,Mountain View,94043,America/Los_Angeles
)";

const char* kCampaigns = R"yaml(currency: USD
campaigns:
  - id: west
    budget: 1000
    priority: 10
    target: {include: [US-CA], exclude: [US-06075]}
    offers: [{id: west-10}]
  - id: us-members
    budget: 1000
    priority: 5
    target: {include: [US]}
    segment: "tier in ('gold', 'silver')"
    offers:
      - {id: gold-20, segment: "tier == 'gold'"}
      - {id: member-5}
  - id: chicago-store
    budget: 1000
    priority: 20
    level: postal
    target: {radius: [{lat: 41.8781, lon: -87.6298, km: 10}]}
    offers: [{id: opening}]
  - id: future
    budget: 1000
    dates: {start: 2999-01-01, end: 2999-12-31}
    target: {include: [US]}
    offers: [{id: later}]
  - id: kenya
    budget: 1000
    target: {include: [KE]}
    offers: [{id: karibu}]
)yaml";

struct Fixture {
  Fixture() {
    // Per process: ctest runs each test case as its own process, several at once.
    auto dir = test::fresh_dir("decision-" + std::to_string(getpid()));
    test::write_file(dir / "networks.csv", kNetworks);
    build_mmdb((dir / "networks.csv").string(), (dir / "networks.mmdb").string());
    test::write_file(dir / "campaigns.yaml", kCampaigns);
    sources = {{(dir / "networks.mmdb").string()}, test::source_path("geodata/default.yaml").string(),
               (dir / "campaigns.yaml").string(), {}, {}};
    table = DecisionTable::load(sources);
  }
  DecisionSources sources;
  std::shared_ptr<const DecisionTable> table;
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

IpAddress ip(const char* text) {
  IpAddress a;
  REQUIRE(parse_ip(text, a));
  return a;
}

std::vector<std::string> chosen_ids(const Decision& d, const VisitorAttributes* visitor = nullptr,
                                    std::int64_t day = DecisionTable::today()) {
  std::array<CampaignChoice, 16> out;
  std::size_t n = fixture().table->choose(d, day, visitor, out);
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < n; ++i) ids.push_back(out[i].campaign->id);
  return ids;
}

std::string district(const Decision& d) {
  const Place* p = d.places[PlaceLevel::district];
  return p ? p->id : "";
}

bool same_number(double a, double b) { return a == b || (a != a && b != b); }

std::int64_t day_of(int y, unsigned m, unsigned d) {
  return std::chrono::sys_days{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}}
      .time_since_epoch()
      .count();
}

}  // namespace

TEST_CASE("decisions carry the visitor's places and the campaigns targeting them, by priority") {
  const DecisionTable& t = *fixture().table;
  Decision sf = t.decide(ip("63.141.7.9"));
  REQUIRE(sf.status == LookupStatus::found);
  CHECK(sf.location->city == "San Francisco");
  CHECK(district(sf) == "US-06075");  // San Francisco County: excluded from `west`
  CHECK(chosen_ids(sf) == std::vector<std::string>{"us-members"});

  Decision la = t.decide(ip("63.140.5.1"));
  CHECK(district(la) == "US-06037");  // Los Angeles County
  CHECK(chosen_ids(la) == std::vector<std::string>{"west", "us-members"});

  Decision vegas = t.decide(ip("63.140.5.130"));
  CHECK(district(vegas) == "US-32003");  // Clark County, Nevada
  CHECK(chosen_ids(vegas) == std::vector<std::string>{"us-members"});

  Decision chicago = t.decide(ip("24.12.200.1"));
  CHECK(district(chicago) == "US-17031");  // Cook County
  CHECK(chosen_ids(chicago) == std::vector<std::string>{"chicago-store", "us-members"});

  Decision mountain_view = t.decide(ip("2001:4860:1::5"));  // IPv6: the resolver's tree path
  CHECK(district(mountain_view) == "US-06085");             // Santa Clara County
  CHECK(chosen_ids(mountain_view) == std::vector<std::string>{"west", "us-members"});
}

TEST_CASE("a /24 shared by several networks answers each part, and its gap is a miss") {
  const DecisionTable& t = *fixture().table;
  CHECK(t.decide(ip("63.140.5.127")).location->city == "Los Angeles");
  CHECK(t.decide(ip("63.140.5.128")).location->city == "Las Vegas");
  CHECK(t.decide(ip("63.140.5.191")).location->city == "Las Vegas");
  CHECK(t.decide(ip("63.140.5.192")).status == LookupStatus::not_found);
  CHECK(t.decide(ip("63.140.4.255")).status == LookupStatus::not_found);
  CHECK(t.decide(ip("8.8.8.8")).status == LookupStatus::not_found);
  Decision private_use = t.decide(ip("10.1.2.3"));
  CHECK(private_use.status == LookupStatus::special_range);
  CHECK(private_use.address_class == AddressClass::private_use);
  CHECK(private_use.candidates.empty());
}

TEST_CASE("a record without coordinates is placed by its country code, at country precision") {
  Decision kenya = fixture().table->decide(ip("196.0.3.4"));
  REQUIRE(kenya.status == LookupStatus::found);
  CHECK_FALSE(kenya.location->has_coordinates());
  CHECK(kenya.precision == Precision::country);
  REQUIRE(kenya.places[PlaceLevel::country] != nullptr);
  CHECK(kenya.places[PlaceLevel::country]->id == "KE");
  CHECK(kenya.places[PlaceLevel::region] == nullptr);
  CHECK(kenya.places[PlaceLevel::district] == nullptr);
  // `kenya` splits its budget by district (the default level): a visitor known only by the
  // country has no district to count in, so the campaign is not chosen (issue 12, item 5).
  CHECK(chosen_ids(kenya).empty());
}

TEST_CASE("campaign dates, visitor segments and offers are decided per request") {
  const DecisionTable& t = *fixture().table;
  Decision la = t.decide(ip("63.140.5.1"));
  CHECK(chosen_ids(la, nullptr, day_of(2999, 6, 1)) == std::vector<std::string>{"west", "us-members", "future"});
  CHECK(chosen_ids(la, nullptr, day_of(2999, 1, 1)).back() == "future");  // dates are inclusive
  CHECK(chosen_ids(la, nullptr, day_of(3000, 1, 1)).back() == "us-members");

  std::array<std::pair<std::string_view, std::string_view>, 1> gold{{{"tier", "gold"}}};
  std::array<std::pair<std::string_view, std::string_view>, 1> bronze{{{"tier", "bronze"}}};
  VisitorAttributes gold_visitor(gold), bronze_visitor(bronze);
  CHECK(chosen_ids(la, &bronze_visitor) == std::vector<std::string>{"west"});  // not a member

  std::array<CampaignChoice, 8> out;
  REQUIRE(t.choose(la, DecisionTable::today(), &gold_visitor, out) == 2);
  CHECK(out[1].campaign->id == "us-members");
  CHECK(out[1].offer->id == "gold-20");
  REQUIRE(t.choose(la, DecisionTable::today(), nullptr, out) == 2);
  CHECK(out[1].offer->id == "member-5");  // anonymous: the first offer meant for everyone
  CHECK(out[0].area->id == "US-06037");   // `west` splits by district

  Decision chicago = t.decide(ip("24.12.200.1"));
  REQUIRE(t.choose(chicago, DecisionTable::today(), nullptr, out) == 2);
  REQUIRE(out[0].area != nullptr);
  CHECK(out[0].area == chicago.places[PlaceLevel::postal]);  // `chicago-store` is by postal area
  CHECK(out[0].area->id.starts_with("US-ZIP-606"));
}

TEST_CASE("compiled decisions agree with the uncompiled path on every address tried") {
  const DecisionTable& t = *fixture().table;
  const CampaignSet& campaigns = t.campaigns();
  auto expect_same = [&](const IpAddress& a) {
    const Decision d = t.decide(a);
    const IpLookup r = t.resolver().lookup(a);
    REQUIRE(d.status == r.status);
    if (r.status != LookupStatus::found) return;
    REQUIRE(d.location == r.location);
    REQUIRE(d.precision == r.location->precision);
    PlaceChain chain;
    place_record(t.places(), *r.location, chain);
    REQUIRE(d.places.at == chain.at);
    REQUIRE(same_number(d.position.lat, r.location->position.lat));
    REQUIRE(same_number(d.position.lon, r.location->position.lon));
    // A campaign split below the region needs a city; radius and polygon targets a city too.
    const bool city = r.location->precision == Precision::city;
    const LatLng point = city ? r.location->position : LatLng{};
    std::vector<std::uint16_t> expected;
    for (std::size_t i = 0; i < campaigns.campaigns.size(); ++i) {
      const Campaign& c = campaigns.campaigns[i];
      const bool reaches = city || (c.level == PlaceLevel::region && r.location->precision == Precision::region);
      if (reaches && c.targets(chain, point)) expected.push_back(static_cast<std::uint16_t>(i));
    }
    std::vector<std::uint16_t> got(d.candidates.begin(), d.candidates.end());
    std::sort(got.begin(), got.end());
    REQUIRE(got == expected);
  };
  for (std::uint32_t last = 0; last < 512; ++last) expect_same(IpAddress::v4((63u << 24 | 140u << 16 | 4u << 8) + last));
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    expect_same(IpAddress::v4(rng()));
    expect_same(IpAddress::v4((24u << 24 | 12u << 16) | (rng() & 0xffff)));
    expect_same(IpAddress::v4((196u << 24) | (rng() & 0xffff)));
  }
}

TEST_CASE("MaxMind's GeoIP2-City-Test database compiles, and London is in Great Britain") {
  auto dir = test::mmdb_testdata();
  if (dir.empty()) GEOTARGET_SKIP("../shared/mmdb-testdata is absent");
  DecisionSources s{{(dir / "test-data" / "GeoIP2-City-Test.mmdb").string()},
                    test::source_path("geodata/default.yaml").string(), "", {}, {}};
  auto t = DecisionTable::load(s);
  Decision london = t->decide(ip("81.2.69.160"));
  REQUIRE(london.status == LookupStatus::found);
  CHECK(london.location->city == "London");
  REQUIRE(london.places[PlaceLevel::country] != nullptr);
  CHECK(london.places[PlaceLevel::country]->id == "GB");
  CHECK(london.candidates.empty());
  CHECK(t->decide(ip("2001:218::1")).location->country == "JP");
  for (std::uint32_t a = (81u << 24 | 2u << 16); a < (81u << 24 | 3u << 16); a += 7) {
    const Decision d = t->decide(IpAddress::v4(a));
    const IpLookup r = t->resolver().lookup(IpAddress::v4(a));
    REQUIRE(d.status == r.status);
    REQUIRE(d.location == r.location);
  }
}

TEST_CASE("visitor attributes parse from column:value pairs") {
  std::array<std::pair<std::string_view, std::string_view>, 3> out;
  std::size_t n = 0, bad = 0;
  CHECK(parse_visitor_attributes("tier:gold,days:40", out, n, bad));
  CHECK(n == 2);
  CHECK(out[0] == std::pair<std::string_view, std::string_view>{"tier", "gold"});
  CHECK(out[1] == std::pair<std::string_view, std::string_view>{"days", "40"});
  CHECK(parse_visitor_attributes("", out, n, bad));
  CHECK(n == 0);
  CHECK(parse_visitor_attributes("note:a:b", out, n, bad));  // only the first ':' splits
  CHECK(out[0].second == "a:b");
  CHECK_FALSE(parse_visitor_attributes("tier:gold,oops", out, n, bad));
  CHECK(bad == 2);
  CHECK_FALSE(parse_visitor_attributes(":gold", out, n, bad));
  CHECK(bad == 1);
  CHECK_FALSE(parse_visitor_attributes("a:1,b:2,c:3,d:4", out, n, bad));  // more than fit
  CHECK(bad == 4);
}

// The default-location trap (issue 12): MaxMind's test records without a city carry a point
// (149.101.100.0: 37.751,-97.822, the database's "somewhere in the US", in Reno County,
// Kansas). Such a visitor gets no district, town or ZIP, and no campaign split below its
// precision. Expected places come from the records' JSON source and ISO 3166-2.
TEST_CASE("IP visitors are placed only as precisely as their record, in decisions too", "[maxmind]") {
  auto data = test::mmdb_testdata();
  if (data.empty()) GEOTARGET_SKIP("../shared/mmdb-testdata is absent");
  auto dir = test::fresh_dir("decision-precision-" + std::to_string(getpid()));
  test::write_file(dir / "campaigns.yaml", R"yaml(currency: USD
campaigns:
  - {id: gb-towns, budget: 100, level: town, target: {include: [GB]}, offers: [{id: a}]}
  - {id: gb-regions, budget: 100, level: region, target: {include: [GB]}, offers: [{id: b}]}
  - {id: california, budget: 100, level: region, target: {include: [US-CA]}, offers: [{id: c}]}
  - {id: reno-county, budget: 100, level: district, target: {include: [US-20155]}, offers: [{id: d}]}
  - {id: kansas-radius, budget: 100, level: postal, target: {radius: [{lat: 37.751, lon: -97.822, km: 50}]}, offers: [{id: e}]}
)yaml");
  DecisionSources s{{(data / "test-data" / "GeoIP2-City-Test.mmdb").string()},
                    test::source_path("geodata/default.yaml").string(), (dir / "campaigns.yaml").string(), {}, {}};
  s.ip.special_ranges_miss = false;
  auto t = DecisionTable::load(s);
  auto id_at = [](const Decision& d, PlaceLevel level) {
    const Place* p = d.places[level];
    return p ? p->id : std::string();
  };
  auto chosen = [&](const Decision& d) {
    std::array<CampaignChoice, 8> out;
    std::vector<std::string> ids;
    for (std::size_t i = 0, n = t->choose(d, DecisionTable::today(), nullptr, out); i < n; ++i)
      ids.push_back(out[i].campaign->id);
    std::sort(ids.begin(), ids.end());
    return ids;
  };

  const Decision us = t->decide(ip("149.101.100.1"));
  REQUIRE(us.status == LookupStatus::found);
  CHECK(us.precision == Precision::country);
  CHECK(id_at(us, PlaceLevel::country) == "US");
  for (PlaceLevel l : {PlaceLevel::region, PlaceLevel::district, PlaceLevel::town, PlaceLevel::postal})
    CHECK(id_at(us, l).empty());
  CHECK(chosen(us).empty());

  const Decision california = t->decide(ip("214.78.124.1"));  // CA named, no city
  CHECK(california.precision == Precision::region);
  CHECK(id_at(california, PlaceLevel::region) == "US-CA");
  CHECK(id_at(california, PlaceLevel::district).empty());
  CHECK(chosen(california) == std::vector<std::string>{"california"});

  const Decision london = t->decide(ip("81.2.69.142"));
  CHECK(london.precision == Precision::city);
  CHECK(id_at(london, PlaceLevel::region) == "GB-ENG");
  REQUIRE(london.places[PlaceLevel::town] != nullptr);
  CHECK(london.places[PlaceLevel::town]->name == "London");
  CHECK(chosen(london) == std::vector<std::string>{"gb-regions", "gb-towns"});

  // Named Boxford (West Berkshire) but its point, 51.75,-1.25, is Oxford's: a city record is
  // placed by its coordinates, in Oxfordshire.
  const Decision boxford = t->decide(ip("2.125.160.216"));
  CHECK(id_at(boxford, PlaceLevel::region) == "GB-ENG");
  CHECK(id_at(boxford, PlaceLevel::district) == "GB-OXF");

  const Decision gb = t->decide(ip("2a02:d3c0::1"));  // GB, the country's default point
  CHECK(gb.precision == Precision::country);
  CHECK(id_at(gb, PlaceLevel::country) == "GB");
  CHECK(id_at(gb, PlaceLevel::region).empty());
  CHECK(chosen(gb).empty());

  CHECK(id_at(t->decide(ip("175.16.199.1")), PlaceLevel::region) == "CN-JL");  // Changchun, Jilin
  CHECK(id_at(t->decide(ip("89.160.20.113")), PlaceLevel::region) == "SE-E");   // Linköping, Östergötland
}

// A neighbourhood campaign needs a city-precision visitor, as a town campaign does (D33, D44).
// Chicago Loop is GeoNames 8436065 (a section of Chicago, GN-4887398), 0.72 km from the Loop's
// centre 41.8781,-87.6298 by cities1000's coordinates; the second record names only the state.
TEST_CASE("a neighbourhood campaign reaches city-precision visitors in that neighbourhood only") {
  auto dir = test::fresh_dir("decision-neighbourhood-" + std::to_string(getpid()));
  test::write_file(dir / "networks.csv", "network,latitude,longitude,country_code,state1,city,postcode,timezone\n"
                                         "24.12.0.0/16,41.8781,-87.6298,US,Illinois,Chicago,60602,America/Chicago\n"
                                         "24.13.0.0/16,41.8781,-87.6298,US,Illinois,,,America/Chicago\n");
  build_mmdb((dir / "networks.csv").string(), (dir / "networks.mmdb").string());
  test::write_file(dir / "campaigns.yaml", "campaigns:\n"
                                           "  - {id: loop, budget: 100, level: neighbourhood, target: {include: [GN-8436065]}}\n"
                                           "  - {id: chicago, budget: 100, level: town, target: {include: [GN-4887398]}}\n");
  const auto table = DecisionTable::load({{(dir / "networks.mmdb").string()}, test::source_path("geodata/default.yaml").string(),
                                          (dir / "campaigns.yaml").string(), {}, {}});
  auto chosen = [&](const Decision& d) {
    std::array<CampaignChoice, 4> out;
    std::vector<std::string> ids;
    for (std::size_t i = 0, n = table->choose(d, DecisionTable::today(), nullptr, out); i < n; ++i)
      ids.push_back(out[i].campaign->id);
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  const Decision city = table->decide(ip("24.12.1.1"));
  REQUIRE(city.precision == Precision::city);
  REQUIRE(city.places[PlaceLevel::neighbourhood]);
  CHECK(city.places[PlaceLevel::neighbourhood]->id == "GN-8436065");
  CHECK(city.places[PlaceLevel::town]->id == "GN-4887398");
  CHECK(chosen(city) == std::vector<std::string>{"chicago", "loop"});
  const Decision state = table->decide(ip("24.13.1.1"));
  REQUIRE(state.precision != Precision::city);
  CHECK(state.places[PlaceLevel::neighbourhood] == nullptr);
  CHECK(state.places[PlaceLevel::town] == nullptr);
  CHECK(chosen(state).empty());
}
