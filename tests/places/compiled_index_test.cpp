// The compiled place index (D41): an index mapped from the compiled file answers exactly as the
// one built from the sources; a stale, truncated or damaged file is named on stderr, never
// trusted, and replaced.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <fstream>
#include <future>
#include <iostream>
#include <random>
#include <sstream>

#include "geotarget/place_index.hpp"
#include "test_support.hpp"

using namespace geotarget;
namespace fs = std::filesystem;

namespace {

// Captures what the code under test writes to std::cerr while it lives.
struct CapturedStderr {
  CapturedStderr() : old(std::cerr.rdbuf(text.rdbuf())) {}
  ~CapturedStderr() { std::cerr.rdbuf(old); }
  std::ostringstream text;
  std::streambuf* old;
};

// The default pack's manifest with absolute source paths, in a folder of its own, so that its
// compiled file is this test's.
std::string world_manifest(const std::string& name) {
  const fs::path dir = test::fresh_dir(name);
  std::string manifest = test::read_file(test::source_path("geodata/default.yaml"));
  const std::string geodata = test::source_path("geodata").string() + "/";
  for (const char* source : {"countries.gpkg", "regions.topojson.gz", "districts.gpkg", "towns.csv.gz",
                             "neighbourhoods.csv.gz", "postal.csv.gz"}) {
    const std::string field = std::string("source: ") + source;
    manifest.replace(manifest.find(field), field.size(), "source: " + geodata + source);
  }
  return test::write_file(dir / "default.yaml", manifest).string();
}

void check_same_places(const PlaceIndex& a, const PlaceIndex& b) {
  REQUIRE(a.places().size() == b.places().size());
  for (std::size_t i = 0; i < a.places().size(); ++i) {
    const Place &p = a.places()[i], &q = b.places()[i];
    const bool same = p.id == q.id && p.name == q.name && p.level == q.level && p.parent == q.parent &&
                      p.population == q.population && p.time_zone == q.time_zone && p.point.lat == q.point.lat &&
                      p.point.lon == q.point.lon && a.alternate_names(p) == b.alternate_names(q);
    if (!same) FAIL("place " << i << " differs: " << p.id << " / " << q.id);
  }
}

// Points whose chains differ at any level, out of `count` uniform random points on the sphere.
std::size_t differing_chains(const PlaceIndex& a, const PlaceIndex& b, std::size_t count) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> z(-1, 1), lon(-180, 180);
  std::size_t differing = 0;
  PlaceChain ca, cb;
  for (std::size_t i = 0; i < count; ++i) {
    const LatLng point{std::asin(z(rng)) * 57.29577951308232, lon(rng)};
    (void)a.locate(point, ca);
    (void)b.locate(point, cb);
    for (std::size_t l = 0; l < kPlaceLevels; ++l)
      if ((ca.at[l] ? ca.at[l]->id : "") != (cb.at[l] ? cb.at[l]->id : "")) {
        ++differing;
        break;
      }
  }
  return differing;
}

// A small pack: two regions sharing a border, towns and a postal point.
std::string small_manifest(const fs::path& dir) {
  test::write_file(dir / "region.csv",
                   "id,name,parent_id,WKT\n"
                   "R-W,West,,\"POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))\"\n"
                   "R-E,East,,\"POLYGON ((10 0, 20 0, 20 10, 10 10, 10 0))\"\n");
  test::write_file(dir / "town.csv",
                   "id,name,parent_id,lat,lon,population\n"
                   "T-A,Aville,R-W,5,5,50000\nT-B,Beeburg,R-E,5,15,900\nT-C,Ceeton,R-E,8,18,1200\n");
  return test::write_file(dir / "manifest.yaml",
                          "name: small\nlevels:\n"
                          "  - level: region\n    source: region.csv\n    id: id\n    name: name\n    parent: parent_id\n"
                          "  - level: town\n    source: town.csv\n    id: id\n    name: name\n    parent: parent_id\n"
                          "    population: population\n    lat: lat\n    lon: lon\n    max_distance_km: 900\n")
      .string();
}

// Coarse cells for the small pack, so that its compiled file is a few kilobytes.
PlaceIndexOptions small_options(bool compiled = true) {
  PlaceIndexOptions o;
  o.fine_cells = {2, 2, 2};
  o.compiled_index = compiled;
  return o;
}

std::string town_at(const PlaceIndex& index, double lat, double lon) {
  PlaceChain chain;
  (void)index.locate({lat, lon}, chain);
  return chain[PlaceLevel::town] ? chain[PlaceLevel::town]->id : "";
}

}  // namespace

TEST_CASE("the world pack mapped from its compiled file answers as built from the sources") {
  const std::string manifest = world_manifest("compiled_world");
  const auto built = PlaceIndex::load(manifest);  // built from the sources, and written
  CHECK(built->summary().compiled_index.empty());
  REQUIRE(fs::exists(manifest + ".index"));
  const auto mapped = PlaceIndex::load(manifest);
  CHECK(mapped->summary().compiled_index == manifest + ".index");

  check_same_places(*built, *mapped);
  CHECK(differing_chains(*built, *mapped, 300'000) == 0);
  // Known answers through the mapped file: New York City Hall, Tbilisi, central Munich.
  PlaceChain chain;
  (void)mapped->locate({40.7128, -74.0060}, chain);
  CHECK(chain[PlaceLevel::town]->name == "New York City");
  CHECK(chain[PlaceLevel::town]->time_zone == "America/New_York");
  CHECK(chain[PlaceLevel::postal]->id == "US-ZIP-10007");
  CHECK(chain[PlaceLevel::neighbourhood]->id == "GN-8436473");  // Financial District, 0.59 km
  (void)mapped->locate({41.6938, 44.8015}, chain);
  CHECK(chain[PlaceLevel::region]->id == "GE-TB");
  (void)mapped->locate({48.1374, 11.5755}, chain);
  CHECK(chain[PlaceLevel::region]->id == "DE-BY");

  const Place* bavaria = mapped->find("DE-BY");
  REQUIRE(bavaria);
  CHECK(mapped->polygons(*bavaria) == built->polygons(*built->find("DE-BY")));
  CHECK(mapped->polygons(*mapped->find("GN-2867714")).empty());  // a town has none (München)
  CHECK(mapped->summary().places == built->summary().places);
  CHECK(mapped->summary().problems == built->summary().problems);
  CHECK(mapped->summary().problems_not_listed == built->summary().problems_not_listed);
  CHECK(mapped->summary().linked_spatially == built->summary().linked_spatially);
  fs::remove(manifest + ".index");  // 300 MB: not left in the build tree
}

TEST_CASE("a stale, truncated or damaged compiled index is named, rebuilt and never trusted") {
  const fs::path dir = test::fresh_dir("compiled_small");
  const std::string manifest = small_manifest(dir), compiled = manifest + ".index";
  const auto reference = PlaceIndex::load(manifest, small_options(false));
  REQUIRE(town_at(*reference, 5, 16) == "T-B");
  REQUIRE(town_at(*reference, 8, 18.7) == "T-C");
  CHECK_FALSE(fs::exists(compiled));  // not written when switched off
  (void)PlaceIndex::load(manifest, small_options());
  REQUIRE(fs::exists(compiled));
  const std::string good = test::read_file(compiled);

  auto load_noting = [&](const std::string& expected_note) {
    CapturedStderr err;
    auto index = PlaceIndex::load(manifest, small_options());
    INFO(err.text.str());
    CHECK(index->summary().compiled_index.empty());
    CHECK(err.text.str().find(compiled + " not used: " + expected_note) != std::string::npos);
    return index;
  };

  SECTION("a source changed: stale, rebuilt with the new data") {
    // Rewritten at once, the same size: Beeburg moves next to Ceeton.
    std::string towns = test::read_file(dir / "town.csv");
    towns.replace(towns.find("T-B,Beeburg,R-E,5,15,900"), 24, "T-B,Beeburg,R-E,8,19,900");
    test::write_file(dir / "town.csv", towns);
    auto index = load_noting("stale");
    CHECK(town_at(*index, 8, 18.7) == "T-B");
    CHECK(PlaceIndex::load(manifest, small_options())->summary().compiled_index == compiled);  // the new one
  }
  SECTION("truncated") {
    test::write_file(compiled, good.substr(0, good.size() / 2));
    CHECK(town_at(*load_noting("its size differs"), 5, 16) == "T-B");
  }
  SECTION("not an index") {
    test::write_file(compiled, "GTPLACE but not really a compiled index, long enough for a header");
    CHECK(town_at(*load_noting("not a compiled place index"), 5, 16) == "T-B");
  }
  SECTION("another format version") {
    std::string bad = good;
    bad[8] = static_cast<char>(bad[8] + 1);
    test::write_file(compiled, bad);
    CHECK(town_at(*load_noting("written by another version"), 5, 16) == "T-B");
  }
  SECTION("a count inside that runs past the end of the file") {
    // The first section's count (after the header and key, on a 64-byte boundary) made huge.
    std::uint64_t key_size = 0;
    std::memcpy(&key_size, good.data() + 24, sizeof key_size);
    const std::size_t section = (32 + key_size + 63) / 64 * 64;
    std::string bad = good;
    const std::uint64_t huge = 1ull << 40;
    std::memcpy(bad.data() + section, &huge, sizeof huge);
    test::write_file(compiled, bad);
    CHECK(town_at(*load_noting("a section runs past the end"), 5, 16) == "T-B");
  }
  SECTION("bytes changed all through the file: each load answers or is rebuilt, never crashes") {
    // A byte of a coordinate may still be read as written (the file has no checksum, as the
    // sources have none); what must never happen is a crash or an index outside the arrays,
    // which the sanitizer build of this test would report.
    std::size_t rebuilt = 0;
    INFO("compiled file of " << good.size() << " bytes");
    for (std::size_t at = 0; at < good.size(); at += good.size() < 800 ? 1 : good.size() / 800) {
      std::string bad = good;
      bad[at] = static_cast<char>(bad[at] ^ 0x5a);
      test::write_file(compiled, bad);
      CapturedStderr err;
      auto index = PlaceIndex::load(manifest, small_options());
      rebuilt += index->summary().compiled_index.empty();
      PlaceChain chain;
      for (double lat = -1; lat <= 11; lat += 1.5)
        for (double lon = -1; lon <= 21; lon += 1.5) (void)index->locate({lat, lon}, chain);
    }
    CHECK(rebuilt > 0);
  }
}

TEST_CASE("threads building the same compiled index at once each write their own temporary file") {
  const fs::path dir = test::fresh_dir("compiled_threads");
  const std::string manifest = small_manifest(dir);
  std::vector<std::future<std::shared_ptr<const PlaceIndex>>> loads;
  for (int i = 0; i < 4; ++i)
    loads.push_back(std::async(std::launch::async, [&] { return PlaceIndex::load(manifest, small_options()); }));
  for (auto& load : loads) CHECK(town_at(*load.get(), 5, 16) == "T-B");
  const auto mapped = PlaceIndex::load(manifest, small_options());
  CHECK(mapped->summary().compiled_index == manifest + ".index");  // what was renamed last is whole
  CHECK(town_at(*mapped, 5, 16) == "T-B");
  for (const auto& entry : fs::directory_iterator(dir))
    CHECK(entry.path().filename().string().find(".tmp-") == std::string::npos);
}
