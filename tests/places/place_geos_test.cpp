// The place index against GEOS prepared predicates on the default geodata pack: random points
// and points exactly on county boundaries.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <span>
#include <sstream>

#include "geos_reference.hpp"
#include "point_level.hpp"
#include "geotarget/place_index.hpp"
#include "test_support.hpp"

using namespace geotarget;

namespace {

std::shared_ptr<const PlaceIndex> default_pack() {
  static auto index = PlaceIndex::load(test::source_path("geodata/default.yaml").string());
  return index;
}

std::uint32_t index_of(const PlaceIndex& index, const Place* p) {
  return p ? static_cast<std::uint32_t>(p - index.places().data()) : Place::none;
}

}  // namespace

TEST_CASE("random points: the index agrees with GEOS wherever GEOS is unambiguous", "[geos]") {
  auto index = default_pack();
  std::mt19937_64 rng(7);
  struct Area {
    PlaceLevel level;
    double lat0, lat1, lon0, lon1;
    int points;
  };
  const Area areas[] = {
      {PlaceLevel::district, 24.5, 49.4, -124.8, -66.9, 30000},  // lower 48
      {PlaceLevel::district, 51.0, 72.0, -180.0, -129.0, 5000},  // Alaska incl. Aleutians
      {PlaceLevel::region, 24.5, 49.4, -124.8, -66.9, 10000},
      {PlaceLevel::country, -60.0, 80.0, -180.0, 180.0, 20000},  // the world
  };
  for (const Area& a : areas) {
    detail::GeosReference geos(*index, a.level);
    std::uniform_real_distribution<double> lat(a.lat0, a.lat1), lon(a.lon0, a.lon1);
    std::vector<std::uint32_t> contains, covers;
    int compared = 0, disagreements = 0;
    std::ostringstream examples;
    for (int i = 0; i < a.points; ++i) {
      double y = lat(rng), x = lon(rng);
      geos.containing(x, y, contains, covers);
      std::uint32_t ours = index_of(*index, index->place_at({y, x}, a.level));
      if (contains.size() == 1 && covers.size() == 1) {
        ++compared;
        if (ours != contains[0]) {
          ++disagreements;
          examples << ' ' << y << ',' << x;
        }
      } else if (covers.empty() && ours != Place::none) {
        ++disagreements;
        examples << ' ' << y << ',' << x << " (GEOS: none)";
      }
    }
    INFO(describe(a.level) << ": " << compared << " points compared; disagreements at" << examples.str());
    CHECK(compared > a.points / 10);
    CHECK(disagreements == 0);
  }
}

TEST_CASE("points on county boundaries belong to exactly one county that covers them", "[geos]") {
  auto index = default_pack();
  detail::GeosReference geos(*index, PlaceLevel::district);
  std::vector<std::uint32_t> contains, covers;
  int checked = 0, shared = 0, bad = 0;
  std::ostringstream examples;
  std::size_t n = 0;
  for (const Place& p : index->places()) {
    if (p.level != PlaceLevel::district || (n++ % 3) != 0) continue;  // every 3rd county
    for (const auto& polygon : index->polygons(p)) {
      const Ring& ring = polygon.front();
      for (std::size_t i = 0; i < ring.size(); i += 7) {  // every 7th vertex
        double x = ring[i][0], y = ring[i][1];
        geos.containing(x, y, contains, covers);
        std::uint32_t ours = index_of(*index, index->place_at({y, x}, PlaceLevel::district));
        ++checked;
        shared += covers.size() > 1;
        bool ok = ours != Place::none && geos.covers(ours, x, y);
        if (!ok) {
          ++bad;
          examples << " vertex " << y << ',' << x << " of " << p.id << " (answer "
                   << (ours == Place::none ? "none" : index->places()[ours].id) << ')';
        }
        // Always the same answer.
        CHECK(index_of(*index, index->place_at({y, x}, PlaceLevel::district)) == ours);
      }
    }
  }
  INFO(checked << " boundary vertices, " << shared << " shared by several counties;" << examples.str());
  CHECK(checked > 1000);
  CHECK(shared > checked / 4);
  CHECK(bad == 0);
}

TEST_CASE("the default pack answers known places", "[geos]") {
  auto index = default_pack();
  struct Row {
    double lat, lon;
    PlaceLevel level;
    const char* id;
  };
  const Row rows[] = {
      {40.7831, -73.9712, PlaceLevel::district, "US-36061"},  // Manhattan
      {40.7831, -73.9712, PlaceLevel::region, "US-NY"},
      {40.7831, -73.9712, PlaceLevel::country, "US"},
      {34.0522, -118.2437, PlaceLevel::district, "US-06037"},  // Los Angeles
      {37.7749, -122.4194, PlaceLevel::district, "US-06075"},  // San Francisco
      {-29.3151, 27.4869, PlaceLevel::country, "LS"},          // Maseru, not South Africa
      {-26.2041, 28.0473, PlaceLevel::country, "ZA"},
      {48.8566, 2.3522, PlaceLevel::country, "FR"},
      {-17.8, 178.0, PlaceLevel::country, "FJ"},               // Viti Levu, west of 180
      {-16.8, -179.95, PlaceLevel::country, "FJ"},             // Fiji east of 180 (Vanua Levu tip)
      {51.88, -176.65, PlaceLevel::district, "US-02016"},      // Adak, Aleutians West
      {52.93, 173.2, PlaceLevel::district, "US-02016"},        // Attu, west of 180
  };
  for (const Row& r : rows) {
    INFO(r.lat << "," << r.lon << " " << describe(r.level));
    const Place* p = index->place_at({r.lat, r.lon}, r.level);
    REQUIRE(p);
    CHECK(p->id == r.id);
  }
}

namespace {

// Great-circle km on the mean sphere, as the population rule measures reach.
double sphere_km(double lat1, double lon1, double lat2, double lon2) {
  const double r = 3.14159265358979323846 / 180, h = std::sin((lat2 - lat1) * r / 2),
               w = std::sin((lon2 - lon1) * r / 2);
  return 2 * 6371.0088 * std::asin(std::sqrt(h * h + std::cos(lat1 * r) * std::cos(lat2 * r) * w * w));
}

// The region of a place (else its country): where a town's reach applies.
std::uint32_t reach_area(std::span<const Place> places, std::uint32_t p) {
  std::uint32_t country = Place::none;
  for (std::uint32_t a = places[p].parent; a != Place::none; a = places[a].parent) {
    if (places[a].level == PlaceLevel::region) return a;
    if (places[a].level == PlaceLevel::country) country = a;
  }
  return country;
}

}  // namespace

TEST_CASE("the town is the most populous covering one, else the geodesic nearest in the parent, by brute force",
          "[geos]") {
  auto index = default_pack();
  const auto& places = index->places();
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> lat(24.5, 49.4), lon(-124.8, -66.9);
  int compared = 0, mismatches = 0;
  std::ostringstream examples;
  for (int i = 0; i < 3000; ++i) {
    const double y = lat(rng), x = lon(rng);
    PlaceChain chain;
    REQUIRE(index->locate({y, x}, chain) == LocateStatus::ok);
    const Place* district = chain[PlaceLevel::district];
    if (!district) continue;
    const auto parent = static_cast<std::uint32_t>(district - places.data());
    const Place* area = chain[PlaceLevel::region] ? chain[PlaceLevel::region] : chain[PlaceLevel::country];
    for (auto [level, max_km] : {std::pair{PlaceLevel::town, 30.0}, std::pair{PlaceLevel::postal, 15.0}}) {
      // The population rule (D34): towns of 40,000+ cover 0.01 km x sqrt(population) of their
      // region; the most populous covering town wins.
      std::uint32_t covering = Place::none;
      for (std::uint32_t p = 0; level == PlaceLevel::town && p < places.size(); ++p) {
        if (places[p].level != level || places[p].population < 40000 || places[p].parent == Place::none) continue;
        if (reach_area(places, p) != index_of(*index, area)) continue;
        const double reach = 0.01 * std::sqrt(static_cast<double>(places[p].population));
        if (sphere_km(y, x, places[p].point.lat, places[p].point.lon) > reach) continue;
        if (covering == Place::none || places[p].population > places[covering].population) covering = p;
      }
      std::uint32_t best = covering;
      double best_km = covering == Place::none ? max_km : 0;
      bool any_in_parent = covering != Place::none;
      for (std::uint32_t p = 0; covering == Place::none && p < places.size(); ++p) {
        if (places[p].level != level || places[p].parent != parent) continue;
        any_in_parent = true;
        double d = detail::geodesic_km(y, x, places[p].point.lat, places[p].point.lon);
        if (d < best_km) best_km = d, best = p;
      }
      if (!any_in_parent) continue;  // the town level falls back to a higher parent then
      ++compared;
      std::uint32_t ours = index_of(*index, chain[level]);
      if (ours != best) {
        ++mismatches;
        examples << ' ' << y << ',' << x << ' ' << describe(level);
      }
    }
  }
  INFO(compared << " compared;" << examples.str());
  CHECK(compared > 2000);
  CHECK(mismatches == 0);
}
