// `geotarget report` for store catchments, campaigns spanning continents, and plan against
// actual (--spend): an allocation written here, a ledger written through the delivery module's
// own ledger (open_ledger, try_spend, record_conversion, tick), every output read back
// independently (the HTML as text, the CSV with the project's reader, JSON with nlohmann, the
// GeoPackage with GDAL) and compared with the allocation and the ledger.
#include <catch2/catch.hpp>
#include <gdal/ogrsf_frmts.h>
#include <geodesic.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "csv_reader.hpp"
#include "geotarget/allocation_file.hpp"
#include "geotarget/budget_ledger.hpp"
#include "report_map.hpp"
#include "test_support.hpp"

using namespace geotarget;
namespace fs = std::filesystem;

namespace {

// chain (level store, min_audience 30): SF and Oakland with their own budgets; San Jose rolled
// up into Santa Clara (shown: named there); "Tiny <i>Corner</i>" (audience 10, rolled up) and
// "Hidden Mall" (audience 20, left with a budget) below the floor: never named.
// world (level region): four regions on three continents. levant: Tbilisi and Tel Aviv, small
// regions 1,200 km apart; rhine: Baden-Württemberg and Grand Est, neighbours across the Rhine.
std::string allocation(const std::string& geodata) {
  auto store = [](const char* id, const char* name, int audience, int cents, const char* binding, const char* into, double lat,
                  double lon, double km) {
    return std::string(R"({"area_id": ")") + id + R"(", "level": "store", "name": ")" + name + R"(", "audience": )" +
           std::to_string(audience) + R"(, "budget_cents": )" + std::to_string(cents) +
           R"(, "offer": null, "expected_response": 10, "expected_conversions": 0.5, "marginal_return": 1, "binding": ")" + binding +
           R"(", "merged_into": )" + (into ? "\"" + std::string(into) + "\"" : "null") +
           R"(, "reason": null, "lat": )" + std::to_string(lat) + R"(, "lon": )" + std::to_string(lon) +
           R"(, "radius_km": )" + std::to_string(km) + "}";
  };
  auto region = [](const char* id, int cents) {
    return std::string(R"({"area_id": ")") + id + R"(", "level": "region", "audience": 50, "budget_cents": )" +
           std::to_string(cents) + R"(, "expected_response": 5, "binding": "none"})";
  };
  auto two_regions = [&](const char* id, const char* a, const char* b) {
    return std::string(R"({"id": ")") + id +
           R"(", "method": "proportional", "level": "region", "budget_cents": 200000, "unspent_cents": 0, "min_audience": 1, "areas": [)" +
           region(a, 100000) + "," + region(b, 100000) + "]}";
  };
  return R"({"currency": "USD", "geodata": ")" + geodata + R"(", "campaigns": [
  {"id": "chain", "name": "Chain", "method": "optimal", "level": "store", "budget_cents": 650000, "unspent_cents": 0,
   "min_audience": 30, "areas": [)" +
         store("s-sf", "SF &lt;Market&gt;", 120, 300000, "none", nullptr, 37.7793, -122.4193, 5) + ",\n" +
         store("s-oak", "Oakland", 80, 200000, "none", nullptr, 37.8044, -122.2712, 5) + ",\n" +
         store("s-hidden", "Hidden Mall", 20, 50000, "none", nullptr, 37.55, -122.05, 5) + ",\n" +
         store("s-sj", "San Jose", 40, 0, "merged", "US-06085", 37.3382, -121.8863, 8) + ",\n" +
         store("s-tiny", "Tiny <i>Corner</i>", 10, 0, "merged", "US-06085", 37.40, -122.10, 3) + ",\n" +
         R"({"area_id": "US-06085", "level": "district", "name": "Santa Clara", "audience": 50, "budget_cents": 100000,
     "expected_response": 5, "binding": "none"}]},
  {"id": "world", "method": "proportional", "level": "region", "budget_cents": 400000, "unspent_cents": 0, "min_audience": 1,
   "areas": [)" + region("DE-BY", 100000) + "," + region("JP-13", 100000) + "," + region("BR-SP", 100000) + "," +
         region("CA-ON", 100000) + "]},\n" + two_regions("levant", "GE-TB", "IL-TA") + ",\n" +
         two_regions("rhine", "DE-BW", "FR-GES") + "]}";
}

// What the ledger records, per campaign/area: spent cents and conversions.
const std::map<std::string, std::pair<std::int64_t, int>> kSpend = {
    {"chain/s-sf", {150000, 3}}, {"chain/s-oak", {200000, 5}},   {"chain/US-06085", {90000, 1}},
    {"chain/s-hidden", {12345, 2}}, {"world/JP-13", {40000, 7}}};

struct Fixture {
  fs::path dir, out;
  AllocationFile allocation;
};

const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture x;
    x.dir = test::fresh_dir("report_delivery-" + std::to_string(::getpid()));
    test::write_file(x.dir / "alloc.json", allocation(test::source_path("geodata/default.yaml").string()));
    x.allocation = read_allocation_file((x.dir / "alloc.json").string());
    const std::vector<BudgetAccount> accounts = budget_accounts(x.allocation);
    {
      auto ledger = open_ledger((x.dir / "alloc.ledger").string(), accounts);
      for (std::size_t i = 0; i < accounts.size(); ++i) {
        auto it = kSpend.find(accounts[i].campaign_id + "/" + accounts[i].area_id);
        if (it == kSpend.end()) continue;
        REQUIRE(ledger->try_spend(i, it->second.first));
        for (int k = 0; k < it->second.second; ++k) ledger->record_conversion(i);
      }
      ledger->tick(std::chrono::steady_clock::now() + std::chrono::hours(1));
    }
    x.out = x.dir / "out";
    auto r = test::run_cli({"report", "--allocation", (x.dir / "alloc.json").string(), "-o", x.out.string(), "--spend",
                            (x.dir / "alloc.ledger").string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return x;
  }();
  return f;
}

std::string section_of(const std::string& html, const std::string& campaign) {
  const std::size_t at = html.find("<section id=\"campaign-" + campaign + "\"");
  REQUIRE(at != std::string::npos);
  return html.substr(at, html.find("</section>", at) - at);
}

std::string attribute(const std::string& tag, const std::string& name) {
  std::smatch m;
  return std::regex_search(tag, m, std::regex(" " + name + "=\"([^\"]*)\"")) ? m[1].str() : "";
}

// Every start tag of `element` whose class attribute is exactly `classes`.
std::vector<std::string> tags(const std::string& text, const std::string& element, const std::string& classes) {
  std::vector<std::string> out;
  const std::regex re("<" + element + " class=\"" + classes + "\"[^>]*>");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it) out.push_back(it->str());
  return out;
}

}  // namespace

TEST_CASE("store catchments: one circle per store with its own budget, coloured from the legend") {
  const std::string chain = section_of(test::read_file(fixture().out / "report.html"), "chain");
  std::map<std::string, std::int64_t> budgets;
  std::vector<std::int64_t> drawn;
  for (const AreaAllocation& a : fixture().allocation.campaigns[0].areas)
    if (a.binding != Binding::merged && a.audience >= 30) budgets[a.area_id] = a.budget_cents, drawn.push_back(a.budget_cents);
  const detail::Legend legend = detail::quantile_legend(drawn, 5);
  std::map<std::string, std::int64_t> circles;
  for (const std::string& tag : tags(chain, "path", "area catchment")) {
    const std::string id = attribute(tag, "data-area");
    circles[id] = std::stoll(attribute(tag, "data-budget-cents"));
    CHECK(attribute(tag, "fill") == legend.colour_of(circles[id]));
  }
  CHECK(circles == std::map<std::string, std::int64_t>{{"s-oak", 200000}, {"s-sf", 300000}});
  CHECK(circles.at("s-sf") == budgets.at("s-sf"));
  // San Jose is drawn as part of Santa Clara, the district that holds its budget, and says so.
  const auto rolled = tags(chain, "path", "catchment rolled-up");
  REQUIRE(rolled.size() == 1);
  CHECK(attribute(rolled[0], "data-store") == "s-sj");
  CHECK_THAT(chain, Catch::Contains("San Jose (s-sj), 8.0 km: rolled up into Santa Clara (US-06085), whose budget holds it"));
  // The stores table: name and budget, escaped once; the hidden ones only as a count.
  CHECK_THAT(chain, Catch::Contains("<tr data-store=\"s-sf\"><td>SF &amp;lt;Market&amp;gt; (s-sf)</td>"));
  CHECK_THAT(chain, Catch::Contains("USD 3,000.00"));
  CHECK_THAT(chain, Catch::Contains("2 stores below the minimum audience 30: in &quot;other areas&quot;, not named"));
}

TEST_CASE("store circles are geodesic: every vertex at the radius from the store, on WGS84") {
  GDALAllRegister();
  GDALDatasetUniquePtr ds(GDALDataset::Open((fixture().out / "report.gpkg").c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  REQUIRE(ds);
  geod_geodesic g;
  geod_init(&g, 6378137, 1 / 298.257223563);
  int stores = 0;
  for (auto& f : *ds->GetLayerByName("areas")) {
    if (std::string(f->GetFieldAsString("level")) != "store") continue;
    const AreaAllocation* area = nullptr;
    for (const AreaAllocation& a : fixture().allocation.campaigns[0].areas)
      if (a.area_id == f->GetFieldAsString("area_id")) area = &a;
    REQUIRE(area);
    const auto* polygon = f->GetGeometryRef()->toPolygon();
    const OGRLinearRing* ring = polygon->getExteriorRing();
    CHECK(ring->getNumPoints() == 73);
    for (int i = 0; i < ring->getNumPoints(); ++i) {
      double metres = 0;
      geod_inverse(&g, area->catchment->centre.lat, area->catchment->centre.lon, ring->getY(i), ring->getX(i), &metres, nullptr, nullptr);
      CHECK(metres == Approx(area->catchment->km * 1000).margin(0.01));
    }
    ++stores;
  }
  CHECK(stores == 3);  // s-sf, s-oak, s-sj (rolled up, shown); never the two below the floor
}

TEST_CASE("hidden stores and areas stay hidden in every output, their spend only in other areas") {
  for (const char* file : {"report.html", "report.csv", "report.json"}) {
    const std::string text = test::read_file(fixture().out / file);
    for (const char* hidden : {"s-hidden", "Hidden Mall", "s-tiny", "Tiny"}) {
      INFO(file << " must not name " << hidden);
      CHECK(text.find(hidden) == std::string::npos);
    }
  }
  GDALAllRegister();
  GDALDatasetUniquePtr ds(GDALDataset::Open((fixture().out / "report.gpkg").c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  for (auto& f : *ds->GetLayerByName("areas")) {
    CHECK(std::string(f->GetFieldAsString("area_id")).find("s-hidden") == std::string::npos);
    CHECK(std::string(f->GetFieldAsString("name")).find("Hidden") == std::string::npos);
  }
}

TEST_CASE("plan against actual: spent, pace and conversions in CSV, JSON and GPKG are the ledger's") {
  // CSV
  std::istringstream in(test::read_file(fixture().out / "report.csv"));
  detail::CsvReader reader(in);
  detail::CsvRecord r;
  std::vector<std::string> header;
  std::map<std::string, std::map<std::string, std::string>> csv;
  while (reader.next(r) == detail::CsvStatus::ok) {
    std::vector<std::string> fields(r.fields.begin(), r.fields.end());
    if (header.empty()) {
      header = fields;
      continue;
    }
    auto& row = csv[fields[0] + "/" + fields[1]];
    for (std::size_t i = 0; i < header.size(); ++i) row[header.at(i)] = fields.at(i);
  }
  for (const auto& [key, spend] : kSpend) {
    const std::string shown = key == "chain/s-hidden" ? "chain/other" : key;
    INFO(shown);
    REQUIRE(csv.count(shown));
    CHECK(csv[shown]["spent_cents"] == std::to_string(spend.first));
    CHECK(csv[shown]["actual_conversions"] == std::to_string(spend.second));
    CHECK(std::stod(csv[shown]["pace"]) == Approx(double(spend.first) / std::stod(csv[shown]["budget_cents"])));
  }
  CHECK(csv["world/DE-BY"]["spent_cents"] == "0");
  CHECK(csv["world/DE-BY"]["pace"] == "0");
  CHECK(csv["chain/s-sj"]["spent_cents"].empty());  // rolled up: its spend is Santa Clara's
  // JSON: the areas, and the campaign's totals over every account, hidden ones included.
  const nlohmann::json j = nlohmann::json::parse(test::read_file(fixture().out / "report.json"));
  CHECK(j["spend"] == (fixture().dir / "alloc.ledger").string());
  const nlohmann::json& chain = j["campaigns"][0];
  CHECK(chain["spent_cents"] == 150000 + 200000 + 90000 + 12345);
  CHECK(chain["actual_conversions"] == 3 + 5 + 1 + 2);
  CHECK(chain["pace"].get<double>() == Approx(452345.0 / 650000));
  for (const nlohmann::json& area : chain["areas"])
    if (area["area_id"] == "s-oak") CHECK((area["spent_cents"] == 200000 && area["pace"] == 1.0 && area["actual_conversions"] == 5));
  // GPKG, read with GDAL
  GDALAllRegister();
  GDALDatasetUniquePtr ds(GDALDataset::Open((fixture().out / "report.gpkg").c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  REQUIRE(ds);
  int checked = 0;
  for (auto& f : *ds->GetLayerByName("areas")) {
    const std::string key = std::string(f->GetFieldAsString("campaign_id")) + "/" + f->GetFieldAsString("area_id");
    const std::string ledger_key = key == "chain/other" ? "chain/s-hidden" : key;
    if (!kSpend.count(ledger_key)) continue;
    CHECK(f->GetFieldAsInteger64("spent_cents") == kSpend.at(ledger_key).first);
    CHECK(f->GetFieldAsInteger64("actual_conversions") == kSpend.at(ledger_key).second);
    CHECK(f->GetFieldAsDouble("pace") == Approx(double(kSpend.at(ledger_key).first) / double(f->GetFieldAsInteger64("budget_cents"))));
    ++checked;
  }
  CHECK(checked == 5);
}

TEST_CASE("plan against actual on the page: the tables and the map's delivery layer carry the ledger's figures") {
  const std::string html = test::read_file(fixture().out / "report.html");
  const std::string chain = section_of(html, "chain");
  for (const std::string& tag : tags(chain, "path", "area catchment")) {
    const std::string key = "chain/" + attribute(tag, "data-area");
    INFO(key);
    CHECK(std::stoll(attribute(tag, "data-spent-cents")) == kSpend.at(key).first);
    CHECK(attribute(tag, "style") == std::string("--pace:") + detail::pace_colour(double(kSpend.at(key).first) /
                                                                                   std::stod(attribute(tag, "data-budget-cents"))));
  }
  CHECK(detail::pace_colour(0.5) == std::string("#f1a340"));  // s-sf: half its plan, under-delivered
  CHECK(detail::pace_colour(1.0) == std::string("#e8e8e8"));  // s-oak: on plan
  CHECK_THAT(chain, Catch::Contains("<input type=\"checkbox\" class=\"layer noprint\" id=\"layer-chain\">"));
  CHECK_THAT(chain, Catch::Contains("<tr><th>Spent</th><td>USD 4,523.45</td></tr>"));
  CHECK_THAT(chain, Catch::Contains("<tr><th>Actual conversions</th><td>11</td></tr>"));
  CHECK_THAT(chain, Catch::Contains(">USD 123.45</td><td class=\"n\" data-v=\"0.246900\">25%</td>"));  // other areas
  CHECK_THAT(html, Catch::Contains(">Spent</th><th data-sort=\"num\">Pace</th>"));
}

TEST_CASE("a campaign on three continents gets one map per country group, each at its own scale") {
  const std::string world = section_of(test::read_file(fixture().out / "report.html"), "world");
  const auto figures = tags(world, "figure", "mapgroup");
  CHECK(figures.size() == 4);
  std::set<std::string> crs;
  for (std::size_t at = world.find("<svg class=\"map\""); at != std::string::npos; at = world.find("<svg class=\"map\"", at + 1)) {
    const std::string svg = world.substr(at, world.find("</svg>", at) - at);
    crs.insert(attribute(svg.substr(0, svg.find('>')), "data-crs"));
    long width = 0, height = 0;
    std::sscanf(attribute(svg.substr(0, svg.find('>')), "viewBox").c_str(), "0 0 %ld %ld", &width, &height);
    const auto areas = tags(svg, "path", "area region");
    REQUIRE(areas.size() == 1);  // one region per country here
    // The region fills its map: its path spans at least half the frame's width or height.
    // The span of the whole path and of its widest ring (an area's main land: Tokyo's islands,
    // 100 km and more south of the city, are rings of their own).
    const std::string d = attribute(areas[0], "d");
    long min_x = LONG_MAX, max_x = LONG_MIN, min_y = LONG_MAX, max_y = LONG_MIN;
    double widest_ring = 0;
    const std::regex ring("M(-?[0-9]+) (-?[0-9]+)l([^Mz]*)");
    for (auto it = std::sregex_iterator(d.begin(), d.end(), ring); it != std::sregex_iterator(); ++it) {
      long x = std::stol((*it)[1]), y = std::stol((*it)[2]), ring_min_x = x, ring_max_x = x;
      std::istringstream moves(std::regex_replace((*it)[3].str(), std::regex("-"), " -"));
      for (long dx = 0, dy = 0; moves >> dx >> dy;) {
        x += dx, y += dy;
        min_x = std::min(min_x, x), max_x = std::max(max_x, x), min_y = std::min(min_y, y), max_y = std::max(max_y, y);
        ring_min_x = std::min(ring_min_x, x), ring_max_x = std::max(ring_max_x, x);
      }
      widest_ring = std::max(widest_ring, double(ring_max_x - ring_min_x) / double(width));
    }
    const std::string area = attribute(areas[0], "data-area");
    INFO(area);
    CHECK(std::max(double(max_x - min_x) / double(width), double(max_y - min_y) / double(height)) > 0.5);
    // Tokyo's main land (the 23 wards and Tama, about 90 km east to west) fills half the map's
    // width: the islands do not set the frame.
    if (area == "JP-13") CHECK(widest_ring > 0.5);
  }
  CHECK(crs.size() == 4);
  CHECK_THAT(world, Catch::Contains("<figcaption>Japan: USD 1,000.00 in 1 area</figcaption>"));
}

TEST_CASE("countries near each other share a map only when their areas fill a good part of it") {
  const std::string html = test::read_file(fixture().out / "report.html");
  // Tbilisi to Tel Aviv is about 1,230 km, within one map's 3,000 km; but the two regions (some
  // 30 km and 20 km across) would be specks in a frame of over 1,000 km: a map each.
  const std::string levant = section_of(html, "levant");
  CHECK(tags(levant, "figure", "mapgroup").size() == 2);
  CHECK_THAT(levant, Catch::Contains("<figcaption>Georgia: USD 1,000.00 in 1 area</figcaption>"));
  CHECK_THAT(levant, Catch::Contains("<figcaption>Israel: USD 1,000.00 in 1 area</figcaption>"));
  // Baden-Württemberg and Grand Est share the Rhine: one map holds both.
  const std::string rhine = section_of(html, "rhine");
  CHECK(tags(rhine, "figure", "mapgroup").empty());
  const std::size_t svg = rhine.find("<svg class=\"map\"");
  REQUIRE(svg != std::string::npos);
  CHECK(rhine.find("<svg class=\"map\"", svg + 1) == std::string::npos);
  CHECK(tags(rhine, "path", "area region").size() == 2);
}

TEST_CASE("report --spend: a missing ledger file or a bad address stops the report with one line naming it") {
  const fs::path dir = test::fresh_dir("report_delivery_bad-" + std::to_string(::getpid()));
  const std::string alloc = (fixture().dir / "alloc.json").string();
  auto r = test::run_cli({"report", "--allocation", alloc, "-o", (dir / "a").string(), "--spend", (dir / "none.ledger").string()});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("none.ledger: no such ledger file"));
  CHECK_FALSE(fs::exists(dir / "a" / "report.html"));
  r = test::run_cli({"report", "--allocation", alloc, "-o", (dir / "b").string(), "--spend", "/vsicurl/http://example.com/x"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("/vsicurl/http://example.com/x"));
  test::write_file(dir / "bad.ledger", "{\"format\": \"geotarget ledger\", \"version\": 1, \"campaigns\": 3}");
  r = test::run_cli({"report", "--allocation", alloc, "-o", (dir / "c").string(), "--spend", (dir / "bad.ledger").string()});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("bad.ledger: campaigns: must be an array"));
}
