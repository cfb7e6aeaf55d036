// geotarget bench map: district accuracy on the sample customers against their truth file,
// and rows/s for coordinate rows (against a GEOS pipeline in the same run) and address rows.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <algorithm>
#include <unistd.h>

#include "geotarget/batch_mapper.hpp"
#include "bench.hpp"
#include "csv_reader.hpp"
#include "geos_reference.hpp"
#include "geotarget/error.hpp"

namespace geotarget::cli {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Rows of a CSV file as maps from column name to value (small files only).
std::vector<std::map<std::string, std::string>> read_table(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot read");
  detail::CsvReader reader(in);
  detail::CsvRecord r;
  std::vector<std::string> header;
  std::vector<std::map<std::string, std::string>> rows;
  for (detail::CsvStatus s; (s = reader.next(r)) != detail::CsvStatus::end_of_input;) {
    if (s != detail::CsvStatus::ok) continue;
    if (header.empty()) {
      header.assign(r.fields.begin(), r.fields.end());
      continue;
    }
    auto& row = rows.emplace_back();
    for (std::size_t i = 0; i < header.size() && i < r.fields.size(); ++i) row[header[i]] = std::string(r.fields[i]);
  }
  return rows;
}

MapSummary run_map(const std::string& in, const std::string& out, int threads,
                           const PlaceIndex& index, const Gazetteer& gazetteer) {
  MapOptions o;
  o.input = in;
  o.output = out;
  o.threads = threads;
  std::ostringstream quiet;
  GazetteerSource built(gazetteer);
  return map_customers(o, index, built, quiet);
}

void accuracy(const std::string& customers, const std::string& truth, const fs::path& work,
              const PlaceIndex& index, const Gazetteer& gazetteer) {
  const std::string out = (work / "customers-mapped.csv").string();
  run_map(customers, out, 0, index, gazetteer);
  std::map<std::string, std::string> mapped;
  for (auto& row : read_table(out)) mapped[row["customer_id"]] = row["geo_district"];
  std::map<std::string, std::pair<int, int>> by_kind;  // kind -> (right, total)
  int right = 0, total = 0;
  for (auto& t : read_table(truth)) {
    if (t["truth_district"].empty()) continue;
    auto& k = by_kind[t["kind"]];
    bool ok = mapped.count(t["customer_id"]) && mapped[t["customer_id"]] == t["truth_district"];
    k.first += ok, ++k.second, right += ok, ++total;
  }
  std::printf("district accuracy on %s: %.2f%% (%d of %d rows with a known district)\n", customers.c_str(),
              total ? 100.0 * right / total : 0.0, right, total);
  for (auto& [kind, k] : by_kind)
    std::printf("  %-12s %6.2f%% of %d\n", kind.c_str(), k.second ? 100.0 * k.first / k.second : 0.0, k.second);
}

// The reference: one thread reads the same CSV, finds country, region and district with the
// standard GEOS approach, and writes the same kind of CSV.
double geos_pipeline(const std::string& in_path, const std::string& out_path, const PlaceIndex& index) {
  detail::GeosReference country(index, PlaceLevel::country), region(index, PlaceLevel::region),
      district(index, PlaceLevel::district);
  auto t0 = Clock::now();
  std::ifstream in(in_path, std::ios::binary);
  std::ofstream out(out_path, std::ios::binary);
  detail::CsvReader reader(in);
  detail::CsvRecord r;
  std::string line;
  const auto& places = index.places();
  auto id = [&](std::uint32_t p) { return p == Place::none ? std::string_view() : std::string_view(places[p].id); };
  bool header = true;
  while (reader.next(r) == detail::CsvStatus::ok) {
    line.assign(r.raw);
    if (header) {
      line += ",geo_country,geo_region,geo_district\n";
      header = false;
    } else {
      double lat = std::strtod(std::string(r.fields[2]).c_str(), nullptr);
      double lon = std::strtod(std::string(r.fields[3]).c_str(), nullptr);
      (((line += ',') += id(country.first_containing(lon, lat))) += ',') += id(region.first_containing(lon, lat));
      ((line += ',') += id(district.first_containing(lon, lat))) += '\n';
    }
    out << line;
  }
  return since(t0);
}

void throughput(std::size_t rows, const fs::path& work, const std::string& customers, const PlaceIndex& index,
                const Gazetteer& gazetteer) {
  const std::string coords = (work / "coordinates.csv").string();
  {
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> lat(24.5, 49.4), lon(-124.8, -66.9);
    std::ofstream out(coords, std::ios::binary);
    out << "customer_id,loyalty_tier,lat,lon\n";
    const char* tiers[] = {"bronze", "silver", "gold", "platinum"};
    char buf[128];
    for (std::size_t i = 0; i < rows; ++i) {
      int n = std::snprintf(buf, sizeof buf, "C%07zu,%s,%.6f,%.6f\n", i, tiers[i % 4], lat(rng), lon(rng));
      out.write(buf, n);
    }
  }
  auto best = [&](int threads) {
    double s = 1e300;
    for (int round = 0; round < 3; ++round)
      s = std::min(s, run_map(coords, (work / "coordinates-out.csv").string(), threads, index, gazetteer).seconds);
    return s;
  };
  const double all = best(0), one = best(1);
  double geos = 1e300;
  for (int round = 0; round < 3; ++round) geos = std::min(geos, geos_pipeline(coords, (work / "geos-out.csv").string(), index));
  std::printf("coordinate rows: %zu random points in the lower 48, CSV in -> CSV out, best of 3\n", rows);
  std::printf("  geotarget map, all cores: %.3f s wall (%.0f rows/s)\n", all, static_cast<double>(rows) / all);
  std::printf("  geotarget map, 1 thread:  %.3f s wall (%.0f rows/s)\n", one, static_cast<double>(rows) / one);
  std::printf("  GEOS STRtree + prepared contains (country, region, district), 1 thread: %.3f s (%.0f rows/s)\n",
              geos, static_cast<double>(rows) / geos);

  // Address rows: the sample's rows without coordinates, repeated to a large file.
  const std::string addresses = (work / "addresses.csv").string();
  std::size_t address_rows = 0;
  {
    std::ifstream in(customers, std::ios::binary);
    detail::CsvReader reader(in);
    detail::CsvRecord r;
    std::vector<std::string> body;
    std::string header;
    std::size_t lat_col = 0;
    for (detail::CsvStatus s; (s = reader.next(r)) != detail::CsvStatus::end_of_input;) {
      if (s != detail::CsvStatus::ok) continue;
      if (header.empty()) {
        header.assign(r.raw);
        lat_col = static_cast<std::size_t>(std::find(r.fields.begin(), r.fields.end(), std::string_view("lat")) - r.fields.begin());
        continue;
      }
      if (lat_col < r.fields.size() && r.fields[lat_col].empty()) body.emplace_back(r.raw);
    }
    std::ofstream out(addresses, std::ios::binary);
    out << header << '\n';
    while (!body.empty() && address_rows < 500000)
      for (const auto& row : body) out << row << '\n', ++address_rows;
  }
  double s = 1e300;
  for (int round = 0; round < 3; ++round)
    s = std::min(s, run_map(addresses, (work / "addresses-out.csv").string(), 0, index, gazetteer).seconds);
  std::printf("address rows: %zu (the sample's address rows, repeated), all cores: %.3f s (%.0f rows/s)\n",
              address_rows, s, static_cast<double>(address_rows) / s);
  std::printf("ratio: %.2f\n", geos / one);
}

}  // namespace

void bench_map(const BenchMapArgs& a) {
  auto index = PlaceIndex::load(a.geodata);
  Gazetteer gazetteer(index);
  fs::path work = fs::temp_directory_path() / ("geotarget-bench-map-" + std::to_string(::getpid()));
  fs::create_directories(work);
  try {
    accuracy(a.customers, a.truth, work, *index, gazetteer);
    throughput(a.rows, work, a.customers, *index, gazetteer);
  } catch (...) {
    fs::remove_all(work);
    throw;
  }
  fs::remove_all(work);
}

}  // namespace geotarget::cli
