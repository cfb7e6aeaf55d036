// `geotarget report`: the allocation fixture (report_fixture.hpp) through the CLI, and every
// output read back independently: CSV with the project's reader, the GeoPackage with OGR, the
// HTML as text.
#include <catch2/catch.hpp>
#include <unistd.h>
#include <gdal/ogrsf_frmts.h>

#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "csv_reader.hpp"
#include "geotarget/place_index.hpp"
#include "report_fixture.hpp"
#include "report_map.hpp"
#include "test_support.hpp"

using namespace geotarget;
namespace fs = std::filesystem;

namespace {

// Runs the report on the fixture once per process (CTest runs each case in its own process,
// in parallel: hence the pid in the folder name); the tests only read its outputs.
const fs::path& report_dir() {
  static const fs::path dir = [] {
    fs::path d = test::fresh_dir("report_fixture-" + std::to_string(::getpid()));
    test::write_file(d / "allocation.json", test::allocation_fixture(test::source_path("geodata/default.yaml").string()));
    auto r = test::run_cli({"report", "--allocation", (d / "allocation.json").string(), "-o", (d / "out").string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return d / "out";
  }();
  return dir;
}

std::vector<std::map<std::string, std::string>> read_csv_rows(const fs::path& path) {
  std::istringstream in(test::read_file(path));
  detail::CsvReader reader(in);
  detail::CsvRecord r;
  std::vector<std::string> header;
  std::vector<std::map<std::string, std::string>> rows;
  while (reader.next(r) == detail::CsvStatus::ok) {
    std::vector<std::string> fields(r.fields.begin(), r.fields.end());
    if (header.empty()) {
      header = fields;
      continue;
    }
    REQUIRE(fields.size() == header.size());
    auto& row = rows.emplace_back();
    for (std::size_t i = 0; i < header.size(); ++i) row[header[i]] = fields[i];
  }
  return rows;
}

// The text of each campaign's <svg class="map">…</svg>, in page order.
std::vector<std::string> map_svgs(const std::string& html) {
  std::vector<std::string> maps;
  for (std::size_t at = html.find("<svg class=\"map\""); at != std::string::npos; at = html.find("<svg class=\"map\"", at + 1))
    maps.push_back(html.substr(at, html.find("</svg>", at) - at));
  return maps;
}

std::vector<std::string> all_matches(const std::string& text, const std::string& pattern) {
  std::vector<std::string> out;
  std::regex re(pattern);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it) out.push_back((*it)[1]);
  return out;
}

test::CommandResult report_of(const std::string& name, const std::string& allocation) {
  fs::path d = test::fresh_dir(name);
  test::write_file(d / "allocation.json", allocation);
  return test::run_cli({"report", "--allocation", (d / "allocation.json").string(), "-o", (d / "out").string()});
}

std::string fixture() { return test::allocation_fixture(test::source_path("geodata/default.yaml").string()); }

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("report.csv: per campaign, the rows add up to budget_cents - unspent_cents") {
  auto rows = read_csv_rows(report_dir() / "report.csv");
  std::map<std::string, std::int64_t> spent;
  for (const auto& row : rows) spent[row.at("campaign_id")] += std::stoll(row.at("budget_cents"));
  CHECK(spent == std::map<std::string, std::int64_t>{{"spring-gold", 600000 - 10000}, {"win-back", 301000}});
  CHECK(rows.size() == 8 + 1 + 2 + 1);  // shown areas and one "other areas" row per campaign
  auto other = std::find_if(rows.begin(), rows.end(), [](auto& r) { return r.at("campaign_id") == "spring-gold" && r.at("area_id") == "other"; });
  REQUIRE(other != rows.end());
  CHECK(other->at("budget_cents") == "7000");
  CHECK(other->at("audience") == "82");
}

TEST_CASE("areas below min_audience appear in no output, only summed in other areas") {
  for (const char* file : {"report.html", "report.csv", "report.json"}) {
    const std::string text = test::read_file(report_dir() / file);
    for (const char* hidden : test::kHiddenAreas) {
      INFO(file << " must not name " << hidden);
      CHECK(text.find(hidden) == std::string::npos);
    }
  }
  const std::string html = test::read_file(report_dir() / "report.html");
  CHECK_THAT(html, Catch::Contains("other areas (3, audience below 50)"));
  CHECK_THAT(html, Catch::Contains("1 area below the minimum audience"));  // merged, as a count
  CHECK_THAT(html, Catch::Contains("Sonoma (US-06097)"));                 // merged, audience above: named
  // A merge target below the minimum audience is not named either (Washoe, for Marin and Sonoma).
  CHECK_THAT(html, Catch::Contains("other areas (below the minimum audience)"));
  CHECK_THAT(html, Catch::Contains("expected gain 180.00 below fixed cost 250.00"));
}

TEST_CASE("report.html is self-contained") {
  const std::string html = test::read_file(report_dir() / "report.html");
  for (const char* external : {"http://", "https://", "src=", "@import", "<link"}) {
    INFO(external);
    CHECK(html.find(external) == std::string::npos);
  }
  const std::vector<std::string> urls = all_matches(html, "url\\(([^)]*)\\)");
  CHECK_FALSE(urls.empty());  // the hatch pattern
  for (const std::string& url : urls) CHECK(url.rfind("#hatch", 0) == 0);  // only the page's own patterns
  for (const std::string& href : all_matches(html, "href=\"([^\"]*)\"")) CHECK(href.rfind("#campaign-", 0) == 0);
  CHECK_THAT(html, Catch::Contains("<table class=\"sortable areas\">"));
  CHECK_THAT(html, Catch::Contains("<script>"));
}

TEST_CASE("the map has one path per drawn polygon area and one circle per point area, filled from the legend") {
  const std::string html = test::read_file(report_dir() / "report.html");
  auto maps = map_svgs(html);
  REQUIRE(maps.size() == 2);
  const std::set<std::string> legend_fills = [&] {
    auto fills = all_matches(html, "<rect x=\"2\" y=\"[0-9]+\" width=\"28\" height=\"18\" fill=\"(#[0-9a-f]{6})\"");
    return std::set<std::string>(fills.begin(), fills.end());
  }();
  CHECK(legend_fills.size() >= 3);
  // Regions under districts, smaller budgets under larger. Sonoma is merged into California
  // (drawn there); Contra Costa is excluded (drawn, no budget).
  CHECK(all_matches(maps[0], "<path class=\"area [a-z]+\" data-area=\"([^\"]+)\"") ==
        std::vector<std::string>{"US-CA", "US-06013", "US-06085", "US-06001", "US-06075"});
  CHECK(all_matches(maps[0], "<circle class=\"area [a-z]+\" data-area=\"([^\"]+)\"") ==
        std::vector<std::string>{"GN-5393611", "US-ZIP-94103"});
  CHECK(all_matches(maps[1], "class=\"area [a-z]+\" data-area=\"([^\"]+)\"") ==
        std::vector<std::string>{"US-36061", "GN-5125771"});
  for (const std::string& map : maps) {
    CHECK_THAT(map, Catch::Contains("data-crs=\"EPSG:5070\""));  // all in the lower 48: Albers
    CHECK(all_matches(map, "class=\"context\" d=\"(M)").size() > 3);
    for (const std::string& fill : all_matches(map, "class=\"area [^>]* fill=\"([^\"]+)\"")) CHECK(legend_fills.count(fill) == 1);
    for (const std::string& d : all_matches(map, "<path class=\"area [^>]* d=\"([^\"]*)\"")) CHECK(d.size() > 10);
  }
  // The larger budget is the darker class: San Francisco against Santa Clara.
  auto fill_of = [&](const std::string& id) { return all_matches(maps[0], "data-area=\"" + id + "\" fill=\"([^\"]+)\"").at(0); };
  CHECK(fill_of("US-06013") == "#ffffff");
  CHECK(fill_of("US-06075") != fill_of("US-06085"));
}

TEST_CASE("report.json: campaign totals, region totals and other areas add up") {
  auto j = nlohmann::json::parse(test::read_file(report_dir() / "report.json"));
  REQUIRE(j["campaigns"].size() == 2);
  for (const auto& c : j["campaigns"]) {
    CHECK(c["allocated_cents"].get<std::int64_t>() == c["budget_cents"].get<std::int64_t>() - c["unspent_cents"].get<std::int64_t>());
    std::int64_t by_region = 0, by_area = 0;
    for (const auto& r : c["regions"]) by_region += r["budget_cents"].get<std::int64_t>();
    for (const auto& a : c["areas"]) by_area += a["budget_cents"].get<std::int64_t>();
    const auto& other = c["areas"].back();
    CHECK(other["area_id"] == "other");
    CHECK(by_region + other["budget_cents"].get<std::int64_t>() == c["allocated_cents"].get<std::int64_t>());
    CHECK(by_area == c["allocated_cents"].get<std::int64_t>());
  }
  const auto& regions = j["campaigns"][0]["regions"];
  REQUIRE(regions.size() == 1);  // Washoe (Nevada) is hidden, so Nevada has no row
  CHECK(regions[0]["region_id"] == "US-CA");
  CHECK(regions[0]["budget_cents"] == 583000);
}

TEST_CASE("report.gpkg: layer areas in EPSG:4326, one feature per CSV row, polygons and points") {
  GDALAllRegister();
  GDALDatasetUniquePtr ds(GDALDataset::Open((report_dir() / "report.gpkg").c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  REQUIRE(ds);
  OGRLayer* layer = ds->GetLayerByName("areas");
  REQUIRE(layer);
  CHECK(layer->GetFeatureCount() == 12);
  REQUIRE(layer->GetSpatialRef());
  CHECK(std::string(layer->GetSpatialRef()->GetAuthorityCode(nullptr)) == "4326");
  std::map<std::string, std::pair<std::int64_t, OGRwkbGeometryType>> by_area;
  for (auto& f : *layer) {
    const OGRGeometry* g = f->GetGeometryRef();
    by_area[std::string(f->GetFieldAsString("campaign_id")) + "/" + f->GetFieldAsString("area_id")] = {
        f->GetFieldAsInteger64("budget_cents"), g ? wkbFlatten(g->getGeometryType()) : wkbNone};
    if (std::string(f->GetFieldAsString("area_id")) == "US-06075") {
      CHECK(std::string(f->GetFieldAsString("binding")) == "none");
      CHECK(std::string(f->GetFieldAsString("offer")) == "gold-10");
      CHECK(f->GetFieldAsDouble("expected_response") == Approx(3456.7));
      OGRPoint inside(-122.44, 37.76);  // lon, lat: inside San Francisco
      CHECK(g->Contains(&inside));
    }
  }
  CHECK(by_area.at("spring-gold/US-06075") == std::pair<std::int64_t, OGRwkbGeometryType>{250000, wkbMultiPolygon});
  CHECK(by_area.at("spring-gold/US-CA").second == wkbMultiPolygon);
  CHECK(by_area.at("spring-gold/GN-5393611") == std::pair<std::int64_t, OGRwkbGeometryType>{20000, wkbPoint});
  CHECK(by_area.at("spring-gold/US-ZIP-94103").second == wkbPoint);
  CHECK(by_area.at("spring-gold/other") == std::pair<std::int64_t, OGRwkbGeometryType>{7000, wkbNone});
  CHECK(by_area.count("spring-gold/US-32031") == 0);
}

TEST_CASE("bad allocations fail with one line naming the file and the field") {
  struct Case {
    std::string from, to, expected;
  };
  const std::vector<Case> cases = {
      {R"("budget_cents": 150000,)", "", "campaigns[0].areas[1].budget_cents: missing"},
      {R"("min_audience": 100,)", "", "campaigns[1].min_audience: missing"},
      {R"("binding": "min")", R"("binding": "floor")", "campaigns[0].areas[1].binding: must be none, min, max, merged or excluded"},
      {R"("audience": 1234)", R"("audience": "many")", "campaigns[0].areas[0].audience: must be a non-negative integer"},
      {R"("unspent_cents": 10000)", R"("unspent_cents": 0)", "campaigns[0].areas: area budgets 590000 + unspent_cents 0 do not add up to budget_cents 600000"},
      {R"("currency": "USD",)", "", "currency: missing"},
      {R"("level": "postal")", R"("level": "street")", "campaigns[0].areas[10].level: unknown level 'street'"},
      {R"("merged_into": "US-CA",)", R"("merged_into": null,)", "campaigns[0].areas[3].merged_into: missing for a merged area"},
      {R"(]},)", "}", "not valid JSON"},
      // Hand-edited sums that overflow 64 bits, or amounts no campaign may hold, are refused.
      {R"("budget_cents": 600000, "unspent_cents": 10000)", R"("budget_cents": 9223372036854775807, "unspent_cents": 10000)",
       "campaigns[0].budget_cents: is above the maximum of 100000000000000 cents"},
      {R"("budget_cents": 250000)", R"("budget_cents": 9223372036854775807)",
       "campaigns[0].areas[0].budget_cents: is above the maximum"},
      {R"("currency": "USD")", R"("currency": "US$")", "currency: must be an ISO 4217 code"},
  };
  for (const Case& c : cases) {
    INFO(c.expected);
    auto r = report_of("report_bad", replaced(fixture(), c.from, c.to));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::StartsWith("geotarget: ") && Catch::Contains("allocation.json: ") && Catch::Contains(c.expected));
    CHECK(test::lines_of(r.err).size() == 1);
  }
}

TEST_CASE("equal budgets share a class: classes come from distinct budgets, a cent of rounding apart is equal") {
  // 20,000.00 over 7 areas: largest remainder gives 4 x 2,857.14 and 3 x 2,857.15.
  auto equal = detail::quantile_legend({285714, 285714, 285714, 285714, 285715, 285715, 285715}, 5);
  REQUIRE(equal.colours.size() == 1);
  CHECK(equal.colour_of(285714) == equal.colour_of(285715));
  CHECK(detail::legend_svg(equal, "EUR").find("EUR 2,857.14 to EUR 2,857.15") != std::string::npos);
  auto same = detail::quantile_legend({5000, 5000, 5000}, 5);
  REQUIRE(same.colours.size() == 1);
  CHECK(detail::legend_svg(same, "USD").find("USD 50.00</text>") != std::string::npos);
  // Many areas on one budget and a few others: the tied areas are one value, not most classes.
  std::vector<std::int64_t> budgets(50, 10000);
  for (std::int64_t b : {100, 200, 300, 400, 20000, 30000}) budgets.push_back(b);
  auto mixed = detail::quantile_legend(budgets, 5);
  CHECK(mixed.colours.size() == 5);
  for (std::int64_t b : budgets)
    for (std::int64_t c : budgets)
      if (b == c) CHECK(mixed.colour_of(b) == mixed.colour_of(c));
  CHECK(mixed.colour_of(100) != mixed.colour_of(30000));
  CHECK(mixed.colour_of(10000) != mixed.colour_of(100));
  CHECK(mixed.colour_of(10000) != mixed.colour_of(20000));
}

TEST_CASE("legend classes are quantiles of the positive budgets") {
  auto legend = detail::quantile_legend({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 5);
  CHECK(legend.upper_cents == std::vector<std::int64_t>{2, 4, 6, 8, 10});
  CHECK(legend.colour_of(0) == legend.zero_colour);
  CHECK(legend.colour_of(1) == legend.colours[0]);
  CHECK(legend.colour_of(7) == legend.colours[3]);
  CHECK(legend.colour_of(10) == legend.colours.back());
  CHECK(std::set<std::string>(legend.colours.begin(), legend.colours.end()).size() == 5);
  auto ties = detail::quantile_legend({5, 5, 5, 5, 9}, 4);  // tied breaks collapse
  CHECK(ties.upper_cents == std::vector<std::int64_t>{5, 9});
  CHECK(detail::quantile_legend({0, 0}, 5).upper_cents.empty());
}

TEST_CASE("a campaign over every county of the default pack stays a few MB and draws each with a path", "[size]") {
  auto index = PlaceIndex::load(test::source_path("geodata/default.yaml").string());
  nlohmann::json areas = nlohmann::json::array();
  std::int64_t total = 0, n = 0;
  for (const Place& p : index->places()) {
    if (p.level != PlaceLevel::district) continue;
    const std::int64_t budget = 1000 + (++n * 7919) % 100000;
    total += budget;
    areas.push_back({{"area_id", p.id}, {"level", "district"}, {"name", p.name}, {"audience", 100}, {"budget_cents", budget},
                     {"expected_response", 1.0}, {"binding", "none"}});
  }
  nlohmann::json allocation = {{"currency", "USD"},
                               {"campaigns", {{{"id", "all"}, {"budget_cents", total}, {"unspent_cents", 0}, {"min_audience", 50}, {"areas", areas}}}}};
  fs::path d = test::fresh_dir("report_all_counties");
  test::write_file(d / "allocation.json", allocation.dump());
  auto r = test::run_cli({"report", "--allocation", (d / "allocation.json").string(), "-o", (d / "out").string()});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const std::string html = test::read_file(d / "out/report.html");
  WARN("report.html for " << n << " counties: " << html.size() << " bytes");
  // Six maps (the lower 48 with Puerto Rico, the outlying US areas, the UK, France with Italy,
  // Spain, France's overseas departments), each with its own context: 3.2 MB.
  CHECK(html.size() < 3'500'000);
  CHECK(all_matches(html, "<path class=\"area district\" data-area=\"([^\"]+)\"").size() == static_cast<std::size_t>(n));
}

namespace {

// The fixture with what `geotarget allocate` now writes for spring-gold: the floor, the response,
// offers by text, a store's radius and a zone; numbers that printf would write with exponents.
std::string extended_fixture() {
  nlohmann::json j = nlohmann::json::parse(fixture());
  auto& c = j["campaigns"][0];
  c["unspent_reason"] = "saturated";
  c["target_marginal_return"] = 1.0;
  c["lambda"] = 2.933332011302183e-27;
  c["min_per_area_cents"] = 10000;
  c["max_per_area_cents"] = 300000;
  c["response"] = {{"model", "exponential"}, {"conversion_rate", 0.03}, {"value_per_conversion", 60}, {"cost_per_reach", 1.5}};
  c["offers"] = {{{"id", "gold-10"}, {"text", "10% off for <gold> members"}}};
  c["target"] = {{"include", {"US-CA"}},
                 {"radius", {{{"lat", 37.7749}, {"lon", -122.4194}, {"km", 25}, {"name", "SF <b>store</b>"}}}},
                 {"polygons", {{{{-122.45, 37.75}, {-122.40, 37.75}, {-122.40, 37.80}, {-122.45, 37.80}, {-122.45, 37.75}}}}}};
  for (auto& a : c["areas"]) {
    a["expected_conversions"] = a["expected_response"].get<double>() / 60;
    if (a["area_id"] == "US-06085") a["marginal_return"] = 4.7e-104;
    if (a["area_id"] == "US-06001") a["expected_response"] = 1e-7, a["expected_conversions"] = 1.6e-9;
  }
  return j.dump(1);
}

const fs::path& extended_dir() {
  static const fs::path dir = [] {
    fs::path d = test::fresh_dir("report_extended-" + std::to_string(::getpid()));
    test::write_file(d / "allocation.json", extended_fixture());
    auto r = test::run_cli({"report", "--allocation", (d / "allocation.json").string(), "-o", (d / "out").string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return d / "out";
  }();
  return dir;
}

}  // namespace

TEST_CASE("the page has no number in scientific notation, marginal returns have two decimals") {
  const std::string html = test::read_file(extended_dir() / "report.html");
  // A number with an exponent, not inside a colour (#e2e2e2) or another hexadecimal run.
  const std::vector<std::string> exponents = all_matches(html, "(?:^|[^#0-9a-fA-F])([0-9]+\\.?[0-9]*[eE][-+]?[0-9]+)");
  INFO((exponents.empty() ? "" : exponents.front()));
  CHECK(exponents.empty());
  CHECK_THAT(html, Catch::Contains("<tr><th>Marginal return at the plan</th><td>0.00 per USD</td></tr>"));  // lambda 2.9e-27
  CHECK_THAT(html, Catch::Contains(">0.00</td><td>max</td>"));  // Santa Clara, 4.7e-104
  CHECK_THAT(html, Catch::Contains(">1.25</td><td>none</td>"));  // San Francisco
  CHECK(detail::fixed_text(4.7e-104, 2) == "0.00");
  CHECK(detail::fixed_text(-0.001, 2) == "0.00");
  CHECK(detail::fixed_text(1234567.891, 2, true) == "1,234,567.89");
  CHECK(detail::fixed_text(1e300, 0).find_first_of("eE") == std::string::npos);
  CHECK(detail::fixed_text(1e300, 0).size() == 301);
  // The raw lambda stays in the files.
  CHECK_THAT(test::read_file(extended_dir() / "report.json"), Catch::Contains("e-27"));
}

TEST_CASE("the page opens with the summary table: planned, unspent and why, conversions, revenue, return on spend") {
  const std::string html = test::read_file(extended_dir() / "report.html");
  const std::size_t summary = html.find("<table class=\"summary sortable\">");
  REQUIRE(summary != std::string::npos);
  CHECK(summary < html.find("<table", html.find("<body>")) + 1);  // the first table of the page
  CHECK(summary < html.find("<section"));
  const std::string table = html.substr(summary, html.find("</table>", summary) - summary);
  // spring-gold: 6,000.00 budget, 5,900.00 planned, 100.00 unspent, saturated; 7 areas with a budget
  // (Washoe and Kings are hidden but served), 3 rolled up, 3 hidden.
  CHECK_THAT(table, Catch::Contains(">USD 6,000.00<") && Catch::Contains(">USD 5,900.00<") && Catch::Contains(">USD 100.00<"));
  CHECK_THAT(table, Catch::Contains("<td class=\"warn\" title=\"saturated: the rest would return less than USD 1.00 per USD 1.00\">saturated</td>"));
  const double revenue = 3456.7 + 1e-7 + 1500.5 + 700 + 90 + 260 + 170;
  CHECK_THAT(table, Catch::Contains(">USD 6,177.20<"));                                     // expected revenue
  CHECK_THAT(table, Catch::Contains(">" + detail::fixed_text(revenue / 5900, 2) + "<"));   // return on spend
  CHECK_THAT(table, Catch::Contains(">103<"));  // conversions: revenue / 60 = 102.95
  CHECK_THAT(table, Catch::Contains("data-v=\"7.000000\">7</td><td class=\"n\" data-v=\"3.000000\">3</td><td class=\"n\" data-v=\"3.000000\">3</td>"));
  CHECK_THAT(table, Catch::Contains("We miss you"));
  CHECK_THAT(table, Catch::Contains("All campaigns"));
}

TEST_CASE("the map tells the truth: roll-ups hatched with their children, stores and zones drawn, symbols inside") {
  const std::string html = test::read_file(extended_dir() / "report.html");
  const std::string map = map_svgs(html).at(0);
  // California received San Mateo (hidden: counted, not named): hatched, its tooltip says so.
  CHECK_THAT(map, Catch::Contains("<path class=\"rolled\" data-rolled=\"US-CA\""));
  CHECK_THAT(map, Catch::Contains("rolled up from: 1 area below the minimum audience"));
  CHECK(map.find("San Mateo") == std::string::npos);
  CHECK_THAT(map, Catch::Contains("offer: 10% off for &lt;gold&gt; members"));
  // The store: a circle, a pin and its name (escaped); the zone outlined.
  CHECK_THAT(map, Catch::Contains("<path class=\"radius\""));
  CHECK_THAT(map, Catch::Contains("<path class=\"pin\""));
  CHECK_THAT(map, Catch::Contains(">SF &lt;b&gt;store&lt;/b&gt;</text>"));
  CHECK_THAT(map, Catch::Contains("<path class=\"zone\""));
  // Every circle lies wholly inside the frame.
  for (const std::string& svg : map_svgs(html)) {
    const auto size = all_matches(svg, "viewBox=\"(0 0 [0-9]+ [0-9]+)\"");
    REQUIRE(size.size() == 1);
    long width = 0, height = 0;
    std::sscanf(size[0].c_str(), "0 0 %ld %ld", &width, &height);
    std::regex circle("<circle class=\"area[^\"]*\" data-area=\"[^\"]*\" cx=\"(-?[0-9]+)\" cy=\"(-?[0-9]+)\" r=\"([0-9]+)\"");
    int circles = 0;
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), circle); it != std::sregex_iterator(); ++it, ++circles) {
      const long x = std::stol((*it)[1]), y = std::stol((*it)[2]), r = std::stol((*it)[3]) + 3;  // + half the outline
      INFO((*it)[0]);
      CHECK(x - r >= 0);
      CHECK(y - r >= 0);
      CHECK(x + r <= width);
      CHECK(y + r <= height);
    }
    CHECK(circles > 0);
  }
  // Offers by their text in the table, the id in the tooltip.
  CHECK_THAT(html, Catch::Contains("<td title=\"gold-10\">10% off for &lt;gold&gt; members</td>"));
}

TEST_CASE("spend_all past saturation is said on the page, in the summary and the campaign's totals") {
  nlohmann::json j = nlohmann::json::parse(extended_fixture());
  auto& c = j["campaigns"][0];
  c["spend_all"] = true;
  c["lambda"] = 0.004;
  c["unspent_reason"] = nullptr;  // the fixture's 100.00 unspent left unexplained, as older files do
  auto r = report_of("report_spend_all", j.dump());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const std::string html = test::read_file(fs::path(GEOTARGET_TEST_TMP) / "report_spend_all/out/report.html");
  CHECK_THAT(html, Catch::Contains("<td class=\"warn\">spend_all: past saturation</td>"));
  CHECK_THAT(html, Catch::Contains("spend_all: the last USD planned returns 0.00 per USD, below the target 1.00 per USD"));
}

TEST_CASE("response curves: the campaign's frontier with the plan, the budget and the saturation point") {
  const std::string html = test::read_file(extended_dir() / "report.html");
  const std::size_t at = html.find("<svg class=\"curve\"");
  REQUIRE(at != std::string::npos);
  const std::string curve = html.substr(at, html.find("</svg>", at) - at);
  CHECK(all_matches(curve, "<path class=\"frontier\" d=\"(M[^\"]+)\"").size() == 1);
  CHECK(std::count(curve.begin(), curve.end(), 'L') >= 80);  // 81 points
  CHECK_THAT(curve, Catch::Contains("<circle class=\"planned\""));
  CHECK_THAT(curve, Catch::Contains("<circle class=\"saturation\""));
  CHECK_THAT(curve, Catch::Contains("<line class=\"budget\""));
  CHECK_THAT(curve, Catch::Contains(">USD 10,000<"));  // the axis runs to twice the budget, 12,000
  // Each shown area of a campaign with a response carries its curve's parameters; A = 1234 x 0.03 x 60.
  CHECK_THAT(html, Catch::Contains("data-a=\"2221.200000\" data-s=\"1851.000000\" data-x=\"2500.00\""));
  // The second campaign has no response model (an older file): a note, no curve.
  CHECK_THAT(html, Catch::Contains("The allocation has no response model: no curve."));
}

// A campaign over sections of New York City (GN-5128581; GeoNames: Financial District
// GN-8436473, Harlem GN-5120034, Hell's Kitchen GN-5120442, rolled up into the town): the report
// lists each section under its own id and level, and draws it as a point (a section has no polygon).
TEST_CASE("neighbourhood areas are listed, drawn as circles at their point and exported as points") {
  const std::string geodata = test::source_path("geodata/default.yaml").string();
  const auto area = [](const char* id, const char* level, const char* name, int audience, int cents, const char* binding,
                       const char* into) {
    return std::string("{\"area_id\": \"") + id + "\", \"level\": \"" + level + "\", \"name\": \"" + name +
           "\", \"audience\": " + std::to_string(audience) + ", \"budget_cents\": " + std::to_string(cents) +
           ", \"offer\": null, \"expected_response\": 1, \"marginal_return\": 1, \"binding\": \"" + binding +
           "\", \"merged_into\": " + (into ? std::string("\"") + into + "\"" : "null") + ", \"reason\": null}";
  };
  const std::string allocation =
      "{\"currency\": \"USD\", \"geodata\": \"" + geodata + "\", \"campaigns\": [{\"id\": \"nyc\", \"level\": \"neighbourhood\", " +
      "\"budget_cents\": 30000, \"unspent_cents\": 0, \"min_audience\": 2, \"areas\": [" +
      area("GN-8436473", "neighbourhood", "Financial District", 30, 15000, "none", nullptr) + ", " +
      area("GN-5120034", "neighbourhood", "Harlem", 20, 10000, "none", nullptr) + ", " +
      area("GN-5120442", "neighbourhood", "Hell's Kitchen", 1, 0, "merged", "GN-5128581") + ", " +
      area("GN-5128581", "town", "New York City", 3, 5000, "none", nullptr) + "]}]}";
  const fs::path dir = test::fresh_dir("report_neighbourhoods-" + std::to_string(::getpid())), out = dir / "out";
  test::write_file(dir / "allocation.json", allocation);
  auto r = test::run_cli({"report", "--allocation", (dir / "allocation.json").string(), "-o", out.string()});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::map<std::string, std::string> level_of;
  for (const auto& row : read_csv_rows(out / "report.csv")) level_of[row.at("area_id")] = row.at("level");
  CHECK(level_of["GN-8436473"] == "neighbourhood");
  CHECK(level_of["GN-5120034"] == "neighbourhood");
  CHECK(level_of["GN-5128581"] == "town");
  const auto maps = map_svgs(test::read_file(out / "report.html"));
  REQUIRE(maps.size() == 1);
  const auto circles = all_matches(maps[0], "<circle class=\"area [a-z]+\" data-area=\"([^\"]+)\"");
  CHECK(std::set<std::string>(circles.begin(), circles.end()) == std::set<std::string>{"GN-8436473", "GN-5120034", "GN-5128581"});
  GDALAllRegister();
  GDALDatasetUniquePtr ds(GDALDataset::Open((out / "report.gpkg").c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  REQUIRE(ds);
  for (auto& f : *ds->GetLayerByName("areas")) {
    if (std::string(f->GetFieldAsString("area_id")) != "GN-8436473") continue;
    REQUIRE(f->GetGeometryRef());
    CHECK(wkbFlatten(f->GetGeometryRef()->getGeometryType()) == wkbPoint);
    CHECK(f->GetGeometryRef()->toPoint()->getY() == 40.70789);  // GeoNames' latitude of the section
  }
}
