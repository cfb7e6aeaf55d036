// libFuzzer: arbitrary bytes as a campaigns file (YAML) on disk. Loading must throw
// geotarget::Error (the expected outcome for bad input) or succeed; a file that loads is then
// allocated over a few synthetic areas (allocate_budget, which may throw Error for an
// infeasible campaign) and its targets, dates and offers are asked about one visitor. Nothing
// may crash, read out of bounds, leak or hit undefined behaviour.
//
// The file is written into a directory of its own that also holds zones/downtown-chicago.geojson
// (the sample's polygon) and zones/square.wkt, so the seeds' polygon references resolve. Place
// ids are not checked against a place index (load_campaigns without one): the parser and the
// allocator are what is fuzzed here, not the geodata.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "geotarget/allocator.hpp"
#include "geotarget/campaigns.hpp"
#include "geotarget/error.hpp"

namespace fs = std::filesystem;

namespace {

fs::path work_dir() {
  static const fs::path dir = fs::temp_directory_path() / ("geotarget-fuzz-campaigns-" + std::to_string(::getpid()));
  return dir;
}

const std::vector<geotarget::AllocationArea>& areas() {
  using geotarget::PlaceLevel;
  static const std::vector<geotarget::AllocationArea> a = [] {
    const geotarget::AreaRef ca{"US-CA", "California", PlaceLevel::region};
    const geotarget::AreaRef ny{"US-NY", "New York", PlaceLevel::region};
    const geotarget::AreaRef sf{"US-06075", "San Francisco", PlaceLevel::district};
    return std::vector<geotarget::AllocationArea>{
        {"US-06075", "San Francisco", PlaceLevel::district, 1200, 815000, {ca}, "gold-10"},
        {"US-06001", "Alameda", PlaceLevel::district, 3, 1650000, {ca}, ""},
        {"US-06037", "Los Angeles", PlaceLevel::district, 0, 9800000, {ca}, ""},
        {"US-36061", "New York", PlaceLevel::district, 950, 1600000, {ny}, "winback-20"},
        {"US-94103", "94103", PlaceLevel::postal, 40, 30000, {sf, ca}, ""},
    };
  }();
  return a;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fs::create_directories(work_dir() / "zones");
  fs::copy_file(GEOTARGET_SOURCE_DIR "/geodata/samples/zones/downtown-chicago.geojson",
                work_dir() / "zones" / "downtown-chicago.geojson", fs::copy_options::overwrite_existing);
  std::ofstream(work_dir() / "zones" / "square.wkt") << "POLYGON ((2.2 48.8, 2.5 48.8, 2.5 48.9, 2.2 48.9, 2.2 48.8))\n";
  std::atexit([] {
    std::error_code ignored;
    fs::remove_all(work_dir(), ignored);
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = (work_dir() / "campaigns.yaml").string();
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  geotarget::CampaignSet set;
  try {
    set = geotarget::load_campaigns(path);
  } catch (const geotarget::Error&) {
    return 0;
  }
  const geotarget::PlaceChain nowhere;
  const auto row = [](std::string_view column) -> std::string_view {
    return column == "loyalty_tier" ? "gold" : column == "days_since_purchase" ? "200" : "";
  };
  for (const geotarget::Campaign& c : set.campaigns) {
    (void)c.targets(nowhere, {41.88, -87.63});
    (void)c.targets(nowhere, {48.8566, 2.3522});
    (void)c.active_on("2026-03-15");
    (void)c.offer_for(row);
    try {
      (void)geotarget::allocate_budget(c, areas());
    } catch (const geotarget::Error&) {
    }
  }
  return 0;
}
