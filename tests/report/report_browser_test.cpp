// report.html in a real browser: headless Chromium takes a screenshot, GDAL's PNG driver reads
// it back, and the map must show many pixels of the legend's colours. Label `browser`:
//   ctest --test-dir build -L browser
#include <catch2/catch.hpp>
#include <gdal/gdal_priv.h>

#include <array>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "report_fixture.hpp"
#include "test_support.hpp"

using namespace geotarget;
namespace fs = std::filesystem;

namespace {

constexpr const char* kChromium = "/usr/bin/chromium";

using Rgb = std::array<int, 3>;

// The choropleth classes of the fixture's campaigns (ColorBrewer YlGnBu, report_map.cpp);
// the page's text, tables and grey context use none of them.
constexpr Rgb kClassColours[] = {{0xed, 0xf8, 0xb1}, {0xc7, 0xe9, 0xb4}, {0x7f, 0xcd, 0xbb}, {0x41, 0xb6, 0xc4},
                                 {0x1d, 0x91, 0xc0}, {0x22, 0x5e, 0xa8}, {0x25, 0x34, 0x94}, {0x08, 0x1d, 0x58}};

bool near_class_colour(const Rgb& px) {
  for (const Rgb& c : kClassColours)
    if (std::abs(px[0] - c[0]) + std::abs(px[1] - c[1]) + std::abs(px[2] - c[2]) <= 12) return true;
  return false;
}

struct PixelCounts {
  long class_coloured = 0, non_white = 0;
};

PixelCounts count_pixels(const fs::path& png) {
  GDALAllRegister();
  GDALDatasetUniquePtr ds(GDALDataset::Open(png.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  REQUIRE(ds);
  REQUIRE(ds->GetRasterCount() >= 3);
  const int w = ds->GetRasterXSize(), h = ds->GetRasterYSize();
  std::array<std::vector<GByte>, 3> bands;
  for (int b = 0; b < 3; ++b) {
    bands[b].resize(std::size_t(w) * std::size_t(h));
    REQUIRE(ds->GetRasterBand(b + 1)->RasterIO(GF_Read, 0, 0, w, h, bands[b].data(), w, h, GDT_Byte, 0, 0) == CE_None);
  }
  PixelCounts counts;
  for (std::size_t i = 0; i < bands[0].size(); ++i) {
    const Rgb px{bands[0][i], bands[1][i], bands[2][i]};
    counts.class_coloured += near_class_colour(px) ? 1 : 0;
    counts.non_white += px[0] + px[1] + px[2] < 3 * 250 ? 1 : 0;
  }
  return counts;
}

}  // namespace

TEST_CASE("headless Chromium draws the report's map", "[browser]") {
  if (!fs::exists(kChromium)) GEOTARGET_SKIP(kChromium << " is missing: apt-get install chromium (tools/debian-packages.txt)");
  fs::path dir = test::fresh_dir("report_browser");
  test::write_file(dir / "allocation.json", test::allocation_fixture(test::source_path("geodata/default.yaml").string()));
  auto r = test::run_cli({"report", "--allocation", (dir / "allocation.json").string(), "-o", (dir / "out").string()});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);

  const fs::path png = dir / "screenshot.png";
  const std::string command = std::string("timeout 120 ") + kChromium +
                              " --headless --no-sandbox --disable-gpu --disable-background-networking"
                              " --disable-component-update --disable-sync --no-first-run --user-data-dir=" +
                              (dir / "profile").string() + " --screenshot=" + png.string() +
                              " --window-size=1400,1600 file://" + (dir / "out/report.html").string() + " >" +
                              (dir / "chromium.log").string() + " 2>&1";
  const int status = std::system(command.c_str());
  INFO("chromium log: " << test::read_file(dir / "chromium.log"));
  REQUIRE(status == 0);
  REQUIRE(fs::exists(png));

  const PixelCounts counts = count_pixels(png);
  WARN("screenshot: " << counts.class_coloured << " pixels in legend colours, " << counts.non_white << " not white");
  // California alone fills a few hundred pixels square of the first map, below the summary table,
  // in the 1400 x 1600 view (its stripes are hatching: it holds a rolled-up area).
  CHECK(counts.class_coloured > 20'000);
  CHECK(counts.non_white > 100'000);
}

namespace {

// Markup that marks the page if a browser ever runs it, in text and in attribute contexts.
std::string payload(int n) {
  const std::string mark = "document.documentElement.setAttribute('data-pwned','" + std::to_string(n) + "')";
  return "<script>" + mark + "</script><img src=x onerror=\"" + mark + "\">'\"><svg onload=\"" + mark + "\">";
}

// The fields of an allocation that reach the page, each carrying a payload: campaign id and name,
// area ids and names, offers, merge targets and reasons.
std::string hostile_allocation(const std::string& geodata) {
  nlohmann::json j = nlohmann::json::parse(test::allocation_fixture(geodata));
  int n = 0;
  for (auto& c : j["campaigns"]) {
    c["id"] = c["id"].get<std::string>() + payload(++n);
    c["name"] = payload(++n);
    for (auto& a : c["areas"]) {
      a["name"] = a["name"].get<std::string>() + payload(++n);
      if (!a["offer"].is_null()) a["offer"] = payload(++n);
      if (!a["reason"].is_null()) a["reason"] = payload(++n);
    }
  }
  // One area whose id is markup: not a place of the geodata, so listed but not drawn.
  auto& first = j["campaigns"][0]["areas"][0];
  first["area_id"] = payload(++n);
  return j.dump(1);
}

// The page's DOM after its scripts ran, as Chromium serializes it.
std::string rendered_dom(const fs::path& dir, const fs::path& html) {
  const std::string command = std::string("timeout 120 ") + kChromium +
                              " --headless --no-sandbox --disable-gpu --disable-background-networking"
                              " --disable-component-update --disable-sync --no-first-run --user-data-dir=" +
                              (dir / "profile").string() + " --dump-dom file://" + html.string() + " >" +
                              (dir / "dom.html").string() + " 2>" + (dir / "chromium.log").string();
  const int status = std::system(command.c_str());
  INFO("chromium log: " << test::read_file(dir / "chromium.log"));
  REQUIRE(status == 0);
  return test::read_file(dir / "dom.html");
}

}  // namespace

TEST_CASE("markup in every field of an allocation is shown as text, no script of it runs", "[browser]") {
  if (!fs::exists(kChromium)) GEOTARGET_SKIP(kChromium << " is missing: apt-get install chromium (tools/debian-packages.txt)");
  fs::path dir = test::fresh_dir("report_browser_xss");
  const std::string geodata = test::source_path("geodata/default.yaml").string();
  test::write_file(dir / "allocation.json", hostile_allocation(geodata));
  auto r = test::run_cli({"report", "--allocation", (dir / "allocation.json").string(), "-o", (dir / "out").string()});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const std::string html = test::read_file(dir / "out/report.html");
  CHECK(html.find("<script>document") == std::string::npos);
  CHECK(html.find("onerror=\"document") == std::string::npos);
  const std::string dom = rendered_dom(dir, dir / "out/report.html");
  CHECK(dom.find("<table") != std::string::npos);  // the page rendered
  CHECK(dom.find("data-pwned=") == std::string::npos);  // the attribute a payload would set
  CHECK(dom.find("&lt;script&gt;document.documentElement") != std::string::npos);  // shown as text

  // The currency is a field too: it must be an ISO 4217 code, so markup there is refused.
  nlohmann::json j = nlohmann::json::parse(test::allocation_fixture(geodata));
  j["currency"] = payload(99);
  test::write_file(dir / "currency.json", j.dump());
  r = test::run_cli({"report", "--allocation", (dir / "currency.json").string(), "-o", (dir / "out2").string()});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("currency") && Catch::Contains("three capital letters"));
}

TEST_CASE("report --pdf prints an A4 PDF: the summary page, then one page per campaign", "[browser]") {
  if (!fs::exists(kChromium)) GEOTARGET_SKIP(kChromium << " is missing: apt-get install chromium (tools/debian-packages.txt)");
  if (!fs::exists("/usr/bin/pdfinfo")) GEOTARGET_SKIP("/usr/bin/pdfinfo is missing: apt-get install poppler-utils (tools/debian-packages.txt)");
  fs::path dir = test::fresh_dir("report_browser_pdf");
  nlohmann::json j = nlohmann::json::parse(test::allocation_fixture(test::source_path("geodata/default.yaml").string()));
  nlohmann::json third = j["campaigns"][1];  // three campaigns, one of them with many areas rows
  third["id"] = "third";
  j["campaigns"].push_back(third);
  test::write_file(dir / "allocation.json", j.dump());
  auto r = test::run_cli({"report", "--allocation", (dir / "allocation.json").string(), "-o", (dir / "out").string(), "--pdf",
                          "--chromium", kChromium});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.err, Catch::Contains("and report.pdf"));
  REQUIRE(fs::exists(dir / "out/report.pdf"));
  const std::string info_command = "pdfinfo " + (dir / "out/report.pdf").string() + " >" + (dir / "pdfinfo.txt").string() + " 2>&1";
  REQUIRE(std::system(info_command.c_str()) == 0);
  const std::string info = test::read_file(dir / "pdfinfo.txt");
  INFO(info);
  CHECK_THAT(info, Catch::Contains("Pages:           4"));  // 1 summary + 3 campaigns
  CHECK_THAT(info, Catch::Contains("(A4)"));
  // No temporary file is left beside it.
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir / "out")) files += e.path().filename().string().find(".tmp-") == std::string::npos ? 1 : 100;
  CHECK(files == 5);

  // A browser that fails names report.pdf and leaves no PDF.
  auto bad = test::run_cli({"report", "--allocation", (dir / "allocation.json").string(), "-o", (dir / "out2").string(), "--pdf",
                            "--chromium", "/bin/false"});
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("report.pdf: /bin/false failed (exit status 1)"));
  CHECK_FALSE(fs::exists(dir / "out2/report.pdf"));
}
