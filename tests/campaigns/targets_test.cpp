// The targets' R-tree (target_index.hpp) and the stores (stores.hpp): checked against brute
// force over every target, on random points and on the cases where an index can go wrong
// (circles near the poles and across the antimeridian, points on boundaries, ties).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "audience.hpp"
#include "geotarget/allocation_file.hpp"
#include "geotarget/error.hpp"
#include "geotarget/stores.hpp"
#include "point_level.hpp"
#include "target_index.hpp"
#include "test_support.hpp"

using namespace geotarget;
using detail::TargetIndex;

namespace {

// The nearest circle holding the point by a scan of all: least distance, then lower id, then
// lower index. kNoStore when none holds it.
std::uint32_t brute_nearest(const std::vector<RadiusArea>& circles, LatLng p, double& best_km) {
  std::uint32_t best = TargetIndex::kNoStore;
  for (std::uint32_t i = 0; i < circles.size(); ++i) {
    const double km = detail::geodesic_km(p.lat, p.lon, circles[i].centre.lat, circles[i].centre.lon);
    if (km > circles[i].km) continue;
    if (best == TargetIndex::kNoStore || km < best_km || (km == best_km && circles[i].id < circles[best].id))
      best = i, best_km = km;
  }
  return best;
}

Campaign campaign_of(std::string id, std::vector<RadiusArea> radius, std::vector<Polygon> polygons = {}) {
  Campaign c;
  c.id = std::move(id);
  c.budget_cents = 100'000;
  c.include.radius = std::move(radius);
  c.include.polygons = std::move(polygons);
  return c;
}

Polygon square(double west, double south, double east, double north) {
  return {{{west, south}, {east, south}, {east, north}, {west, north}, {west, south}}};
}

// What the index says about one campaign at a point: matched, and its store.
struct Answer {
  bool matched = false;
  std::uint32_t store = TargetIndex::kNoStore;
};
Answer indexed(const TargetIndex& index, std::uint32_t campaign, LatLng p) {
  TargetIndex::Scratch scratch;
  std::vector<TargetIndex::Match> matches;
  index.match(PlaceChain{}, p, scratch, matches);
  for (const auto& m : matches)
    if (m.campaign == campaign) return {true, m.store};
  return {};
}

}  // namespace

TEST_CASE("the nearest store and the matches agree with brute force on random points, ties by id") {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> lat(-89, 89), lon(-180, 180), km(1, 400), unit(0, 1);
  std::vector<RadiusArea> circles;
  for (int i = 0; i < 400; ++i) {
    // A third of the stores near the poles or the antimeridian, where boxes are hardest.
    const double la = i % 3 == 0 ? (i % 2 ? 1 : -1) * (70 + 19 * unit(rng)) : lat(rng);
    const double lo = i % 3 == 1 ? (i % 2 ? 179.9 : -179.9) + 0.1 * unit(rng) * (i % 2 ? 1 : -1) : lon(rng);
    char name[32], id[32];  // (gcc 12 warns falsely on "literal" + std::string here)
    std::snprintf(name, sizeof name, "Store %d", i);
    std::snprintf(id, sizeof id, "s%d", 1000 - i);
    circles.push_back({{la, lo}, km(rng), name, id});
  }
  circles.push_back({{10, 20}, 50, "Twin B", "twin-b"});  // same place: the lower id wins
  circles.push_back({{10, 20}, 50, "Twin A", "twin-a"});
  CampaignSet set;
  set.campaigns.push_back(campaign_of("chain", circles));
  const TargetIndex index(set);

  std::vector<LatLng> points{{10, 20}, {10.1, 20.1}};
  for (int i = 0; i < 3000; ++i) {
    if (i % 2) {
      points.push_back({lat(rng), lon(rng)});
      continue;
    }
    // Near a store, about at its radius: inside and outside by little.
    const RadiusArea& c = circles[static_cast<std::size_t>(i / 2) % circles.size()];
    const double d = c.km * (0.95 + 0.1 * unit(rng)) / 111.2, a = unit(rng) * 2 * 3.141592653589793;
    LatLng p{c.centre.lat + d * std::sin(a), c.centre.lon + d * std::cos(a) / std::max(0.05, std::cos(c.centre.lat * 0.0174533))};
    p.lat = std::clamp(p.lat, -90.0, 90.0);
    if (p.lon > 180) p.lon -= 360;
    if (p.lon < -180) p.lon += 360;
    points.push_back(p);
  }
  std::size_t inside = 0, disagreements = 0;
  for (const LatLng& p : points) {
    double km = 0;
    const std::uint32_t expected = brute_nearest(circles, p, km);
    const Answer got = indexed(index, 0, p);
    inside += expected != TargetIndex::kNoStore;
    disagreements += got.matched != set.campaigns[0].targets(PlaceChain{}, p) || got.store != expected;
  }
  CHECK(disagreements == 0);
  CHECK(inside > 750);  // the test reaches both sides of the circles
  CHECK(indexed(index, 0, {10, 20}).store == circles.size() - 1);  // twin-a

  // The stores index: the nearest within a maximum, whatever each store's own radius.
  std::vector<Store> stores;
  for (const RadiusArea& c : circles) stores.push_back({c.id, c.name, c.centre});
  const StoreIndex nearest(stores);
  for (std::size_t i = 0; i < 1000; ++i) {
    const LatLng p = points[i];
    std::vector<RadiusArea> within = circles;
    for (RadiusArea& c : within) c.km = 300;
    double km = 0;
    const std::uint32_t expected = brute_nearest(within, p, km);
    const NearestStore got = nearest.nearest(p, 300);
    REQUIRE((got.store == nullptr) == (expected == TargetIndex::kNoStore));
    if (got.store) {
      CHECK(got.store->id == circles[expected].id);
      CHECK(got.km == km);
    }
  }
  CHECK(nearest.nearest({10, 20}, 1).store->id == "twin-a");
}

TEST_CASE("a store on the antimeridian holds points on both sides of it") {
  CampaignSet set;
  set.campaigns.push_back(campaign_of("pacific", {{{0, 180}, 50, "Date line", "dl"}, {{-16.5, -179.99}, 30, "Fiji", "fj"}}));
  const TargetIndex index(set);
  CHECK(indexed(index, 0, {0, -179.8}).store == 0);   // 22 km east, across the line
  CHECK(indexed(index, 0, {0, 179.8}).store == 0);    // 22 km west
  CHECK(indexed(index, 0, {0, -180}).store == 0);
  CHECK_FALSE(indexed(index, 0, {0, 179}).matched);   // 111 km
  CHECK(indexed(index, 0, {-16.5, 179.9}).store == 1);
  const StoreIndex stores({{"dl", "Date line", {0, 180}}, {"fj", "Fiji", {-16.5, -179.99}}});
  CHECK(stores.nearest({0.1, -179.9}, 30).store->id == "dl");
  CHECK(stores.nearest({-16.4, 179.95}, 30).store->id == "fj");
  CHECK(stores.nearest({0, 170}, 30).store == nullptr);
}

TEST_CASE("polygon and radius targets through the index keep the boundary rule") {
  // Two zones sharing the edge lon = 1: a point on it is in the east one only, as the place
  // index decides; a point on the east edge of the east zone (nothing east of it) is in none.
  CampaignSet set;
  set.campaigns.push_back(campaign_of("west", {}, {square(0, 0, 1, 1)}));
  set.campaigns.push_back(campaign_of("east", {}, {square(1, 0, 2, 1)}));
  // A zone cut at the antimeridian, in two parts: lon 180 is read as -180.
  set.campaigns.push_back(campaign_of("cut", {}, {square(170, 10, 180, 20), square(-180, 10, -170, 20)}));
  const double exact_km = detail::geodesic_km(40.1, -100, 40, -100);  // point first, as the test runs
  set.campaigns.push_back(campaign_of("circle", {{{40, -100}, exact_km, "Edge", "edge"}}));
  const TargetIndex index(set);
  struct Case {
    LatLng p;
    bool west, east, cut, circle;
  };
  const Case cases[] = {
      {{0.5, 1}, false, true, false, false},    // on the shared edge: east
      {{0, 1}, false, true, false, false},      // shared vertex, bottom: east (north of it is inside)
      {{1, 1}, false, false, false, false},     // shared vertex, top: nothing north
      {{0.5, 0}, true, false, false, false},    // west edge of west: inside
      {{0.5, 2}, false, false, false, false},   // east edge of east: nothing east
      {{0.5, 0.5}, true, false, false, false},
      {{15, 180}, false, false, true, false},   // on the cut: the part east of it
      {{15, -180}, false, false, true, false},
      {{15, 175}, false, false, true, false},
      {{40.1, -100}, false, false, false, true},  // at exactly the radius: inside
      {{40.1001, -100}, false, false, false, false},
  };
  for (const Case& c : cases) {
    INFO("point " << c.p.lat << ", " << c.p.lon);
    const bool expected[] = {c.west, c.east, c.cut, c.circle};
    for (std::uint32_t k = 0; k < 4; ++k) {
      CHECK(indexed(index, k, c.p).matched == expected[k]);
      CHECK(set.campaigns[k].targets(PlaceChain{}, c.p) == expected[k]);
    }
  }
}

TEST_CASE("overlapping circles: each customer counts for its nearest store only, catchments partition them") {
  const auto dir = test::fresh_dir("targets-catchments-" + std::to_string(getpid()));
  // Three stores in Chicago 4 km apart with 5 km circles (overlapping), and a campaign by store.
  test::write_file(dir / "stores.csv",
                   "id,name,lat,lon\nA,Loop,41.8781,-87.6298\nB,West Loop,41.8781,-87.6780\nC,South,41.8421,-87.6298\n");
  test::write_file(dir / "campaigns.yaml", "campaigns:\n"
                                           "  - {id: chain, budget: 1000.01, level: store,\n"
                                           "     target: {stores: stores.csv, radius_km: 5}}\n");
  auto index = PlaceIndex::load(test::source_path("geodata/default.yaml").string());
  const CampaignSet set = load_campaigns((dir / "campaigns.yaml").string(), index.get());
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> lat(41.78, 41.94), lon(-87.75, -87.56);
  std::ofstream mapped(dir / "mapped.csv");
  mapped << "id,geo_lat,geo_lon,geo_country,geo_region,geo_district,geo_town,geo_postal,geo_neighbourhood\n";  // chain.at order
  std::map<std::string, std::int64_t> expected;
  std::int64_t outside = 0;
  for (int i = 0; i < 3000; ++i) {
    const LatLng p{lat(rng), lon(rng)};
    PlaceChain chain;
    REQUIRE(index->locate(p, chain) == LocateStatus::ok);
    char text[64];
    std::snprintf(text, sizeof text, "%.17g,%.17g", p.lat, p.lon);
    mapped << i << ',' << text;
    for (const Place* place : chain.at) mapped << ',' << (place ? place->id : "");
    mapped << '\n';
    double km = 0;
    const std::uint32_t s = brute_nearest(set.campaigns[0].include.radius, p, km);
    if (s == TargetIndex::kNoStore) ++outside;
    else ++expected[set.campaigns[0].include.radius[s].id];
  }
  mapped.close();
  const auto audience = detail::count_audience((dir / "mapped.csv").string(), set, *index);
  std::map<std::string, std::int64_t> counted;
  std::int64_t sum = 0;
  for (const AllocationArea& a : audience[0].areas) {
    CHECK(a.level == PlaceLevel::store);
    REQUIRE_FALSE(a.ancestors.empty());
    CHECK(a.ancestors.front().id == "US-17031");  // Cook County, where every store is
    counted[a.id] = a.audience, sum += a.audience;
  }
  CHECK(counted == expected);
  CHECK(counted.size() == 3);
  CHECK(static_cast<std::size_t>(sum) == audience[0].targeted);  // no customer in two catchments
  CHECK(static_cast<std::int64_t>(audience[0].targeted) + outside == 3000);

  const AllocationFile allocation = allocate_customers(set, (dir / "mapped.csv").string(), *index);
  std::int64_t cents = allocation.campaigns[0].unspent_cents;
  for (const AreaAllocation& a : allocation.campaigns[0].areas) cents += a.budget_cents;
  CHECK(cents == 100'001);
  CHECK(allocation.campaigns[0].level == PlaceLevel::store);
}

TEST_CASE("store catchments below their minimum audience roll up into the stores' district") {
  const auto dir = test::fresh_dir("targets-rollup-" + std::to_string(getpid()));
  // A in Cook County; B and C in Will County, each with one customer, below the minimum of 2.
  test::write_file(dir / "stores.csv",
                   "id,name,lat,lon\nA,Loop,41.8781,-87.6298\nB,Frankfort,41.5,-87.9\nC,Joliet,41.52,-88.08\n");
  test::write_file(dir / "campaigns.yaml", "campaigns:\n"
                                           "  - {id: chain, budget: 500, level: store, allocation: {min_audience: 2},\n"
                                           "     target: {stores: stores.csv, radius_km: 3}}\n");
  auto index = PlaceIndex::load(test::source_path("geodata/default.yaml").string());
  const CampaignSet set = load_campaigns((dir / "campaigns.yaml").string(), index.get());
  test::write_file(dir / "mapped.csv", "id,geo_lat,geo_lon,geo_country,geo_region,geo_district,geo_town,geo_postal\n"
                                       "1,41.879,-87.63,US,US-IL,US-17031,,\n2,41.877,-87.629,US,US-IL,US-17031,,\n"
                                       "3,41.501,-87.9,US,US-IL,US-17197,,\n4,41.521,-88.08,US,US-IL,US-17197,,\n");
  const AllocationFile a = allocate_customers(set, (dir / "mapped.csv").string(), *index);
  std::map<std::string, const AreaAllocation*> by_id;
  for (const AreaAllocation& area : a.campaigns[0].areas) by_id[area.area_id] = &area;
  REQUIRE(by_id.count("A"));
  CHECK(by_id["A"]->audience == 2);
  CHECK(by_id["A"]->level == PlaceLevel::store);
  for (const char* merged : {"B", "C"}) {
    REQUIRE(by_id.count(merged));
    CHECK(by_id[merged]->binding == Binding::merged);
    CHECK(by_id[merged]->merged_into == "US-17197");  // Will County
  }
  REQUIRE(by_id.count("US-17197"));
  CHECK(by_id["US-17197"]->audience == 2);
  CHECK(by_id["US-17197"]->budget_cents > 0);
  std::int64_t cents = a.campaigns[0].unspent_cents;
  for (const AreaAllocation& area : a.campaigns[0].areas) cents += area.budget_cents;
  CHECK(cents == 50'000);
}

// Sections of New York City (GN-5128581) in GeoNames: Financial District GN-8436473, Hell's
// Kitchen GN-5120442; New York County is US-36061.
TEST_CASE("neighbourhoods below their minimum audience roll up into their town") {
  const auto dir = test::fresh_dir("targets-neighbourhood-" + std::to_string(getpid()));
  test::write_file(dir / "campaigns.yaml", "campaigns:\n"
                                           "  - {id: nyc, budget: 300, level: neighbourhood, allocation: {min_audience: 2},\n"
                                           "     target: {include: [GN-5128581]}}\n");
  auto index = PlaceIndex::load(test::source_path("geodata/default.yaml").string());
  const CampaignSet set = load_campaigns((dir / "campaigns.yaml").string(), index.get());
  const std::string header = "id,geo_lat,geo_lon,geo_country,geo_region,geo_district,geo_town,geo_neighbourhood,geo_postal\n";
  const std::string rows = "1,40.7075,-74.0110,US,US-NY,US-36061,GN-5128581,GN-8436473,\n"
                           "2,40.7080,-74.0090,US,US-NY,US-36061,GN-5128581,GN-8436473,\n"
                           "3,40.7080,-74.0080,US,US-NY,US-36061,GN-5128581,GN-8436473,\n"
                           "4,40.7640,-73.9920,US,US-NY,US-36061,GN-5128581,GN-5120442,\n";
  test::write_file(dir / "mapped.csv", header + rows);
  const AllocationFile a = allocate_customers(set, (dir / "mapped.csv").string(), *index);
  std::map<std::string, const AreaAllocation*> by_id;
  for (const AreaAllocation& area : a.campaigns[0].areas) by_id[area.area_id] = &area;
  REQUIRE(by_id.count("GN-8436473"));
  CHECK(by_id["GN-8436473"]->audience == 3);
  CHECK(by_id["GN-8436473"]->level == PlaceLevel::neighbourhood);
  REQUIRE(by_id.count("GN-5120442"));
  CHECK(by_id["GN-5120442"]->binding == Binding::merged);
  CHECK(by_id["GN-5120442"]->merged_into == "GN-5128581");  // its town, not its county
  REQUIRE(by_id.count("GN-5128581"));
  CHECK(by_id["GN-5128581"]->audience == 1);
  CHECK(by_id["GN-5128581"]->level == PlaceLevel::town);
  std::int64_t cents = a.campaigns[0].unspent_cents;
  for (const AreaAllocation& area : a.campaigns[0].areas) cents += area.budget_cents;
  CHECK(cents == 30'000);
  // A file mapped before the level existed cannot feed a neighbourhood campaign.
  test::write_file(dir / "old.csv", "id,geo_lat,geo_lon,geo_country,geo_region,geo_district,geo_town,geo_postal\n"
                                    "1,40.7075,-74.0110,US,US-NY,US-36061,GN-5128581,\n");
  CHECK_THROWS_WITH(allocate_customers(set, (dir / "old.csv").string(), *index),
                    Catch::Contains("old.csv:1: no column 'geo_neighbourhood'"));
}

TEST_CASE("level store: a store id that is a place id, or another store's, is refused at load") {
  const auto dir = test::fresh_dir("targets-store-ids-" + std::to_string(getpid()));
  auto index = PlaceIndex::load(test::source_path("geodata/default.yaml").string());
  // US-17031 is Cook County's id: with level store it would be both a catchment and the district
  // the catchments roll up into.
  test::write_file(dir / "clash.csv", "id,name,lat,lon\nA,Loop,41.8781,-87.6298\nUS-17031,Cook store,41.9,-87.7\n");
  test::write_file(dir / "c.yaml", "campaigns:\n  - {id: chain, budget: 500, level: store, target: {stores: clash.csv, radius_km: 3}}\n");
  CHECK_THROWS_WITH(load_campaigns((dir / "c.yaml").string(), index.get()),
                    Catch::Contains("c.yaml:2: campaigns[0].target: store id 'US-17031' is also the id of the place Cook (US-17031)") &&
                        Catch::Contains("give the store another id"));
  // Without a place index: a place id the campaign includes.
  test::write_file(dir / "d.yaml", "campaigns:\n  - {id: chain, budget: 500, level: store,\n"
                                   "     target: {include: [US-CA], radius: [{lat: 37.7, lon: -122.4, km: 5, id: US-CA}]}}\n");
  CHECK_THROWS_WITH(load_campaigns((dir / "d.yaml").string()),
                    Catch::Contains("store id 'US-CA' is also the id of the place 'US-CA' that the campaign includes"));
  // Two stores with one id (a radius entry named like a store of the file).
  test::write_file(dir / "ok.csv", "id,name,lat,lon\nA,Loop,41.8781,-87.6298\n");
  test::write_file(dir / "e.yaml", "campaigns:\n  - {id: chain, budget: 500, level: store,\n"
                                   "     target: {stores: ok.csv, radius_km: 3, radius: [{lat: 41.9, lon: -87.7, km: 5, id: A}]}}\n");
  CHECK_THROWS_WITH(load_campaigns((dir / "e.yaml").string(), index.get()), Catch::Contains("store id 'A' is used by two stores"));
  // The same ids are fine where stores are no areas (level district).
  test::write_file(dir / "f.yaml", "campaigns:\n  - {id: chain, budget: 500, target: {stores: clash.csv, radius_km: 3}}\n");
  CHECK(load_campaigns((dir / "f.yaml").string(), index.get()).campaigns.size() == 1);
}

TEST_CASE("allocation files: a store area carries its circle, and files without it still read") {
  const auto dir = test::fresh_dir("targets-catchment-file-" + std::to_string(getpid()));
  test::write_file(dir / "stores.csv", "id,name,lat,lon\nA,Loop,41.8781,-87.6298\nB,Evanston,42.0451,-87.6877\n");
  test::write_file(dir / "campaigns.yaml", "campaigns:\n  - {id: chain, budget: 500, level: store,\n"
                                           "     target: {stores: stores.csv, radius_km: 4.5}}\n");
  auto index = PlaceIndex::load(test::source_path("geodata/default.yaml").string());
  const CampaignSet set = load_campaigns((dir / "campaigns.yaml").string(), index.get());
  test::write_file(dir / "mapped.csv", "id,geo_lat,geo_lon,geo_country,geo_region,geo_district,geo_town,geo_postal\n"
                                       "1,41.879,-87.63,US,US-IL,US-17031,,\n2,42.045,-87.688,US,US-IL,US-17031,,\n");
  write_allocation_file(allocate_customers(set, (dir / "mapped.csv").string(), *index), (dir / "a.json").string());
  const AllocationFile back = read_allocation_file((dir / "a.json").string());
  std::map<std::string, RadiusArea> circles;
  for (const AreaAllocation& a : back.campaigns.at(0).areas)
    if (a.catchment) circles[a.area_id] = *a.catchment;
  REQUIRE(circles.size() == 2);
  CHECK(circles["A"].centre.lat == 41.8781);
  CHECK(circles["A"].centre.lon == -87.6298);
  CHECK(circles["A"].km == 4.5);
  CHECK(circles["B"].name == "Evanston");
  CHECK(back.campaigns[0].target.radius.at(1).id == "B");
  // An older file (no lat, lon, radius_km) reads; half a circle, or a circle on a place area, does not.
  nlohmann::json doc = nlohmann::json::parse(test::read_file(dir / "a.json"));
  auto with_areas = [&](const std::string& name, auto change) {
    nlohmann::json copy = doc;
    for (nlohmann::json& area : copy["campaigns"][0]["areas"]) change(area);
    return test::write_file(dir / name, copy.dump()).string();
  };
  const AllocationFile old = read_allocation_file(with_areas("old.json", [](nlohmann::json& a) {
    for (const char* key : {"lat", "lon", "radius_km"}) a.erase(key);
  }));
  for (const AreaAllocation& a : old.campaigns[0].areas) CHECK_FALSE(a.catchment);
  CHECK_THROWS_WITH(read_allocation_file(with_areas("half.json", [](nlohmann::json& a) { a.erase("radius_km"); })),
                    Catch::Contains("half.json: campaigns[0].areas[0].radius_km: missing"));
  CHECK_THROWS_WITH(read_allocation_file(with_areas("place.json", [](nlohmann::json& a) {
                      a["lat"] = 41.9, a["lon"] = -87.7, a["radius_km"] = 3, a["level"] = "district";
                    })),
                    Catch::Contains("place.json: campaigns[0].areas[0].lat: a circle (lat, lon, radius_km) belongs to a store area only"));
}

TEST_CASE("stores files: CSV or any OGR point source, every bad row an error naming it") {
  const auto dir = test::fresh_dir("targets-stores-" + std::to_string(getpid()));
  auto load = [&](const std::string& name, const std::string& text) {
    return load_stores(test::write_file(dir / name, text).string());
  };
  const auto good = load("good.csv", "ID,Name,Latitude,Longitude,manager\nA,\"Main St, 1\",40.1,-73.2,Jo\nB,Pier,-33.9,151.2,Al\n");
  REQUIRE(good.size() == 2);
  CHECK(good[0].name == "Main St, 1");
  CHECK(good[1].point.lon == 151.2);
  CHECK_THROWS_WITH(load("dup.csv", "id,name,lat,lon\nA,x,1,2\nA,y,3,4\n"), Catch::Contains("dup.csv:3: duplicate store id 'A'"));
  CHECK_THROWS_WITH(load("lat.csv", "id,name,lat,lon\nA,x,91,2\n"), Catch::Contains("lat.csv:2: lat 91 is outside"));
  CHECK_THROWS_WITH(load("noid.csv", "id,name,lat,lon\n,x,1,2\n"), Catch::Contains("noid.csv:2: the store has no id"));
  CHECK_THROWS_WITH(load("cols.csv", "id,lat,lon\nA,1,2\n"), Catch::Contains("cols.csv:1: no name column"));
  CHECK_THROWS_WITH(load("empty.csv", "id,name,lat,lon\n"), Catch::Contains("no store"));
  CHECK_THROWS_WITH(load_stores("/vsicurl/http://example.com/s.csv"), Catch::Contains("not allowed"));
  CHECK_THROWS_WITH(load_stores("https://example.com/s.csv"), Catch::Contains("URLs are not allowed"));
  const auto geojson = load("stores.geojson", R"({"type":"FeatureCollection","features":[
    {"type":"Feature","properties":{"id":"G1","name":"Harbour"},"geometry":{"type":"Point","coordinates":[151.2,-33.86]}}]})");
  REQUIRE(geojson.size() == 1);
  CHECK(geojson[0].id == "G1");
  CHECK(geojson[0].point.lat == -33.86);
  CHECK_THROWS_WITH(load("line.geojson", R"({"type":"FeatureCollection","features":[
    {"type":"Feature","properties":{"id":"L","name":"x"},"geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]}}]})"),
                    Catch::Contains("not a point"));

  // From a campaigns file: every store a circle; errors name the campaigns file and field.
  test::write_file(dir / "c.yaml", "campaigns:\n  - {id: c, budget: 1, target: {stores: good.csv, radius_km: 8}}\n");
  const CampaignSet set = load_campaigns((dir / "c.yaml").string());
  REQUIRE(set.campaigns[0].include.radius.size() == 2);
  CHECK(set.campaigns[0].include.radius[1].id == "B");
  CHECK(set.campaigns[0].include.radius[1].km == 8);
  test::write_file(dir / "d.yaml", "campaigns:\n  - {id: c, budget: 1, target: {stores: dup.csv, radius_km: 8}}\n");
  CHECK_THROWS_WITH(load_campaigns((dir / "d.yaml").string()),
                    Catch::Contains("d.yaml:2: campaigns[0].target.stores:") && Catch::Contains("duplicate store id"));
  test::write_file(dir / "e.yaml", "campaigns:\n  - {id: c, budget: 1, target: {stores: good.csv}}\n");
  CHECK_THROWS_WITH(load_campaigns((dir / "e.yaml").string()), Catch::Contains("radius_km: must be a positive number"));
  test::write_file(dir / "f.yaml", "campaigns:\n  - {id: c, budget: 1, level: store, target: {include: [US]}}\n");
  CHECK_THROWS_WITH(load_campaigns((dir / "f.yaml").string()), Catch::Contains("level: store needs stores"));
}

TEST_CASE("a zone polygon that is not valid is an error naming the file and the reason") {
  const auto dir = test::fresh_dir("targets-zones-" + std::to_string(getpid()));
  test::write_file(dir / "bowtie.wkt", "POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))");
  test::write_file(dir / "square.wkt", "POLYGON((0 0, 0 1, 1 1, 1 0, 0 0))");  // clockwise: fine
  test::write_file(dir / "c.yaml", "campaigns:\n  - {id: c, budget: 1, target: {polygons: [square.wkt, bowtie.wkt]}}\n");
  CHECK_THROWS_WITH(load_campaigns((dir / "c.yaml").string()),
                    Catch::Contains("c.yaml:2: campaigns[0].target.polygons:") &&
                        Catch::Contains("bowtie.wkt: polygon 1 is not valid: a ring crosses itself"));
  // Crossing itself with area left over: Boost.Geometry's own reason.
  test::write_file(dir / "loop.wkt", "POLYGON((0 0, 4 0, 4 4, 2 -2, 0 4, 0 0))");
  test::write_file(dir / "e.yaml", "campaigns:\n  - {id: c, budget: 1, target: {polygons: [loop.wkt]}}\n");
  CHECK_THROWS_WITH(load_campaigns((dir / "e.yaml").string()), Catch::Contains("loop.wkt: polygon 1 is not valid: Geometry has"));
  test::write_file(dir / "d.yaml", "campaigns:\n  - {id: c, budget: 1, target: {polygons: [square.wkt]}}\n");
  CHECK(load_campaigns((dir / "d.yaml").string()).campaigns[0].include.polygons.size() == 1);
}
