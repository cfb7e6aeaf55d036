// The world pack (geodata/default.yaml): regions with ISO 3166-2 ids in every continent, the
// two-level countries, real towns with the population rule, and the simplified coverage
// without gaps or overlaps along shared borders.
//
// Expected answers are independent of the program: region ids from ISO 3166-2 (the codes
// Natural Earth carries; FR-75 is Paris's code before ISO's 2019 FR-75C), town names as
// GeoNames spells them, city-centre coordinates from each city's well-known centre.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "geotarget/answers_json.hpp"
#include "geotarget/place_index.hpp"
#include "test_support.hpp"

using namespace geotarget;
namespace fs = std::filesystem;

namespace {

std::shared_ptr<const PlaceIndex> world() {
  static auto index = PlaceIndex::load(test::source_path("geodata/default.yaml").string());
  return index;
}

std::string id_at(const PlaceChain& c, PlaceLevel level) {
  const Place* p = c[level];
  return p ? p->id : "";
}

}  // namespace

TEST_CASE("world places resolve to their ISO 3166-2 region, district and town") {
  struct Row {
    const char* what;
    double lat, lon;
    const char *country, *region, *district, *town;  // "" district: none expected
  };
  const Row rows[] = {
      {"Tel Aviv", 32.0853, 34.7818, "IL", "IL-TA", "", "Tel Aviv"},
      {"Jerusalem", 31.7683, 35.2137, "IL", "IL-JM", "", "Jerusalem"},
      {"Haifa", 32.7940, 34.9896, "IL", "IL-HA", "", "Haifa"},
      {"Tbilisi", 41.6938, 44.8015, "GE", "GE-TB", "", "Tbilisi"},
      {"Batumi", 41.6168, 41.6367, "GE", "GE-AJ", "", "Batumi"},
      {"Kutaisi", 42.2679, 42.6946, "GE", "GE-IM", "", "Kutaisi"},
      {"Munich", 48.1372, 11.5756, "DE", "DE-BY", "", "Munich"},
      {"Berlin", 52.5200, 13.4050, "DE", "DE-BE", "", "Berlin"},
      {"Paris", 48.8566, 2.3522, "FR", "FR-IDF", "FR-75", "Paris"},
      {"Lyon", 45.7640, 4.8357, "FR", "FR-ARA", "FR-69", "Lyon"},
      {"Milan", 45.4642, 9.1900, "IT", "IT-25", "IT-MI", "Milan"},
      {"Rome", 41.9028, 12.4964, "IT", "IT-62", "IT-RM", "Rome"},
      {"Barcelona", 41.3874, 2.1686, "ES", "ES-CT", "ES-B", "Barcelona"},
      {"Madrid", 40.4168, -3.7038, "ES", "ES-MD", "ES-M", "Madrid"},
      {"London", 51.5074, -0.1278, "GB", "GB-ENG", "", "London"},
      {"Edinburgh", 55.9533, -3.1883, "GB", "GB-SCT", "", "Edinburgh"},
      {"Cardiff", 51.4816, -3.1791, "GB", "GB-WLS", "GB-CRF", "Cardiff"},
      {"Toronto", 43.6532, -79.3832, "CA", "CA-ON", "", "Toronto"},
      {"Montreal", 45.5017, -73.5673, "CA", "CA-QC", "", "Montréal"},
      {"Osaka", 34.6937, 135.5023, "JP", "JP-27", "", "Osaka"},
      {"Tokyo", 35.6762, 139.6503, "JP", "JP-13", "", "Tokyo"},
      {"São Paulo", -23.5505, -46.6333, "BR", "BR-SP", "", "São Paulo"},
      {"Rio de Janeiro", -22.9068, -43.1729, "BR", "BR-RJ", "", "Rio de Janeiro"},
      {"Sydney", -33.8688, 151.2093, "AU", "AU-NSW", "", "Sydney"},
      {"Cairo", 30.0444, 31.2357, "EG", "EG-C", "", "Cairo"},
      {"Lagos (Yaba)", 6.5095, 3.3711, "NG", "NG-LA", "", "Lagos"},
      {"Mumbai", 19.0760, 72.8777, "IN", "IN-MH", "", "Mumbai"},
      {"Buenos Aires", -34.6037, -58.3816, "AR", "AR-C", "", "Buenos Aires"},
      {"Times Square", 40.7580, -73.9855, "US", "US-NY", "US-36061", "New York City"},
      {"New York City Hall", 40.7128, -74.0060, "US", "US-NY", "US-36061", "New York City"},
      {"Chicago Loop", 41.8781, -87.6298, "US", "US-IL", "US-17031", "Chicago"},
  };
  auto index = world();
  for (const Row& r : rows) {
    INFO(r.what << " " << r.lat << "," << r.lon);
    PlaceChain c;
    REQUIRE(index->locate({r.lat, r.lon}, c) == LocateStatus::ok);
    CHECK(id_at(c, PlaceLevel::country) == r.country);
    CHECK(id_at(c, PlaceLevel::region) == r.region);
    if (*r.district) CHECK(id_at(c, PlaceLevel::district) == r.district);
    REQUIRE(c[PlaceLevel::town] != nullptr);
    CHECK(c[PlaceLevel::town]->name == r.town);
  }
}

TEST_CASE("towns keep their population and IANA time zone, sections of a city are not towns") {
  auto index = world();
  const Place* nyc = index->find("GN-5128581");  // New York City on geonames.org
  REQUIRE(nyc != nullptr);
  CHECK(nyc->name == "New York City");
  CHECK(nyc->population > 8'000'000);
  CHECK(nyc->time_zone == "America/New_York");
  const Place* tbilisi = index->find("GN-611717");
  REQUIRE(tbilisi != nullptr);
  CHECK(tbilisi->time_zone == "Asia/Tbilisi");
  CHECK(index->alternate_names(*tbilisi).find("თბილისი") != std::string_view::npos);
  // GeoNames PPLX (sections of populated places) in cities1000: Chicago Loop 8436065, a
  // neighbourhood of Chicago, never a town.
  const Place* loop = index->find("GN-8436065");
  REQUIRE(loop != nullptr);
  CHECK(loop->level == PlaceLevel::neighbourhood);
  CHECK(index->places()[loop->parent].name == "Chicago");
  CHECK(index->find("GN-4887398")->name == "Chicago");
}

// Expected sections from cities1000's own coordinates (great-circle distances computed from the
// file, not by geotarget): City Hall is 0.59 km from Financial District, 0.92 km from Chinatown;
// the Vieux-Port 0.18 km from Opéra; Times Square 0.90 km from Hell's Kitchen; the Loop's centre
// 0.72 km from Chicago Loop. Central Paris is 9.2 km from Paris's only section (La Defense: the
// 2020 export has no "Paris NN" arrondissements), Staten Island 13.8 km from New York City's
// nearest (Sunset Park): both beyond default.yaml's 2.5 km, so no neighbourhood.
TEST_CASE("a point gets the nearest section of its own town within 2.5 km, else none") {
  struct Row {
    const char* what;
    double lat, lon;
    const char *town, *neighbourhood;  // "": none expected
  };
  const Row rows[] = {
      {"New York City Hall", 40.7128, -74.0060, "GN-5128581", "GN-8436473"},
      {"Times Square", 40.7580, -73.9855, "GN-5128581", "GN-5120442"},
      {"Marseille, Vieux-Port", 43.2951, 5.3745, "GN-2995469", "GN-11919716"},
      {"Chicago Loop", 41.8781, -87.6298, "GN-4887398", "GN-8436065"},
      {"central Paris", 48.8566, 2.3522, "GN-2988507", ""},
      {"Staten Island", 40.5795, -74.1502, "GN-5128581", ""},
      {"Tbilisi", 41.6938, 44.8015, "GN-611717", ""},
  };
  auto index = world();
  for (const Row& r : rows) {
    INFO(r.what);
    PlaceChain c;
    REQUIRE(index->locate({r.lat, r.lon}, c) == LocateStatus::ok);
    CHECK(id_at(c, PlaceLevel::town) == r.town);
    CHECK(id_at(c, PlaceLevel::neighbourhood) == r.neighbourhood);
    if (const Place* n = c[PlaceLevel::neighbourhood]) CHECK(&index->places()[n->parent] == c[PlaceLevel::town]);
  }
}

// The neighbourhood level is answered after the town, from the town: every other level of
// every point must be what the pack without it answers. Points: uniform on the sphere, and
// within about 20 km of random towns (where sections are).
TEST_CASE("the neighbourhood level never changes the town or any other level of a point") {
  const fs::path dir = test::fresh_dir("world_without_neighbourhoods");
  std::string manifest = test::read_file(test::source_path("geodata/default.yaml"));
  const std::size_t begin = manifest.find("  - level: neighbourhood"), end = manifest.find("  - level: postal");
  REQUIRE((begin != std::string::npos && end > begin));
  manifest.erase(begin, end - begin);
  const std::string geodata = test::source_path("geodata").string() + "/";
  for (const char* source : {"countries.gpkg", "regions.topojson.gz", "districts.gpkg", "towns.csv.gz", "postal.csv.gz"}) {
    const std::string field = std::string("source: ") + source;
    manifest.replace(manifest.find(field), field.size(), "source: " + geodata + source);
  }
  PlaceIndexOptions from_sources;
  from_sources.compiled_index = false;
  const auto without = PlaceIndex::load(test::write_file(dir / "default.yaml", manifest).string(), from_sources);
  REQUIRE_FALSE(without->has_level(PlaceLevel::neighbourhood));
  auto with = world();
  REQUIRE(with->has_level(PlaceLevel::neighbourhood));
  std::vector<const Place*> towns;
  for (const Place& p : with->places())
    if (p.level == PlaceLevel::town) towns.push_back(&p);
  std::mt19937_64 rng(44);
  std::uniform_real_distribution<double> z(-1, 1), lon(-180, 180), near(-0.2, 0.2);
  std::uniform_int_distribution<std::size_t> pick(0, towns.size() - 1);
  std::size_t differing = 0, with_neighbourhood = 0;
  for (int i = 0; i < 200'000; ++i) {
    LatLng p{std::asin(z(rng)) * 180 / 3.14159265358979323846, lon(rng)};
    if (i % 2) {
      const Place* t = towns[pick(rng)];
      p = {std::clamp(t->point.lat + near(rng), -90.0, 90.0), std::clamp(t->point.lon + near(rng), -180.0, 180.0)};
    }
    PlaceChain a, b;
    (void)with->locate(p, a);
    (void)without->locate(p, b);
    with_neighbourhood += a[PlaceLevel::neighbourhood] != nullptr;
    for (PlaceLevel level : {PlaceLevel::country, PlaceLevel::region, PlaceLevel::district, PlaceLevel::town, PlaceLevel::postal}) {
      const Place *x = a[level], *y = b[level];
      if ((x ? x->id : "") != (y ? y->id : "")) ++differing;
    }
  }
  CHECK(differing == 0);
  CHECK(with_neighbourhood > 0);  // the level did answer somewhere
}

TEST_CASE("every country of Natural Earth admin-1 has regions, two-level countries nest") {
  auto index = world();
  std::set<std::string> with_regions;
  std::map<std::string, int> districts_by_country;
  for (const Place& p : index->places()) {
    if (p.level == PlaceLevel::region && p.parent != Place::none) with_regions.insert(index->places()[p.parent].id);
    if (p.level == PlaceLevel::district && p.id.size() > 3 && p.id[2] == '-') {
      const Place& region = index->places()[p.parent];
      CHECK(region.level == PlaceLevel::region);
      ++districts_by_country[p.id.substr(0, 2)];
    }
  }
  CHECK(with_regions.size() >= 230);
  for (const char* cc : {"IL", "GE", "DE", "FR", "IT", "ES", "GB", "CA", "JP", "BR", "US", "AU", "CN", "IN", "RU"})
    CHECK(with_regions.count(cc) == 1);
  // France 96 + 5 overseas départements, Italy's 110 provinces of Natural Earth, Spain's
  // provinces (Natural Earth has one unit for the Canaries, so 46 of its 52), the UK's units.
  CHECK(districts_by_country["FR"] >= 100);
  CHECK(districts_by_country["IT"] >= 100);
  CHECK(districts_by_country["ES"] >= 45);
  CHECK(districts_by_country["GB"] >= 200);
  CHECK(index->find("GB-SCT")->name == "Scotland");
  CHECK(index->find("FR-IDF")->name == "Île-de-France");
}

// The simplified regions are one coverage: an edge that two regions share is the same edge in
// both, so a point just inside either side of it is in that side's region (no overlap), and an
// edge that no other region shares has no region just outside it (no gap, no sliver: it is a
// coast or the edge of the admin-1 data). Probes are 1e-8 degrees (about 1 mm: simplification
// leaves slivers a few metres wide, as between Valga and Valka) off the middle of every edge
// longer than 1e-4 degrees.
TEST_CASE("the simplified regions have no gaps or overlaps along shared borders") {
  auto index = world();
  using Edge = std::pair<std::array<double, 2>, std::array<double, 2>>;
  std::map<Edge, std::uint32_t> owner;  // directed edge -> region
  const auto& places = index->places();
  for (std::uint32_t i = 0; i < places.size(); ++i) {
    if (places[i].level != PlaceLevel::region) continue;
    for (const Polygon& polygon : index->polygons(places[i]))
      for (const Ring& ring : polygon)
        for (std::size_t k = 0; k + 1 < ring.size(); ++k) owner[{ring[k], ring[k + 1]}] = i;
  }
  std::size_t shared = 0, coast = 0, overlaps = 0, gaps = 0, probes = 0;
  std::ostringstream examples;
  auto note = [&](std::size_t& counter, const char* what, double lat, double lon) {
    if (++counter <= 5) examples << ' ' << what << '@' << lat << ',' << lon;
  };
  for (const auto& [edge, region] : owner) {
    const auto& [a, b] = edge;
    const double dx = b[0] - a[0], dy = b[1] - a[1], length = std::hypot(dx, dy);
    if (length < 1e-4 || std::abs(a[0]) == 180 || std::abs(b[0]) == 180) continue;
    // Left of a->b is inside for outer rings wound counter-clockwise and for holes wound
    // clockwise; GeoPackage rings may come either way, so probe both sides and compare.
    const double mx = (a[0] + b[0]) / 2, my = (a[1] + b[1]) / 2, nx = -dy / length * 1e-8, ny = dx / length * 1e-8;
    const Place* left = index->place_at({my + ny, mx + nx}, PlaceLevel::region);
    const Place* right = index->place_at({my - ny, mx - nx}, PlaceLevel::region);
    ++probes;
    const Place* self = &places[region];
    const Place* other = left == self ? right : left;
    if (left != self && right != self) {
      note(overlaps, "not-own", my, mx);
      continue;
    }
    auto twin = owner.find({b, a});
    if (twin != owner.end() && twin->second != region) {
      ++shared;
      if (other != &places[twin->second]) note(overlaps, "overlap", my, mx);
    } else {
      ++coast;
      if (other != nullptr) note(gaps, "gap", my, mx);
    }
  }
  INFO(probes << " edges probed, " << shared << " shared, " << coast << " unshared;" << examples.str());
  CHECK(shared > 100000);
  CHECK(overlaps == 0);
  CHECK(gaps == 0);
}

TEST_CASE("an answer's time zone is its town's, else the IP record's") {
  // Zones as the IANA database names them for each city (independent of the pack).
  struct Row {
    double lat, lon;
    const char* zone;
  };
  const Row rows[] = {
      {40.7128, -74.0060, "America/New_York"},   // New York City Hall
      {41.8781, -87.6298, "America/Chicago"},    // Chicago Loop
      {41.6938, 44.8015, "Asia/Tbilisi"},        // Tbilisi
      {32.0853, 34.7818, "Asia/Jerusalem"},      // Tel Aviv
      {35.6812, 139.7671, "Asia/Tokyo"},         // Tokyo Station
      {48.8566, 2.3522, "Europe/Paris"},         // Paris, Hôtel de Ville
      {-23.5505, -46.6333, "America/Sao_Paulo"}, // São Paulo
  };
  for (const Row& r : rows) {
    INFO(r.lat << ", " << r.lon);
    PlaceChain chain;
    (void)world()->locate({r.lat, r.lon}, chain);
    CHECK(answer_time_zone(chain, nullptr) == r.zone);
    Location record;
    record.time_zone = "Pacific/Honolulu";  // the town's zone wins over the record's
    CHECK(answer_time_zone(chain, &record) == r.zone);
  }
  PlaceChain sea;
  (void)world()->locate({0, -140}, sea);  // the Pacific: no town
  CHECK(answer_time_zone(sea, nullptr).empty());
  Location record;
  record.time_zone = "Pacific/Honolulu";
  CHECK(answer_time_zone(sea, &record) == "Pacific/Honolulu");
}
