// `geotarget map` end to end: real CSV files in, real CSV / GeoPackage out, through the CLI.
#include <catch2/catch.hpp>
#include <gdal/ogrsf_frmts.h>

#include <filesystem>
#include <sstream>

#include "csv_reader.hpp"
#include "geotarget/batch_mapper.hpp"
#include "test_support.hpp"

using namespace geotarget;
namespace fs = std::filesystem;

namespace {

std::vector<std::vector<std::string>> read_csv(const fs::path& path) {
  std::istringstream in(test::read_file(path));
  detail::CsvReader reader(in);
  detail::CsvRecord r;
  std::vector<std::vector<std::string>> rows;
  while (reader.next(r) == detail::CsvStatus::ok) rows.emplace_back(r.fields.begin(), r.fields.end());
  return rows;
}

std::size_t column(const std::vector<std::string>& header, const std::string& name) {
  auto it = std::find(header.begin(), header.end(), name);
  REQUIRE(it != header.end());
  return static_cast<std::size_t>(it - header.begin());
}

}  // namespace

TEST_CASE("every input column is kept, geo columns appended, every row accounted for") {
  fs::path dir = test::fresh_dir("map_basic");
  test::write_file(dir / "in.csv",
                   "\xEF\xBB\xBFid,name,Latitude,LNG,address,City,STATE,Zip\r\n"
                   "1,\"Smith, J\",40.7831,-73.9712,,,,\r\n"
                   "2,Doe,,,\"123 Main St, Springfield, IL 62701\",,,\r\n"
                   "3,\"multi\nline\",,,,Cañon City,CO,\r\n"
                   "4,Bad,91.5,10,,,,\r\n"
                   "5,Half,40.1,,,,,\r\n"
                   "6,Text,n/a,3,,,,\r\n"
                   "7,short\r\n"
                   "8,\"broken\"quote,,,,,,\r\n"
                   "9,Nothing,,,,,,\r\n"
                   "10,Zip,,,,,,2134\r\n");
  auto r = test::run_cli({"map", (dir / "in.csv").string(), "-o", (dir / "out.csv").string(), "--rejects",
                          (dir / "rejects.csv").string()});
  CHECK(r.exit_code == 1);  // rows were rejected, the rest written
  CHECK_THAT(r.err, Catch::Contains("10 rows in, 5 rows out, 5 rejected"));
  auto out = read_csv(dir / "out.csv");
  REQUIRE(out.size() == 6);
  const auto& h = out[0];
  CHECK(std::vector<std::string>(h.begin(), h.begin() + 8) ==
        std::vector<std::string>{"id", "name", "Latitude", "LNG", "address", "City", "STATE", "Zip"});
  std::vector<std::string> ids;
  for (std::size_t i = 1; i < out.size(); ++i) ids.push_back(out[i][0]);
  CHECK(ids == std::vector<std::string>{"1", "2", "3", "9", "10"});  // input order kept
  CHECK(out[1][1] == "Smith, J");
  CHECK(out[1][column(h, "geo_district")] == "US-36061");
  CHECK(out[1][column(h, "geo_match")] == "coordinates");
  CHECK(out[2][column(h, "geo_postal")] == "US-ZIP-62701");
  CHECK(out[2][column(h, "geo_match")] == "postal");
  CHECK(out[3][1] == "multi\nline");
  CHECK(out[3][column(h, "geo_town")] == "GN-5416005");
  CHECK(out[4][column(h, "geo_match")] == "none");  // matches nothing: written, not rejected
  CHECK(out[5][column(h, "geo_postal")] == "US-ZIP-02134");

  auto rejects = read_csv(dir / "rejects.csv");
  REQUIRE(rejects.size() == 6);
  CHECK(rejects[0] == std::vector<std::string>{"line", "reason", "raw"});
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"6", "lat 91.5 is outside"}, {"7", "lat is given but lon is empty"}, {"8", "lat 'n/a' is not a number"},
      {"9", "has 2 fields, the header has 8"}, {"10", "text_after_quote"}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CHECK(rejects[i + 1][0] == expected[i].first);
    CHECK_THAT(rejects[i + 1][1], Catch::Contains(expected[i].second));
  }
  CHECK(rejects[1][2] == "4,Bad,91.5,10,,,,");
}

TEST_CASE("semicolons, flags naming the columns, and a GeoPackage with points") {
  fs::path dir = test::fresh_dir("map_gpkg");
  test::write_file(dir / "in.csv", "kunde;breite;laenge;ort\nA;48.8566;2.3522;\nB;;;Springfield\n");
  auto r = test::run_cli({"map", (dir / "in.csv").string(), "-o", (dir / "out.gpkg").string(), "--lat-column",
                          "breite", "--lon-column", "laenge", "--city-column", "ort"});
  REQUIRE(r.exit_code == 0);
  GDALAllRegister();
  GDALDataset* ds = static_cast<GDALDataset*>(GDALOpenEx((dir / "out.gpkg").c_str(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr));
  REQUIRE(ds);
  OGRLayer* layer = ds->GetLayer(0);
  REQUIRE(layer->GetFeatureCount() == 2);
  std::unique_ptr<OGRFeature> a(layer->GetNextFeature());
  CHECK(std::string(a->GetFieldAsString("kunde")) == "A");
  CHECK(std::string(a->GetFieldAsString("geo_country")) == "FR");
  REQUIRE(a->GetGeometryRef());
  CHECK(a->GetGeometryRef()->toPoint()->getX() == 2.3522);
  std::unique_ptr<OGRFeature> b(layer->GetNextFeature());
  CHECK(std::string(b->GetFieldAsString("geo_match")) == "country");  // Springfield: several states
  GDALClose(ds);
}

TEST_CASE("geo_reason is the last geo column and says why a postal code decided nothing") {
  fs::path dir = test::fresh_dir("map_reason");
  // 80331 is central Munich's postcode (the pack ships US ZIPs only); no ZIP is above 99950
  // (Ketchikan, AK), so 99999 is in no postal data; 62701 is Springfield, IL.
  test::write_file(dir / "in.csv",
                   "id,lat,lon,address\n"
                   "munich,,,\"Marienplatz 8, 80331 München, Deutschland\"\n"
                   "unknown,,,\"1 Main St, Springfield, IL 99999\"\n"
                   "zip,,,\"123 Main St, Springfield, IL 62701\"\n"
                   "point,40.7831,-73.9712,\n");
  auto r = test::run_cli({"map", (dir / "in.csv").string(), "-o", (dir / "out.csv").string()});
  REQUIRE(r.exit_code == 0);
  const auto out = read_csv(dir / "out.csv");
  REQUIRE(out.size() == 5);
  const auto& h = out[0];
  CHECK(column(h, "geo_reason") + 1 == h.size());
  CHECK(out[1][column(h, "geo_match")] == "town");
  CHECK(out[1][column(h, "geo_town")] == "GN-2867714");  // München, GeoNames 2867714
  CHECK(out[1][column(h, "geo_reason")] == kPostalNoData);
  CHECK(out[2][column(h, "geo_match")] == "town");
  CHECK(out[2][column(h, "geo_region")] == "US-IL");
  CHECK(out[2][column(h, "geo_reason")] == kPostalUnknown);
  CHECK(out[3][column(h, "geo_postal")] == "US-ZIP-62701");
  CHECK(out[3][column(h, "geo_reason")].empty());
  CHECK(out[4][column(h, "geo_match")] == "coordinates");
  CHECK(out[4][column(h, "geo_reason")].empty());

  r = test::run_cli({"map", (dir / "in.csv").string(), "-o", (dir / "out.gpkg").string()});
  REQUIRE(r.exit_code == 0);
  GDALAllRegister();
  GDALDataset* ds = static_cast<GDALDataset*>(GDALOpenEx((dir / "out.gpkg").c_str(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr));
  REQUIRE(ds);
  OGRFeatureDefn* defn = ds->GetLayer(0)->GetLayerDefn();
  CHECK(defn->GetFieldIndex("geo_reason") + 1 == defn->GetFieldCount());
  std::unique_ptr<OGRFeature> munich(ds->GetLayer(0)->GetNextFeature());
  CHECK(std::string(munich->GetFieldAsString("geo_reason")) == kPostalNoData);
  GDALClose(ds);
}

// GeoNames cities1000 (2020 export): Financial District GN-8436473 at 40.70789,-74.00857, 0.59 km
// from New York City Hall (40.7128,-74.0060), the next section of New York City (Chinatown) 0.92 km;
// Paris's only section, La Defense, is 9 km from its centre, beyond the 2.5 km of default.yaml.
TEST_CASE("map writes the brief's nine geo columns, then geo_neighbourhood and geo_reason, in CSV and GeoPackage") {
  fs::path dir = test::fresh_dir("map_neighbourhood");
  test::write_file(dir / "in.csv", "id,lat,lon,address\n1,40.7128,-74.0060,\n2,48.8566,2.3522,\n"
                                   "3,,,\"Financial District, New York\"\n4,,,\"Chinatown, NY\"\n");
  for (const char* output : {"out.csv", "out.gpkg"}) {
    auto r = test::run_cli({"map", (dir / "in.csv").string(), "-o", (dir / output).string()});
    REQUIRE(r.exit_code == 0);
  }
  auto out = read_csv(dir / "out.csv");
  REQUIRE(out.size() == 5);
  const auto& h = out[0];
  CHECK(std::vector<std::string>(h.begin() + 4, h.end()) ==
        std::vector<std::string>{"geo_lat", "geo_lon", "geo_country", "geo_region", "geo_district", "geo_town",
                                 "geo_postal", "geo_match", "geo_confidence", "geo_neighbourhood", "geo_reason"});
  const std::size_t town = column(h, "geo_town"), section = column(h, "geo_neighbourhood");
  CHECK(out[1][town] == "GN-5128581");
  CHECK(out[1][section] == "GN-8436473");
  CHECK(out[2][town] == "GN-2988507");  // Paris
  CHECK(out[2][section].empty());
  CHECK(out[3][town] == "GN-5128581");  // named by its section, in its state
  CHECK(out[3][section] == "GN-8436473");
  CHECK(out[3][column(h, "geo_match")] == "town");
  CHECK(out[4][town] == "GN-5128581");
  CHECK(out[4][section] == "GN-5112540");

  GDALAllRegister();
  GDALDataset* ds = static_cast<GDALDataset*>(GDALOpenEx((dir / "out.gpkg").c_str(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr));
  REQUIRE(ds);
  OGRLayer* layer = ds->GetLayer(0);
  OGRFeatureDefn* defn = layer->GetLayerDefn();
  CHECK(defn->GetFieldIndex("geo_neighbourhood") == defn->GetFieldIndex("geo_confidence") + 1);
  std::unique_ptr<OGRFeature> a(layer->GetNextFeature());
  CHECK(std::string(a->GetFieldAsString("geo_neighbourhood")) == "GN-8436473");
  CHECK(std::string(a->GetFieldAsString("geo_postal")) == "US-ZIP-10007");
  GDALClose(ds);
}

TEST_CASE("output order is input order with many threads and small batches of work") {
  fs::path dir = test::fresh_dir("map_order");
  std::string csv = "n,lat,lon\n";
  for (int i = 0; i < 30000; ++i)
    csv += std::to_string(i) + "," + std::to_string(25 + (i % 2400) * 0.01) + "," +
           std::to_string(-124 + (i % 5700) * 0.01) + "\n";
  test::write_file(dir / "in.csv", csv);
  auto r = test::run_cli({"map", (dir / "in.csv").string(), "-o", (dir / "out.csv").string(), "--threads", "4"});
  REQUIRE(r.exit_code == 0);
  auto out = read_csv(dir / "out.csv");
  REQUIRE(out.size() == 30001);
  bool ordered = true;
  for (int i = 0; i < 30000; ++i) ordered &= out[static_cast<std::size_t>(i) + 1][0] == std::to_string(i);
  CHECK(ordered);
}

TEST_CASE("a file of coordinates only: a row without them is written with geo_match none") {
  fs::path dir = test::fresh_dir("map_coords_only");
  test::write_file(dir / "in.csv", "id,lat,lon\n1,40.7831,-73.9712\n2,,\n3,34.05,-118.25\n");
  auto r = test::run_cli({"map", (dir / "in.csv").string(), "-o", (dir / "out.csv").string()});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.err, Catch::Contains("3 rows in, 3 rows out, 0 rejected; geo_match: coordinates 2 ") &&
                        Catch::Contains(" none 1"));
  auto out = read_csv(dir / "out.csv");
  REQUIRE(out.size() == 4);
  CHECK(out[2][column(out[0], "geo_match")] == "none");
  CHECK(out[2][column(out[0], "geo_district")].empty());
  CHECK(out[3][column(out[0], "geo_district")] == "US-06037");
}

TEST_CASE("a file without location columns is a usage error naming the file") {
  fs::path dir = test::fresh_dir("map_nocols");
  test::write_file(dir / "in.csv", "id,segment\n1,gold\n");
  auto r = test::run_cli({"map", (dir / "in.csv").string(), "-o", (dir / "out.csv").string()});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("in.csv:1: no location column"));
}

TEST_CASE("the input is never an output: same path, another spelling or a hard link is refused, the file intact") {
  fs::path dir = test::fresh_dir("map_same_file");
  std::string rows = "id,lat,lon\n";
  for (int i = 0; i < 5000; ++i) rows += std::to_string(i) + ",40.7831,-73.9712\n";
  const fs::path in = test::write_file(dir / "in.csv", rows);
  fs::create_hard_link(in, dir / "link.csv");
  const std::vector<std::vector<std::string>> tries = {
      {"map", in.string(), "-o", in.string()},
      {"map", in.string(), "-o", (dir / "." / "in.csv").string()},
      {"map", in.string(), "-o", (dir / "link.csv").string()},
      {"map", in.string(), "-o", (dir / "out.csv").string(), "--rejects", in.string()},
      {"map", in.string(), "-o", (dir / "out.csv").string(), "--rejects", (dir / "out.csv").string()}};
  for (const auto& args : tries) {
    INFO(args[3] << (args.size() > 4 ? " --rejects " + args[5] : ""));
    auto r = test::run_cli(args);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("is the input file") || Catch::Contains("must differ"));
    CHECK(test::read_file(in) == rows);
  }
  CHECK_FALSE(fs::exists(dir / "out.csv"));
}

TEST_CASE("outputs appear whole or not at all: a failed run leaves the old output, and no temporary file") {
  fs::path dir = test::fresh_dir("map_atomic");
  const fs::path in = test::write_file(dir / "in.csv", "id,lat,lon\n1,40.7831,-73.9712\n");
  const fs::path out = test::write_file(dir / "out.csv", "the previous output\n");
  // The rejects file cannot be created (its folder does not exist): the run fails before any
  // row, and out.csv must still be the previous output.
  auto r = test::run_cli({"map", in.string(), "-o", out.string(), "--rejects", (dir / "no" / "rejects.csv").string()});
  CHECK(r.exit_code == 2);
  CHECK(test::read_file(out) == "the previous output\n");
  // A successful run replaces it; nothing else is left beside it.
  r = test::run_cli({"map", in.string(), "-o", out.string()});
  CHECK(r.exit_code == 0);
  CHECK(read_csv(out).size() == 2);
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"in.csv", "out.csv", "out.csv.rejects.csv"});
}

TEST_CASE("an output format that map does not write is refused, not filled with CSV") {
  fs::path dir = test::fresh_dir("map_format");
  const fs::path in = test::write_file(dir / "in.csv", "id,lat,lon\n1,40.7831,-73.9712\n");
  auto r = test::run_cli({"map", in.string(), "-o", (dir / "out.parquet").string()});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("out.parquet") && Catch::Contains("not .parquet"));
  CHECK_FALSE(fs::exists(dir / "out.parquet"));
}

TEST_CASE("batches are bounded by bytes as well as rows: large rows come out whole and in order") {
  fs::path dir = test::fresh_dir("map_batch_bytes");
  // 60 rows of ~300 KiB each (the reader accepts rows up to 1 MiB): 18 MiB of text, so the
  // default 8 MiB batches split it, and 1 KiB batches give every row its own.
  std::string text = "id,lat,lon,note\n";
  for (int i = 0; i < 60; ++i)
    text += std::to_string(i) + ",40.7831,-73.9712," + std::string(300'000 + i, static_cast<char>('a' + i % 26)) + "\n";
  const fs::path in = test::write_file(dir / "in.csv", text);
  auto index = PlaceIndex::load(std::string(GEOTARGET_SOURCE_DIR) + "/geodata/default.yaml");
  std::string outputs[3];
  const std::size_t batch_bytes[3] = {std::size_t{8} << 20, 1024, std::size_t{1} << 30};
  for (int k = 0; k < 3; ++k) {
    MapOptions o;
    o.input = in.string();
    o.output = (dir / ("out" + std::to_string(k) + ".csv")).string();
    o.threads = 2;
    o.batch_bytes = batch_bytes[k];
    GazetteerSource gazetteer(index);
    std::ostringstream progress;
    const MapSummary s = map_customers(o, *index, gazetteer, progress);
    CHECK(s.rows_in == 60);
    CHECK(s.rows_out == 60);
    CHECK(s.rejected == 0);
    outputs[k] = test::read_file(o.output);
  }
  CHECK(outputs[0] == outputs[1]);
  CHECK(outputs[0] == outputs[2]);
  const auto rows = read_csv(dir / "out0.csv");
  REQUIRE(rows.size() == 61);
  for (int i = 0; i < 60; ++i) {
    CHECK(rows[i + 1][0] == std::to_string(i));
    CHECK(rows[i + 1][3].size() == static_cast<std::size_t>(300'000 + i));
  }
  MapOptions bad;
  bad.input = in.string();
  bad.output = (dir / "bad.csv").string();
  bad.batch_bytes = std::size_t{2} << 30;
  GazetteerSource gazetteer(index);
  std::ostringstream progress;
  CHECK_THROWS_WITH(map_customers(bad, *index, gazetteer, progress), Catch::Contains("batch_bytes"));
}

TEST_CASE("map with -o - writes the mapped rows to standard output and rejects to rejects.csv") {
  fs::path dir = test::fresh_dir("map_stdout");
  const fs::path in = test::write_file(dir / "in.csv", "id,lat,lon\n1,40.7831,-73.9712\n2,x,1\n");
  const fs::path rejects = dir / "rejects.csv";
  auto r = test::run_cli({"map", in.string(), "-o", "-", "--rejects", rejects.string()});
  CHECK(r.exit_code == 1);
  const auto lines = test::lines_of(r.out);
  REQUIRE(lines.size() == 2);
  CHECK_THAT(lines[0], Catch::StartsWith("id,lat,lon,geo_lat"));
  CHECK_THAT(lines[1], Catch::StartsWith("1,40.7831,-73.9712,40.7831,-73.9712,US,US-NY,US-36061"));
  CHECK_FALSE(fs::exists(dir / "-"));
  CHECK_THAT(test::read_file(rejects), Catch::Contains("lat 'x' is not a number"));
}

TEST_CASE("map --stores adds the nearest store within the maximum and its geodesic distance") {
  const auto dir = test::fresh_dir("map-stores");
  test::write_file(dir / "stores.csv", "id,name,lat,lon\nnyc,Midtown,40.7549,-73.9840\nbk,Brooklyn,40.6782,-73.9442\n");
  // Near Midtown; near Brooklyn; 60 km from both; a state only (no point, no store).
  test::write_file(dir / "in.csv", "id,lat,lon,state\n1,40.7580,-73.9855,\n2,40.68,-73.95,\n3,41.3,-74.3,\n4,,,NY\n");
  auto r = test::run_cli({"map", (dir / "in.csv").string(), "-o", (dir / "out.csv").string(), "--stores",
                          (dir / "stores.csv").string(), "--store-max-km", "30"});
  REQUIRE(r.exit_code == 0);
  const auto lines = test::lines_of(test::read_file(dir / "out.csv"));
  REQUIRE(lines.size() == 5);
  CHECK_THAT(lines[0], Catch::EndsWith(",geo_match,geo_confidence,geo_neighbourhood,geo_reason,geo_store,geo_store_km"));
  CHECK_THAT(lines[1], Catch::EndsWith(",coordinates,1.00,GN-5120442,,nyc,0.37"));  // Hell's Kitchen, 0.9 km (cities1000)  // 0.3668 km (Vincenty)
  CHECK_THAT(lines[2], Catch::EndsWith(",coordinates,1.00,,,bk,0.53"));  // 0.5295 km, Midtown 8.8 km
  CHECK_THAT(lines[3], Catch::EndsWith(",coordinates,1.00,,,,"));
  CHECK_THAT(lines[4], Catch::EndsWith(",region,0.50,,,,"));
  r = test::run_cli({"map", (dir / "in.csv").string(), "-o", (dir / "out2.csv").string(), "--stores",
                     (dir / "missing.csv").string()});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("missing.csv: cannot read the stores file"));
}

TEST_CASE("a file mapped in parts that begin at record starts concatenates to the file mapped whole") {
  fs::path dir = test::fresh_dir("map_parts");
  // Quoted line ends (LF, CRLF, lone CR), blank lines, rejects of every kind, a UTF-8 BOM.
  const std::string csv =
      "\xEF\xBB\xBFid,lat,lon,address,note\n"
      "1,40.7831,-73.9712,,\"two\nlines\"\n"
      "2,,,\"48 2nd Ave, Randolph, NJ 07970\",plain\r\n"
      "\n"
      "3,91,10,,out of range\n"
      "4,34.05,-118.24,,\"crlf\r\ninside\"\r"
      "5,bad\"quote,1,,x\n"
      "6,1,2\n"
      "\n\n"
      "7,47.6,-122.3,,\"ends\"\n"
      "8,,,\"Springfield\",\"a \"\"quoted\"\" word\"\n"
      "9,41.88,-87.63,,last";
  test::write_file(dir / "in.csv", csv);
  auto index = PlaceIndex::load(test::source_path("geodata/default.yaml").string());
  GazetteerSource gazetteer(index);
  std::ostringstream quiet;
  auto map = [&](const std::string& name, MapPart part) {
    MapOptions o;
    o.input = (dir / "in.csv").string();
    o.output = (dir / (name + ".csv")).string();
    o.threads = 2;
    o.batch_rows = 2;
    o.part = part;
    return map_customers(o, *index, gazetteer, quiet);
  };
  const MapSummary whole = map("whole", {});
  REQUIRE(whole.rows_in == 9);
  REQUIRE(whole.rejected == 3);

  // Every record start, as the CSV reader finds it in the whole file.
  std::istringstream in(csv);
  detail::CsvReader reader(in);
  detail::CsvRecord r;
  std::vector<RecordPosition> starts;
  while (reader.next(r) != detail::CsvStatus::end_of_input) starts.push_back({r.byte_offset, r.line});
  REQUIRE(starts.size() == 10);  // the header and 9 rows

  for (std::size_t cut = 1; cut < starts.size(); ++cut) {
    CAPTURE(cut);
    const MapSummary a = map("a", {0, starts[cut].offset, 1, true});
    const MapSummary b = map("b", {starts[cut].offset, UINT64_MAX, starts[cut].line, false});
    CHECK(a.next == starts[cut]);
    CHECK(b.first == starts[cut]);
    CHECK(b.next == RecordPosition{csv.size(), 0});
    CHECK(a.rows_in + b.rows_in == whole.rows_in);
    CHECK(test::read_file(dir / "a.csv") + test::read_file(dir / "b.csv") == test::read_file(dir / "whole.csv"));
    CHECK(test::read_file(dir / "a.csv.rejects.csv") + test::read_file(dir / "b.csv.rejects.csv") ==
          test::read_file(dir / "whole.csv.rejects.csv"));
  }

  SECTION("a part begun inside a quoted field does not begin where the part before ends") {
    const std::uint64_t inside = csv.find("lines\"");
    const MapSummary a = map("a", {0, inside, 1, true});
    const MapSummary b = map("b", {inside, UINT64_MAX, 3, false});
    CHECK(a.next == starts[2]);
    CHECK_FALSE(b.first == a.next);
  }
}
