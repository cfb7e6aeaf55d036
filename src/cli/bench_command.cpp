// geotarget bench ...: the project's own benchmarks. Each one runs the project's hot path and a
// named reference on the same inputs in the same process, prints both rates and, last,
// "ratio: X.XX" (ours / reference).
#include <maxminddb.h>
#include <netinet/in.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <random>
#include <vector>

#include "cli/bench.hpp"
#include "cli/commands.hpp"
#include "geotarget/error.hpp"
#include "geotarget/ip_resolver.hpp"
#include "geotarget/place_index.hpp"
#include "geos_reference.hpp"

namespace geotarget::cli {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

constexpr int kRounds = 3;

// The fastest of kRounds timed runs of each contender, run alternately, so that a burst of
// load from elsewhere on the machine does not decide the ratio.
template <class Ours, class Theirs>
std::pair<double, double> best_times(Ours ours, Theirs theirs) {
  double best_ours = 1e300, best_theirs = 1e300;
  for (int round = 0; round < kRounds; ++round) {
    auto t0 = Clock::now();
    ours();
    best_ours = std::min(best_ours, seconds_since(t0));
    t0 = Clock::now();
    theirs();
    best_theirs = std::min(best_theirs, seconds_since(t0));
  }
  return {best_ours, best_theirs};
}

// Uniformly random public IPv4 addresses (special-purpose ranges are redrawn, so neither side
// gets free misses), the same for every run with the same seed.
std::vector<IpAddress> random_public_ipv4(std::size_t count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<IpAddress> out;
  out.reserve(count);
  while (out.size() < count) {
    IpAddress a = IpAddress::v4(static_cast<std::uint32_t>(rng()));
    if (a.classify() == AddressClass::global) out.push_back(a);
  }
  return out;
}

struct Answer {
  double lat = Location::unknown, lon = Location::unknown;
};

// The reference: what an application does with plain libmaxminddb.
class PlainLibmaxminddb {
 public:
  PlainLibmaxminddb(const std::string& path, IpSchema schema) {
    if (MMDB_open(path.c_str(), MMDB_MODE_MMAP, &db_) != MMDB_SUCCESS)
      throw Error(path + ": cannot open with libmaxminddb");
    bool nested = schema == IpSchema::geoip2_city;
    lat_ = nested ? std::vector<const char*>{"location", "latitude", nullptr}
                  : std::vector<const char*>{"latitude", nullptr};
    lon_ = nested ? std::vector<const char*>{"location", "longitude", nullptr}
                  : std::vector<const char*>{"longitude", nullptr};
  }
  ~PlainLibmaxminddb() { MMDB_close(&db_); }
  PlainLibmaxminddb(const PlainLibmaxminddb&) = delete;
  PlainLibmaxminddb& operator=(const PlainLibmaxminddb&) = delete;

  Answer lookup(const IpAddress& ip) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    std::memcpy(&sin.sin_addr, ip.bytes().data() + 12, 4);
    int err = 0;
    MMDB_lookup_result_s r = MMDB_lookup_sockaddr(&db_, reinterpret_cast<sockaddr*>(&sin), &err);
    Answer a;
    if (err != MMDB_SUCCESS || !r.found_entry) return a;
    a.lat = number(r.entry, lat_);
    a.lon = number(r.entry, lon_);
    return a;
  }

 private:
  static double number(MMDB_entry_s& entry, const std::vector<const char*>& path) {
    MMDB_entry_data_s d;
    if (MMDB_aget_value(&entry, &d, path.data()) != MMDB_SUCCESS || !d.has_data)
      return Location::unknown;
    if (d.type == MMDB_DATA_TYPE_DOUBLE) return d.double_value;
    if (d.type == MMDB_DATA_TYPE_FLOAT) return static_cast<double>(d.float_value);
    return Location::unknown;
  }
  MMDB_s db_{};
  std::vector<const char*> lat_, lon_;
};

bool same(double a, double b) { return a == b || (a != a && b != b); }

void bench_ip(const std::string& db, std::size_t count, std::uint64_t seed) {
  auto t0 = Clock::now();
  IpResolver resolver(db);
  double load_s = seconds_since(t0);
  std::vector<IpAddress> ips = random_public_ipv4(count, seed);
  std::printf("database: %s (%s, %zu records decoded in %.2f s)\n", db.c_str(),
              resolver.info().database_type.c_str(), resolver.info().record_count, load_s);
  std::printf("addresses: %zu random public IPv4, seed %llu, one thread, best of %d rounds\n", count,
              static_cast<unsigned long long>(seed), kRounds);

  std::vector<Answer> ours(count), theirs(count);
  std::size_t found = 0;
  PlainLibmaxminddb reference(db, resolver.info().schema);
  auto [ours_s, ref_s] = best_times(
      [&] {
        found = 0;
        for (std::size_t i = 0; i < count; ++i) {
          IpLookup r = resolver.lookup(ips[i]);
          if (r.status != LookupStatus::found) continue;
          ++found;
          ours[i] = Answer{r.location->lat, r.location->lon};
        }
      },
      [&] {
        for (std::size_t i = 0; i < count; ++i) theirs[i] = reference.lookup(ips[i]);
      });

  std::size_t disagreements = 0;
  for (std::size_t i = 0; i < count; ++i)
    disagreements += !(same(ours[i].lat, theirs[i].lat) && same(ours[i].lon, theirs[i].lon));
  double ours_rate = static_cast<double>(count) / ours_s;
  double ref_rate = static_cast<double>(count) / ref_s;
  std::printf("found: %zu of %zu\n", found, count);
  std::printf("geotarget IpResolver (lookup, lat/lon/country/city): %.0f lookups/s\n", ours_rate);
  std::printf("libmaxminddb (MMDB_lookup_sockaddr + MMDB_aget_value lat, lon): %.0f lookups/s\n",
              ref_rate);
  std::printf("disagreements: %zu\n", disagreements);
  std::printf("ratio: %.2f\n", ours_rate / ref_rate);
}

// Uniform random points in the lower 48 United States' bounding box.
std::vector<std::array<double, 2>> random_lower48_points(std::size_t count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> lat(24.5, 49.4), lon(-124.8, -66.9);
  std::vector<std::array<double, 2>> out(count);
  for (auto& p : out) p = {lat(rng), lon(rng)};
  return out;
}

void bench_locate(const std::string& geodata, std::size_t count, std::uint64_t seed,
                  PlaceLevel level) {
  auto t0 = Clock::now();
  auto index = PlaceIndex::load(geodata);
  std::printf("geodata: %s (loaded and indexed in %.2f s)\n", geodata.c_str(), seconds_since(t0));
  t0 = Clock::now();
  detail::GeosReference geos(*index, level);
  std::printf("GEOS STRtree + prepared geometries built in %.2f s\n", seconds_since(t0));
  auto points = random_lower48_points(count, seed);
  std::printf("points: %zu uniform random in the lower 48 bounding box, seed %llu, one thread, "
              "level %s, best of %d rounds\n",
              count, static_cast<unsigned long long>(seed), std::string(describe(level)).c_str(), kRounds);

  std::vector<std::uint32_t> ours(count), theirs(count);
  const Place* base = index->places().data();
  auto [ours_s, geos_s] = best_times(
      [&] {
        for (std::size_t i = 0; i < count; ++i) {
          const Place* p = index->place_at(points[i][0], points[i][1], level);
          ours[i] = p ? static_cast<std::uint32_t>(p - base) : Place::none;
        }
      },
      [&] {
        for (std::size_t i = 0; i < count; ++i) theirs[i] = geos.first_containing(points[i][1], points[i][0]);
      });
  t0 = Clock::now();
  PlaceChain chain;
  std::size_t towns = 0;
  for (std::size_t i = 0; i < count; ++i) {
    (void)index->locate(points[i][0], points[i][1], chain);
    towns += chain[PlaceLevel::town] != nullptr;
  }
  double chain_s = seconds_since(t0);

  std::size_t disagreements = 0, placed = 0;
  for (std::size_t i = 0; i < count; ++i) {
    disagreements += ours[i] != theirs[i];
    placed += ours[i] != Place::none;
  }
  double ours_rate = static_cast<double>(count) / ours_s, geos_rate = static_cast<double>(count) / geos_s;
  std::printf("placed: %zu of %zu (with a town: %zu)\n", placed, count, towns);
  std::printf("geotarget PlaceIndex::place_at (%s): %.0f points/s\n", std::string(describe(level)).c_str(), ours_rate);
  std::printf("geotarget PlaceIndex::locate (whole chain with town and postal): %.0f points/s\n",
              static_cast<double>(count) / chain_s);
  std::printf("GEOS STRtree + GEOSPreparedContains: %.0f points/s\n", geos_rate);
  std::printf("disagreements: %zu\n", disagreements);
  std::printf("ratio: %.2f\n", ours_rate / geos_rate);
}

}  // namespace

void add_bench_command(CLI::App& app, int& exit_code) {
  CLI::App* bench = app.add_subcommand("bench", "Benchmarks against the references in the brief");
  bench->require_subcommand(1);

  struct IpArgs {
    std::string db;
    std::size_t count = 1'000'000;
    std::uint64_t seed = 42;
  };
  auto ip = std::make_shared<IpArgs>();
  CLI::App* cmd = bench->add_subcommand("ip", "IpResolver vs plain libmaxminddb, random IPv4");
  cmd->add_option("--db", ip->db, "MMDB database (default: $GEOTARGET_DB or the demo database)");
  cmd->add_option("--count", ip->count, "Number of random addresses (default 1000000)");
  cmd->add_option("--seed", ip->seed, "Random seed (default 42)");
  cmd->callback([ip, &exit_code] {
    bench_ip(ip->db.empty() ? default_database() : ip->db, ip->count, ip->seed);
    exit_code = 0;
  });

  struct LocateArgs {
    std::string geodata, level = "district";
    std::size_t points = 1'000'000;
    std::uint64_t seed = 42;
  };
  auto loc = std::make_shared<LocateArgs>();
  CLI::App* locate = bench->add_subcommand("locate", "PlaceIndex vs GEOS STRtree + prepared contains");
  locate->add_option("--geodata", loc->geodata, "Geodata manifest (default: geodata/default.yaml)");
  locate->add_option("--points", loc->points, "Number of random points (default 1000000)");
  locate->add_option("--seed", loc->seed, "Random seed (default 42)");
  locate->add_option("--level", loc->level, "Polygon level to compare (default district)");
  locate->callback([loc, &exit_code] {
    PlaceLevel level;
    if (!parse_place_level(loc->level, level) || level == PlaceLevel::town || level == PlaceLevel::postal)
      throw Error("bench locate: --level must be country, region or district, not '" + loc->level + "'");
    bench_locate(loc->geodata.empty() ? default_geodata() : loc->geodata, loc->points, loc->seed, level);
    exit_code = 0;
  });

  auto map = std::make_shared<BenchMapArgs>();
  CLI::App* map_cmd = bench->add_subcommand("map", "Customer mapping: accuracy and rows/s vs a GEOS pipeline");
  map_cmd->add_option("--geodata", map->geodata, "Geodata manifest (default: geodata/default.yaml)");
  map_cmd->add_option("--customers", map->customers, "Sample customers (default: geodata/samples/customers.csv)");
  map_cmd->add_option("--truth", map->truth, "Their truth file (default: geodata/samples/customers-truth.csv)");
  map_cmd->add_option("--rows", map->rows, "Coordinate rows to generate (default 1000000)");
  map_cmd->callback([map, &exit_code] {
    BenchMapArgs a = *map;
    if (a.geodata.empty()) a.geodata = default_geodata();
    const std::string samples = std::filesystem::path(default_geodata()).parent_path() / "samples";
    if (a.customers.empty()) a.customers = samples + "/customers.csv";
    if (a.truth.empty()) a.truth = samples + "/customers-truth.csv";
    bench_map(a);
    exit_code = 0;
  });
}

}  // namespace geotarget::cli
