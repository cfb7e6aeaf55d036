// The place index on geometry written in the tests as WKT (CSV files read through OGR), each
// case a table of point -> expected place.
#include <catch2/catch.hpp>

#include <zlib.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "geotarget/error.hpp"
#include "geotarget/place_index.hpp"
#include "test_support.hpp"

using namespace geotarget;
namespace fs = std::filesystem;

namespace {

struct Feature {
  std::string id, parent, wkt;
};

std::string csv_of(const std::vector<Feature>& features) {
  std::string csv = "id,name,parent_id,WKT\n";
  for (const auto& f : features) csv += f.id + ",Name of " + f.id + "," + f.parent + ",\"" + f.wkt + "\"\n";
  return csv;
}

// Writes one CSV per level and a manifest naming them; returns the manifest path.
std::string fixture(const std::string& name,
                    const std::vector<std::pair<std::string, std::vector<Feature>>>& levels,
                    double max_km = 25) {
  fs::path dir = test::fresh_dir("place_index_" + name);
  std::string manifest = "name: " + name + "\nlevels:\n";
  for (const auto& [level, features] : levels) {
    test::write_file(dir / (level + ".csv"), csv_of(features));
    manifest += "  - level: " + level + "\n    source: " + level + ".csv\n    id: id\n" +
                "    name: name\n    parent: parent_id\n";
    if (level == "town" || level == "postal")
      manifest += "    max_distance_km: " + std::to_string(max_km) + "\n";
  }
  return test::write_file(dir / "manifest.yaml", manifest).string();
}

// `text` compressed in the gzip format (zlib's deflate with a gzip wrapper).
std::string gzip(const std::string& text) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&z, text.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

struct Expect {
  double lat, lon;
  const char* id;  // "" = no place at that level
};

void check_level(const PlaceIndex& index, PlaceLevel level, const std::vector<Expect>& table) {
  for (const Expect& e : table) {
    INFO("lat " << e.lat << " lon " << e.lon << " expected '" << e.id << "'");
    PlaceChain chain;
    REQUIRE(index.locate({e.lat, e.lon}, chain) == LocateStatus::ok);
    const Place* p = chain[level];
    CHECK(std::string(p ? p->id : "") == e.id);
  }
}

}  // namespace

TEST_CASE("boundary rule: a shared edge or vertex belongs to the place east (then north) of it") {
  // C D      four unit squares meeting at (1, 1)
  // A B
  auto index = PlaceIndex::load(fixture("boundary", {{"district", {
      {"A", "", "POLYGON((0 0,1 0,1 1,0 1,0 0))"},
      {"B", "", "POLYGON((1 0,2 0,2 1,1 1,1 0))"},
      {"C", "", "POLYGON((0 1,1 1,1 2,0 2,0 1))"},
      {"D", "", "POLYGON((1 1,2 1,2 2,1 2,1 1))"}}}}));
  check_level(*index, PlaceLevel::district, {
      {0.5, 0.5, "A"}, {0.5, 1.5, "B"}, {1.5, 0.5, "C"}, {1.5, 1.5, "D"},
      {0.5, 1.0, "B"},   // on the A|B edge: east
      {1.0, 0.5, "C"},   // on the A/C edge: north
      {1.0, 1.0, "D"},   // the vertex of all four: north-east
      {0.0, 1.0, "B"},   // bottom vertex of A|B
      {0.0, 0.0, "A"},   // outer south-west corner
      {0.5, 0.0, "A"},   // outer west edge
      {0.5, 2.0, "B"},   // outer east edge: nothing east of it, but it is B's boundary
      {2.0, 0.5, "C"},   // outer north edge
      {2.0, 1.0, "C"},   // outer north vertex of C|D: lowest id of the two
      {2.0000001, 0.5, ""},
      {0.999999999, 0.5, "A"}, {1.000000001, 0.5, "C"},
      {-0.5, 0.5, ""}, {0.5, -0.5, ""}, {3.0, 3.0, ""},
  });
}

TEST_CASE("holes and enclaves: Lesotho is not South Africa") {
  auto index = PlaceIndex::load(fixture("enclave", {{"country", {
      {"ZA", "", "POLYGON((16 -35,33 -35,33 -22,16 -22,16 -35),(27 -30.7,29.5 -30.7,29.5 -28.5,27 -28.5,27 -30.7))"},
      {"LS", "", "POLYGON((27 -30.7,29.5 -30.7,29.5 -28.5,27 -28.5,27 -30.7))"}}}}));
  check_level(*index, PlaceLevel::country, {
      {-29.31, 27.48, "LS"},  // Maseru
      {-26.2, 28.05, "ZA"},   // Johannesburg
      {-29.6, 27.0, "LS"},    // on the shared west edge of the enclave: east of it is LS
      {-29.6, 29.5, "ZA"},    // on the shared east edge: east of it is ZA
      {-33.9, 18.4, "ZA"},    // Cape Town
      {-40.0, 20.0, ""},
  });
}

TEST_CASE("polygons cut at the antimeridian are whole again") {
  auto index = PlaceIndex::load(fixture("antimeridian", {{"country", {
      {"FJ", "", "MULTIPOLYGON(((177 -19,180 -19,180 -16,177 -16,177 -19)),((-180 -19,-178 -19,-178 -16,-180 -16,-180 -19)))"},
      {"XX", "", "POLYGON((170 -19,177 -19,177 -16,170 -16,170 -19))"}}}}));
  check_level(*index, PlaceLevel::country, {
      {-17.5, 179.0, "FJ"}, {-17.5, -179.0, "FJ"},
      {-17.5, 180.0, "FJ"}, {-17.5, -180.0, "FJ"},  // the same meridian, inside Fiji
      {-17.5, 177.0, "FJ"},                          // XX|FJ edge: east
      {-17.5, -178.0, "FJ"},                         // Fiji's east edge faces the sea
      {-17.5, -177.9, ""},
      {-17.5, 175.0, "XX"},
  });
}

TEST_CASE("invalid coordinates are statuses naming the bad value, not exceptions") {
  auto index = PlaceIndex::load(fixture("invalid", {{"country", {
      {"A", "", "POLYGON((0 0,1 0,1 1,0 1,0 0))"}}}}));
  PlaceChain chain;
  CHECK(index->locate({91, 0}, chain) == LocateStatus::invalid_latitude);
  CHECK(index->locate({-90.5, 0}, chain) == LocateStatus::invalid_latitude);
  CHECK(index->locate({NAN, 0}, chain) == LocateStatus::invalid_latitude);
  CHECK(index->locate({0, 180.01}, chain) == LocateStatus::invalid_longitude);
  CHECK(index->locate({0, -INFINITY}, chain) == LocateStatus::invalid_longitude);
  CHECK(index->locate({0, NAN}, chain) == LocateStatus::invalid_longitude);
  CHECK(index->locate({90, 180}, chain) == LocateStatus::ok);
}

TEST_CASE("invalid polygons are repaired and unusable features reported, loading goes on") {
  auto index = PlaceIndex::load(fixture("repair", {{"district", {
      {"BOW", "", "POLYGON((0 0,2 2,2 0,0 2,0 0))"},   // self-intersecting bow tie
      {"BAD", "", "POLYGON((5 5,6 6))"},               // not a polygon
      {"", "", "POLYGON((7 7,8 7,8 8,7 8,7 7))"},      // no id
      {"OK", "", "POLYGON((10 10,11 10,11 11,10 11,10 10))"}}}}));
  const auto& s = index->summary();
  CHECK(s.repaired_polygons == 1);
  CHECK(s.places[static_cast<int>(PlaceLevel::district)] == 2);
  REQUIRE(s.problems.size() == 2);
  CHECK_THAT(s.problems[0], Catch::Contains("district.csv") && Catch::Contains("district"));
  CHECK_THAT(s.problems[1], Catch::Contains("empty id"));
  check_level(*index, PlaceLevel::district, {
      {0.5, 1.9, "BOW"}, {1.5, 1.9, "BOW"}, {0.2, 1.0, ""}, {10.5, 10.5, "OK"}});
}

TEST_CASE("the hierarchy is linked from parent fields, else spatially") {
  auto index = PlaceIndex::load(fixture("hierarchy", {
      {"country", {{"C", "", "POLYGON((0 0,10 0,10 10,0 10,0 0))"}}},
      {"region", {{"C-R", "C", "POLYGON((0 0,5 0,5 10,0 10,0 0))"}}},
      {"district", {{"C-R-D", "", "POLYGON((1 1,4 1,4 4,1 4,1 1))"}}}}));
  const Place* d = index->find("C-R-D");
  REQUIRE(d);
  REQUIRE(d->parent != Place::none);
  CHECK(index->places()[d->parent].id == "C-R");
  CHECK(index->summary().linked_spatially == 1);
  PlaceChain chain;
  REQUIRE(index->locate({2, 2}, chain) == LocateStatus::ok);
  CHECK(chain[PlaceLevel::country]->id == "C");
  CHECK(chain[PlaceLevel::region]->id == "C-R");
  CHECK(chain[PlaceLevel::district]->id == "C-R-D");
  REQUIRE(index->locate({8, 8}, chain) == LocateStatus::ok);
  CHECK(chain[PlaceLevel::country]->id == "C");
  CHECK(chain[PlaceLevel::region] == nullptr);
  CHECK(chain[PlaceLevel::district] == nullptr);
}

TEST_CASE("towns: the nearest inside the resolved parent, by geodesic distance, within reach") {
  // Two districts side by side at the equator; one degree of longitude there is 111.32 km.
  auto index = PlaceIndex::load(fixture("towns", {
      {"district", {{"W", "", "POLYGON((0 0,1 0,1 1,0 1,0 0))"},
                    {"E", "", "POLYGON((1 0,2 0,2 1,1 1,1 0))"}}},
      {"town", {{"W1", "W", "POINT(0.1 0.5)"}, {"W2", "W", "POINT(0.9 0.5)"},
                {"E1", "E", "POINT(1.05 0.5)"}}}}, 25));
  check_level(*index, PlaceLevel::town, {
      {0.5, 0.2, "W1"},
      {0.5, 0.8, "W2"},
      {0.5, 0.99, "W2"},   // E1 is closer (6.7 km vs 10 km) but in the other district
      {0.5, 1.2, "E1"},
      {0.5, 0.45, ""},     // 38.9 km from W1 and 50 km from W2: beyond 25 km
  });
}

TEST_CASE("manifest errors name the file, the line and the field") {
  fs::path dir = test::fresh_dir("manifest_errors");
  auto load_text = [&](const std::string& text) {
    return PlaceIndex::load(test::write_file(dir / "m.yaml", text).string());
  };
  CHECK_THROWS_WITH(load_text("levels:\n  - level: country\n    source: x.csv\n    name: n\n"),
                    Catch::Contains("m.yaml:2") && Catch::Contains("levels[0].id: missing"));
  CHECK_THROWS_WITH(load_text("levels:\n  - level: county\n    source: x.csv\n    id: i\n    name: n\n"),
                    Catch::Contains("m.yaml:2") && Catch::Contains("county"));
  CHECK_THROWS_WITH(load_text("levels: [\n"), Catch::Contains("m.yaml"));
  CHECK_THROWS_WITH(load_text("levels:\n  - level: town\n    source: x.csv\n    id: i\n    name: n\n"
                              "    max_distance_km: -3\n"),
                    Catch::Contains("m.yaml:6") && Catch::Contains("max_distance_km"));
  CHECK_THROWS_WITH(load_text("levels:\n  - level: country\n    source: nope.csv\n    id: i\n    name: n\n"),
                    Catch::Contains("nope.csv"));
  CHECK_THROWS_WITH(PlaceIndex::load((dir / "absent.yaml").string()), Catch::Contains("absent.yaml"));
  CHECK_THROWS_WITH(load_text("levels:\n  - level: country\n    source: x.csv\n    id: i\n    name: n\n    populaton: p\n"),
                    Catch::Contains("m.yaml:6: levels[0].populaton: unknown setting (did you mean 'population'?)"));
  CHECK_THROWS_WITH(load_text("levels:\n  - level: country\n    source: /vsicurl/http://example.com/x.gpkg\n    id: i\n"
                              "    name: n\n"),
                    Catch::Contains("m.yaml:3: levels[0].source") && Catch::Contains("not allowed"));
}

TEST_CASE("point levels from CSV with lat/lon fields, gzipped or not, bad rows reported by line") {
  fs::path dir = test::fresh_dir("point_csv");
  test::write_file(dir / "d.csv", csv_of({{"D", "", "POLYGON((0 0,2 0,2 2,0 2,0 0))"}}));
  test::write_file(dir / "towns.csv", "id,name,parent_id,lat,lon\nT1,One,D,0.5,0.5\nT2,Two,D,north,0.5\n"
                                      "T3,Three,D,1.5,1.5\n,NoId,D,1,1\nT4,Far,D,95,0\n");
  std::string manifest = "levels:\n  - level: district\n    source: d.csv\n    id: id\n    name: name\n"
                         "  - level: town\n    source: towns.csv\n    id: id\n    name: name\n    parent: parent_id\n"
                         "    lat: lat\n    lon: lon\n    max_distance_km: 100\n";
  auto index = PlaceIndex::load(test::write_file(dir / "m.yaml", manifest).string());
  const auto& s = index->summary();
  CHECK(s.places[static_cast<int>(PlaceLevel::town)] == 2);
  REQUIRE(s.problems.size() == 3);
  CHECK_THAT(s.problems[0], Catch::Contains("towns.csv:3: no coordinates"));
  CHECK_THAT(s.problems[1], Catch::Contains("towns.csv:5: empty id"));
  CHECK_THAT(s.problems[2], Catch::Contains("towns.csv:6: coordinates outside"));
  check_level(*index, PlaceLevel::town, {{0.6, 0.6, "T1"}, {1.4, 1.4, "T3"}});
  CHECK_THROWS_WITH(PlaceIndex::load(test::write_file(dir / "bad.yaml",
                        "levels:\n  - level: town\n    source: towns.csv\n    id: id\n    name: name\n"
                        "    lat: latitude\n    lon: lon\n").string()),
                    Catch::Contains("no field 'latitude'") && Catch::Contains("line 2"));
}

TEST_CASE("a duplicate id keeps the first feature in file order and reports the others") {
  auto index = PlaceIndex::load(fixture("dup", {{"district",
                                                 {{"B", "", "POLYGON((5 0,6 0,6 1,5 1,5 0))"},
                                                  {"A", "", "POLYGON((0 0,1 0,1 1,0 1,0 0))"},
                                                  {"A", "", "POLYGON((2 0,3 0,3 1,2 1,2 0))"},
                                                  {"A", "", "POLYGON((3 0,4 0,4 1,3 1,3 0))"}}}}));
  const auto& s = index->summary();
  CHECK(s.places[static_cast<int>(PlaceLevel::district)] == 2);
  REQUIRE(s.problems.size() == 2);
  CHECK_THAT(s.problems[0], Catch::Contains("duplicate id 'A' (kept the first)"));
  check_level(*index, PlaceLevel::district, {{0.5, 0.5, "A"}, {0.5, 2.5, ""}, {0.5, 3.5, ""}, {0.5, 5.5, "B"}});
}

TEST_CASE("a gzipped point CSV reads like the plain one, a damaged one is an error naming it") {
  fs::path dir = test::fresh_dir("point_csv_gz");
  test::write_file(dir / "d.csv", csv_of({{"D", "", "POLYGON((0 0,2 0,2 2,0 2,0 0))"}}));
  std::string towns = "id,name,parent_id,lat,lon\n";
  for (int i = 0; i < 20000; ++i) {  // several of the reader's chunks once inflated
    char row[96];
    std::snprintf(row, sizeof row, "T%d,Town %d,D,%.2f,%.5f\n", i, i, 0.5 + i % 100 / 100.0, 0.5 + i / 20000.0);
    towns += row;
  }
  const std::string gz = gzip(towns);
  test::write_file(dir / "towns.csv.gz", gz);
  test::write_file(dir / "cut.csv.gz", gz.substr(0, gz.size() / 2));
  auto manifest = [&](const std::string& source) {
    return test::write_file(dir / "m.yaml",
                            "levels:\n  - level: district\n    source: d.csv\n    id: id\n    name: name\n"
                            "  - level: town\n    source: " + source + "\n    id: id\n    name: name\n"
                            "    parent: parent_id\n    lat: lat\n    lon: lon\n").string();
  };
  auto index = PlaceIndex::load(manifest("towns.csv.gz"));
  CHECK(index->summary().places[static_cast<int>(PlaceLevel::town)] == 20000);
  CHECK(index->summary().problems.empty());
  REQUIRE(index->find("T19999") != nullptr);
  CHECK(index->find("T19999")->name == "Town 19999");
  CHECK(index->find("T19999")->point.lat == Approx(1.49));
  CHECK_THROWS_WITH(PlaceIndex::load(manifest("cut.csv.gz")),
                    Catch::Contains("cut.csv.gz") && Catch::Contains("cannot decompress"));
}

TEST_CASE("resource bounds: places per level, vertices per place, problems listed") {
  fs::path dir = test::fresh_dir("place_limits");
  test::write_file(dir / "d.csv", csv_of({{"D", "", "POLYGON((0 0,2 0,2 2,0 2,0 0))"}}));
  // A gzip that inflates to many rows: 300,000 towns, 2,000 of them without coordinates.
  std::string towns = "id,name,parent_id,lat,lon\n";
  for (int i = 0; i < 300'000; ++i)
    towns += "T" + std::to_string(i) + ",Town,D," + (i % 150 == 0 ? std::string("x") : "1") + ",1\n";
  test::write_file(dir / "towns.csv.gz", gzip(towns));
  const std::string manifest = test::write_file(dir / "m.yaml",
      "levels:\n  - level: district\n    source: d.csv\n    id: id\n    name: name\n"
      "  - level: town\n    source: towns.csv.gz\n    id: id\n    name: name\n    parent: parent_id\n"
      "    lat: lat\n    lon: lon\n").string();
  PlaceIndexOptions small;
  small.max_places_per_level = 100'000;
  try {
    (void)PlaceIndex::load(manifest, small);
    FAIL("a level above max_places_per_level was loaded");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::limit_exceeded);
    CHECK_THAT(e.what(), Catch::Contains("towns.csv.gz") && Catch::Contains("more than 100000 places"));
  }
  // Within the limit: loaded, the bad rows listed up to 1,000 and counted beyond.
  auto index = PlaceIndex::load(manifest);
  const auto& s = index->summary();
  CHECK(s.places[static_cast<int>(PlaceLevel::town)] == 298'000);
  CHECK(s.problems.size() == PlaceLoadSummary::kMaxListed);
  CHECK(s.problems.size() + s.problems_not_listed == 2'000);

  // A polygon with more vertices than allowed is left out and reported.
  std::string ring = "POLYGON((";
  for (int i = 0; i < 1000; ++i) ring += std::to_string(5 + i * 0.001) + " 5,";
  ring += "6 6,5 6,5 5))";
  test::write_file(dir / "big.csv", csv_of({{"BIG", "", ring}, {"D", "", "POLYGON((0 0,2 0,2 2,0 2,0 0))"}}));
  PlaceIndexOptions few;
  few.max_vertices_per_place = 500;
  auto bounded = PlaceIndex::load(test::write_file(dir / "big.yaml",
      "levels:\n  - level: district\n    source: big.csv\n    id: id\n    name: name\n").string(), few);
  CHECK(bounded->find("BIG") == nullptr);
  CHECK(bounded->find("D") != nullptr);
  REQUIRE(bounded->summary().problems.size() == 1);
  CHECK_THAT(bounded->summary().problems[0], Catch::Contains("1003 vertices, more than 500"));
}
