// geotarget bench ...: the project's own benchmarks. Each one runs the project's hot path and a
// named reference on the same inputs in the same process, prints both rates and, last,
// "ratio: X.XX" (ours / reference).
#include <maxminddb.h>
#include <netinet/in.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <future>
#include <filesystem>
#include <iostream>
#include <random>
#include <tuple>
#include <vector>

#include "bench.hpp"
#include "commands.hpp"
#include "geotarget/error.hpp"
#include "geotarget/allocation_file.hpp"
#include "geotarget/allocator.hpp"
#include "geotarget/delivery.hpp"
#include "geotarget/decision.hpp"
#include "geotarget/ip_resolver.hpp"
#include "geotarget/place_index.hpp"
#include "geos_reference.hpp"

namespace geotarget::cli {

namespace {

// CPU time of the calling thread: what an algorithm costs, even while other jobs share the cores.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace

// Special-purpose ranges are redrawn, so neither side gets free misses.
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

namespace {

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
          ours[i] = Answer{r.location->position.lat, r.location->position.lon};
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

// The whole decision a service makes per request (location, places, today's campaigns) from the
// compiled table, against what plain libmaxminddb gives for the same address: lat and lon.
void bench_decide(const DecisionSources& sources, std::size_t count, std::uint64_t seed) {
  auto table = DecisionTable::load(sources);
  const DecisionTableStats& st = table->stats();
  std::printf("database: %s (%s, %zu records); campaigns: %zu from %s\n", table->resolver().info().path.c_str(),
              table->resolver().info().database_type.c_str(), st.records, table->campaigns().campaigns.size(),
              sources.campaigns.empty() ? "(none)" : sources.campaigns.c_str());
  std::printf("snapshot: loaded in %.2f s (compiling the records: %.2f s); %zu distinct place chains, "
              "%zu campaign sets; compiled table %.1f MB\n",
              st.load_seconds, st.compile_seconds, st.distinct_chains, st.distinct_campaign_sets,
              static_cast<double>(st.bytes) / 1e6);
  std::vector<IpAddress> ips = random_public_ipv4(count, seed);
  std::printf("addresses: %zu random public IPv4, seed %llu, one thread, best of %d rounds\n", count,
              static_cast<unsigned long long>(seed), kRounds);
  std::vector<Answer> ours(count), theirs(count);
  std::size_t found = 0, with_district = 0, chosen = 0;
  PlainLibmaxminddb reference(sources.ip_databases.front(), table->resolver().info().schema);
  const std::int64_t today = DecisionTable::today();
  std::array<CampaignChoice, 64> choices;
  auto [ours_s, ref_s] = best_times(
      [&] {
        found = with_district = chosen = 0;
        for (std::size_t i = 0; i < count; ++i) {
          const Decision d = table->decide(ips[i]);
          if (d.status != LookupStatus::found) continue;
          ++found;
          ours[i] = Answer{d.position.lat, d.position.lon};
          with_district += d.places[PlaceLevel::district] != nullptr;
          chosen += table->choose(d, today, nullptr, choices);
        }
      },
      [&] {
        for (std::size_t i = 0; i < count; ++i) theirs[i] = reference.lookup(ips[i]);
      });
  std::size_t disagreements = 0;
  for (std::size_t i = 0; i < count; ++i)
    disagreements += !(same(ours[i].lat, theirs[i].lat) && same(ours[i].lon, theirs[i].lon));
  std::array<std::size_t, 3> by_precision{};  // country, region, city: places only that deep
  for (const IpAddress& a : ips)
    if (const Decision d = table->decide(a); d.status == LookupStatus::found) ++by_precision[static_cast<std::size_t>(d.precision)];
  std::printf("precision of the found: country %zu, region %zu, city %zu\n", by_precision[0], by_precision[1],
              by_precision[2]);
  const double ours_rate = static_cast<double>(count) / ours_s, ref_rate = static_cast<double>(count) / ref_s;
  std::printf("found: %zu of %zu (in a district: %zu; campaigns chosen today: %zu)\n", found, count, with_district,
              chosen);
  std::printf("geotarget DecisionTable (decide + choose: location, places, campaigns): %.0f decisions/s\n", ours_rate);
  std::printf("libmaxminddb (MMDB_lookup_sockaddr + MMDB_aget_value lat, lon): %.0f lookups/s\n", ref_rate);
  std::printf("disagreements: %zu\n", disagreements);
  std::printf("ratio: %.2f\n", ours_rate / ref_rate);
}

struct PacingFigures {
  double on_s = 1e300, off_s = 1e300, median_ratio = 0;
  std::size_t offered_on = 0, offered_off = 0;
};

// The decisions of bench_pacing over `ips`, with and without Delivery::spend.
class PacingRun {
 public:
  PacingRun(const DecisionTable& table, Delivery& delivery, const std::vector<IpAddress>& ips, std::int64_t day,
            std::uint64_t seed)
      : table_(table), delivery_(delivery), ips_(ips), day_(day), random_(seed) {}

  std::size_t pass(bool pacing) {
    std::size_t offered = 0;
    for (const IpAddress& ip : ips_) {
      const Decision d = table_.decide(ip);
      std::size_t n = table_.choose(d, day_, nullptr, choices_);
      if (pacing) n = delivery_.spend(d, std::span(choices_).first(n), random_);
      offered += n;
    }
    return offered;
  }

  // The two differ by less than a burst of load elsewhere on the machine: each round times both
  // back to back, and the ratio is the median of the rounds' ratios. Odd rounds time pacing off
  // first, so that neither contender always runs on a cold cache.
  PacingFigures measure() {
    PacingFigures f;
    std::vector<double> ratios;
    for (int round = 0; round < 9; ++round) {
      const auto paced = [&] { f.offered_on = pass(true); };
      const auto unpaced = [&] { f.offered_off = pass(false); };
      double on = 0, off = 0;
      if (round % 2 == 0) std::tie(on, off) = best_times(paced, unpaced, 1);
      else std::tie(off, on) = best_times(unpaced, paced, 1);
      ratios.push_back(off / on);
      f.on_s = std::min(f.on_s, on);
      f.off_s = std::min(f.off_s, off);
    }
    std::nth_element(ratios.begin(), ratios.begin() + 4, ratios.end());
    f.median_ratio = ratios[4];
    return f;
  }

 private:
  const DecisionTable& table_;
  Delivery& delivery_;
  const std::vector<IpAddress>& ips_;
  std::int64_t day_;
  std::uint64_t random_;
  std::array<CampaignChoice, 64> choices_;
};

// Decisions with pacing on (Delivery::spend after choose: the account lookup, the pass-through
// draw, the ledger's compare-and-swap) against the same decisions without, on `day`. The area
// budgets are scaled by a million so that none runs out during the bench. Twice: with the
// pass-through probabilities learnt from one warm-up round, as the pacing thread would (most
// draws fail, so the ledger is rarely reached), and with every draw passing (`asap`, or a
// campaign behind its curve: the compare-and-swap on every offer).
void bench_pacing(const DecisionSources& sources, const std::string& allocation_json, std::int64_t day,
                  std::size_t count, std::uint64_t seed) {
  auto table = DecisionTable::load(sources);
  AllocationFile allocation = read_allocation_file(allocation_json);
  for (CampaignAllocation& c : allocation.campaigns)
    for (AreaAllocation& a : c.areas) a.budget_cents = std::min(a.budget_cents * 1'000'000, kMaxMoneyCents);
  const std::string ledger_path =
      (std::filesystem::temp_directory_path() / ("geotarget-bench-" + std::to_string(::getpid()) + ".ledger")).string();
  const std::vector<IpAddress> ips = random_public_ipv4(count, seed);
  const auto midday = std::chrono::system_clock::time_point{std::chrono::days{day} + std::chrono::hours{12}};
  for (const bool learnt : {true, false}) {
    std::filesystem::remove(ledger_path);
    auto delivery = Delivery::compile(*table, allocation, open_ledger(ledger_path, budget_accounts(allocation)));
    PacingRun run(*table, *delivery, ips, day, seed);
    if (learnt) {
      delivery->update(midday);
      (void)run.pass(true);
      delivery->update(midday + DeliveryOptions{}.pacing_interval);
    }
    std::size_t paced_accounts = 0;
    for (std::size_t a = 0; a < delivery->accounts().size(); ++a) paced_accounts += delivery->figures(a, midday).pass_probability < 1;
    const PacingFigures f = run.measure();
    std::printf("pacing (%s): %zu budget accounts from %s, %zu of them with a pass-through probability below 1\n",
                learnt ? "probabilities learnt" : "every draw passing", delivery->accounts().size(), allocation_json.c_str(),
                paced_accounts);
    std::printf("campaigns offered: %zu with pacing, %zu without\n", f.offered_on, f.offered_off);
    std::printf("decide + choose + spend (pacing on): %.0f decisions/s (best round)\n", static_cast<double>(count) / f.on_s);
    std::printf("decide + choose (pacing off): %.0f decisions/s (best round)\n", static_cast<double>(count) / f.off_s);
    std::printf("pacing ratio%s: %.2f (median of 9 rounds, each timing both back to back; target >= 0.80)\n",
                learnt ? "" : ", every draw passing", f.median_ratio);
  }
  std::filesystem::remove(ledger_path);
}

// Uniform random points in the lower 48 United States' bounding box.
std::vector<std::array<double, 2>> random_lower48_points(std::size_t count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> lat(24.5, 49.4), lon(-124.8, -66.9);
  std::vector<std::array<double, 2>> out(count);
  for (auto& p : out) p = {lat(rng), lon(rng)};
  return out;
}

// Uniform random points on the sphere that GEOS places in some polygon of the level: points on
// land, for the world mode (the reference filters, so the index gets no say in the sample).
std::vector<std::array<double, 2>> random_land_points(std::size_t count, std::uint64_t seed,
                                                      const detail::GeosReference& geos) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> z(-1, 1), lon(-180, 180);
  std::vector<std::array<double, 2>> out;
  out.reserve(count);
  while (out.size() < count) {
    const double lat = std::asin(z(rng)) * 180 / 3.14159265358979323846, x = lon(rng);
    if (geos.first_containing(x, lat) != detail::GeosReference::none) out.push_back({lat, x});
  }
  return out;
}

void bench_locate(const std::string& geodata, std::size_t count, std::uint64_t seed,
                  PlaceLevel level, bool world) {
  auto t0 = Clock::now();
  auto index = PlaceIndex::load(geodata);
  std::printf("geodata: %s (loaded and indexed in %.2f s)\n", geodata.c_str(), seconds_since(t0));
  t0 = Clock::now();
  detail::GeosReference geos(*index, level);
  std::printf("GEOS STRtree + prepared geometries built in %.2f s\n", seconds_since(t0));
  auto points = world ? random_land_points(count, seed, geos) : random_lower48_points(count, seed);
  std::printf("points: %zu uniform random %s, seed %llu, one thread, level %s, best of %d rounds\n", count,
              world ? "on the sphere, kept where GEOS finds land (a polygon of the level)"
                    : "in the lower 48 bounding box",
              static_cast<unsigned long long>(seed), std::string(describe(level)).c_str(), kRounds);

  std::vector<std::uint32_t> ours(count), theirs(count);
  const Place* base = index->places().data();
  auto [ours_s, geos_s] = best_times(
      [&] {
        for (std::size_t i = 0; i < count; ++i) {
          const Place* p = index->place_at({points[i][0], points[i][1]}, level);
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
    (void)index->locate({points[i][0], points[i][1]}, chain);
    towns += chain[PlaceLevel::town] != nullptr;
  }
  double chain_s = seconds_since(t0);

  // Compared where GEOS is unambiguous: exactly one polygon contains the point (a point in two
  // overlapping polygons, or on a border, has no single right answer to compare with).
  std::size_t disagreements = 0, placed = 0, ambiguous = 0;
  std::vector<std::uint32_t> contains, covers;
  for (std::size_t i = 0; i < count; ++i) {
    placed += ours[i] != Place::none;
    if (ours[i] == theirs[i]) continue;
    geos.containing(points[i][1], points[i][0], contains, covers);
    if (contains.size() != 1) {
      ++ambiguous;
      continue;
    }
    disagreements += ours[i] != contains.front();
  }
  double ours_rate = static_cast<double>(count) / ours_s, geos_rate = static_cast<double>(count) / geos_s;
  std::printf("placed: %zu of %zu (with a town: %zu)\n", placed, count, towns);
  std::printf("geotarget PlaceIndex::place_at (%s): %.0f points/s\n", std::string(describe(level)).c_str(), ours_rate);
  std::printf("geotarget PlaceIndex::locate (whole chain with town and postal): %.0f points/s\n",
              static_cast<double>(count) / chain_s);
  std::printf("GEOS STRtree + GEOSPreparedContains: %.0f points/s\n", geos_rate);
  std::printf("not compared (GEOS: no or several polygons contain the point): %zu\n", ambiguous);
  std::printf("disagreements: %zu\n", disagreements);
  std::printf("ratio: %.2f\n", ours_rate / geos_rate);
}

// 100 campaigns over every county of the pack with random audiences: the brief's target is
// 100 ms in all. There is no outside reference, so the ratio is the target over the time.
void bench_allocate(const std::string& geodata, int campaigns, std::uint64_t seed) {
  auto index = PlaceIndex::load(geodata);
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> audience(4.0, 1.5);
  std::vector<AllocationArea> areas;
  for (const Place& p : index->places()) {
    if (p.level != PlaceLevel::district) continue;
    AllocationArea a{p.id, p.name, p.level, 1 + static_cast<std::int64_t>(audience(rng)), 0, {}, ""};
    if (p.parent != Place::none) a.ancestors.push_back(AreaRef{index->places()[p.parent].id, "", PlaceLevel::region});
    areas.push_back(std::move(a));
  }
  std::vector<Campaign> set;
  for (int i = 0; i < campaigns; ++i) {
    Campaign c;
    c.id = "c" + std::to_string(i);
    c.budget_cents = 50'000'000 + 1'000'000 * i;
    c.allocation.min_per_area_cents = 1'000;
    c.allocation.max_per_area_cents = 500'000;
    c.allocation.fixed_cost_per_area_cents = i % 2 ? 2'500 : 0;
    c.allocation.min_audience = i % 3 ? 5 : 0;
    c.allocation.response.model = i % 4 ? ResponseModel::exponential : ResponseModel::hyperbolic;
    c.allocation.spend_all = i % 2 == 0;  // the efficiency floor (D31) on odd campaigns
    set.push_back(c);
  }
  // One campaign after another on this thread, then the campaigns split over two threads.
  struct Tally {
    std::size_t allocated = 0, exact = 0;
  };
  auto run = [&](std::size_t from, std::size_t to) {
    Tally t;
    for (std::size_t i = from; i < to; ++i) {
      CampaignAllocation a = allocate_budget(set[i], areas);
      std::int64_t sum = a.unspent_cents;
      for (const auto& x : a.areas) sum += x.budget_cents, t.allocated += x.binding != Binding::merged;
      t.exact += sum == set[i].budget_cents;
    }
    return t;
  };
  const double cpu0 = thread_cpu_seconds();
  auto t0 = Clock::now();
  const Tally one = run(0, set.size());
  const double one_wall = seconds_since(t0), one_cpu = thread_cpu_seconds() - cpu0;
  t0 = Clock::now();
  auto half = std::async(std::launch::async, run, 0, set.size() / 2);
  run(set.size() / 2, set.size());
  half.get();
  const double two_wall = seconds_since(t0);
  std::printf("allocation: %d campaigns x %zu areas (counties, random audiences, seed %llu), optimal with bounds,\n"
              "fixed costs, minimum audiences and the efficiency floor on alternate campaigns (target: 100 ms)\n",
              campaigns, areas.size(), static_cast<unsigned long long>(seed));
  std::printf("one thread: %.1f ms wall, %.1f ms CPU; two threads: %.1f ms wall\n", one_wall * 1000, one_cpu * 1000,
              two_wall * 1000);
  std::printf("%zu areas allocated; budgets summing exactly to the cent: %zu of %d\n", one.allocated, one.exact,
              campaigns);
  std::printf("ratio: %.2f\n", 0.1 / two_wall);
}

}  // namespace

namespace {

void add_bench_ip(CLI::App& bench, int& exit_code) {
  struct Args {
    std::string db;
    std::size_t count = 1'000'000;
    std::uint64_t seed = 42;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = bench.add_subcommand("ip", "IpResolver vs plain libmaxminddb, random IPv4");
  cmd->add_option("--db", args->db, "MMDB database (default: $GEOTARGET_DB or the demo database)");
  cmd->add_option("--count", args->count, "Number of random addresses (default 1000000)");
  cmd->add_option("--seed", args->seed, "Random seed (default 42)");
  cmd->callback([args, &exit_code] {
    bench_ip(args->db.empty() ? default_database() : args->db, args->count, args->seed);
    exit_code = 0;
  });
}

void add_bench_decide(CLI::App& bench, int& exit_code) {
  struct Args {
    DecisionSources sources;
    std::string db;
    std::size_t count = 1'000'000;
    std::uint64_t seed = 42;
    std::string allocation, day;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = bench.add_subcommand("decide", "Compiled decisions vs plain libmaxminddb, random IPv4");
  cmd->add_option("--allocation", args->allocation, "Allocation JSON: also decisions with pacing on vs off");
  cmd->add_option("--day", args->day, "Day of the pacing run, YYYY-MM-DD (default: today, UTC)");
  cmd->add_option("--db", args->db, "MMDB database (default: $GEOTARGET_DB or the demo database)");
  cmd->add_option("--geodata", args->sources.geodata, "Geodata manifest (default: geodata/default.yaml)");
  cmd->add_option("--campaigns", args->sources.campaigns,
                  "Campaigns file (default: geodata/samples/campaigns.yaml)");
  cmd->add_option("--count", args->count, "Number of random addresses (default 1000000)");
  cmd->add_option("--seed", args->seed, "Random seed (default 42)");
  cmd->callback([args, &exit_code] {
    DecisionSources s = args->sources;
    s.ip_databases = {args->db.empty() ? default_database() : args->db};
    if (s.geodata.empty()) s.geodata = default_geodata();
    if (s.campaigns.empty())
      s.campaigns = (std::filesystem::path(default_geodata()).parent_path() / "samples" / "campaigns.yaml").string();
    bench_decide(s, args->count, args->seed);
    if (!args->allocation.empty()) {
      std::int64_t day = DecisionTable::today();
      if (!args->day.empty()) {
        int y = 0;
        unsigned m = 0, d = 0;
        if (std::sscanf(args->day.c_str(), "%4d-%2u-%2u", &y, &m, &d) != 3 ||
            !std::chrono::year_month_day{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}}.ok())
          throw Error("--day: '" + args->day + "' is not a YYYY-MM-DD date", ErrorCode::invalid_option);
        day = std::chrono::sys_days{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}}.time_since_epoch().count();
      }
      bench_pacing(s, args->allocation, day, args->count, args->seed);
    }
    exit_code = 0;
  });
}

void add_bench_locate(CLI::App& bench, int& exit_code) {
  struct Args {
    std::string geodata, level;
    std::size_t points = 1'000'000;
    std::uint64_t seed = 42;
    bool world = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = bench.add_subcommand("locate", "PlaceIndex vs GEOS STRtree + prepared contains");
  cmd->add_flag("--world", args->world,
                "Random points on land worldwide, at the region level (default: the lower 48, district)");
  cmd->add_option("--geodata", args->geodata, "Geodata manifest (default: geodata/default.yaml)");
  cmd->add_option("--points", args->points, "Number of random points (default 1000000)");
  cmd->add_option("--seed", args->seed, "Random seed (default 42)");
  cmd->add_option("--level", args->level, "Polygon level to compare (default district; region with --world)");
  cmd->callback([args, &exit_code] {
    PlaceLevel level;
    const std::string name = !args->level.empty() ? args->level : args->world ? "region" : "district";
    if (!parse_place_level(name, level) || is_point_level(level))
      throw Error("bench locate: --level must be country, region or district, not '" + name + "'");
    bench_locate(args->geodata.empty() ? default_geodata() : args->geodata, args->points, args->seed, level,
                 args->world);
    exit_code = 0;
  });
}

void add_bench_locate_once(CLI::App& bench, int& exit_code) {
  struct Args {
    std::string geodata;
    int runs = 5;
    std::size_t points = 1'000'000;
    std::uint64_t seed = 42;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = bench.add_subcommand(
      "locate-once", "One `geotarget locate` process: compiled index mapped vs built from the sources");
  cmd->add_option("--geodata", args->geodata, "Geodata manifest (default: geodata/default.yaml)");
  cmd->add_option("--runs", args->runs, "Processes of each kind (default 5)");
  cmd->add_option("--points", args->points, "Random points on which both indexes' answers are compared (default 1000000)");
  cmd->add_option("--seed", args->seed, "Random seed (default 42)");
  cmd->callback([args, &exit_code] {
    if (args->runs < 1) throw Error("bench locate-once: --runs must be at least 1");
    bench_locate_once(args->geodata.empty() ? default_geodata() : args->geodata, args->runs, args->points, args->seed);
    exit_code = 0;
  });
}

void add_bench_allocate(CLI::App& bench, int& exit_code) {
  struct Args {
    std::string geodata;
    int campaigns = 100;
    std::uint64_t seed = 42;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = bench.add_subcommand("allocate", "Budget allocation: 100 campaigns over every county");
  cmd->add_option("--geodata", args->geodata, "Geodata manifest (default: geodata/default.yaml)");
  cmd->add_option("--campaigns", args->campaigns, "Number of campaigns (default 100)");
  cmd->add_option("--seed", args->seed, "Random seed (default 42)");
  cmd->callback([args, &exit_code] {
    bench_allocate(args->geodata.empty() ? default_geodata() : args->geodata, args->campaigns, args->seed);
    exit_code = 0;
  });
}

void add_bench_map(CLI::App& bench, int& exit_code) {
  auto args = std::make_shared<BenchMapArgs>();
  CLI::App* cmd = bench.add_subcommand("map", "Customer mapping: accuracy and rows/s vs a GEOS pipeline");
  cmd->add_option("--geodata", args->geodata, "Geodata manifest (default: geodata/default.yaml)");
  cmd->add_option("--customers", args->customers, "Sample customers (default: geodata/samples/customers.csv)");
  cmd->add_option("--truth", args->truth, "Their truth file (default: geodata/samples/customers-truth.csv)");
  cmd->add_option("--rows", args->rows, "Coordinate rows to generate (default 1000000)");
  cmd->callback([args, &exit_code] {
    BenchMapArgs a = *args;
    if (a.geodata.empty()) a.geodata = default_geodata();
    const std::string samples = std::filesystem::path(default_geodata()).parent_path() / "samples";
    if (a.customers.empty()) a.customers = samples + "/customers.csv";
    if (a.truth.empty()) a.truth = samples + "/customers-truth.csv";
    bench_map(a);
    exit_code = 0;
  });
}

void add_bench_targets(CLI::App& bench, int& exit_code) {
  auto args = std::make_shared<BenchTargetsArgs>();
  CLI::App* cmd = bench.add_subcommand("targets", "Stores and zones: the targets' R-tree vs the linear scan");
  cmd->add_option("--geodata", args->geodata, "Geodata manifest (default: geodata/default.yaml)");
  cmd->add_option("--db", args->db, "MMDB database: also measure the serve load and decisions with the targets");
  cmd->add_option("--dir", args->dir, "Folder for the generated inputs (default: a temporary folder; kept)");
  cmd->add_option("--stores", args->stores, "Stores (default 10000)");
  cmd->add_option("--zones", args->zones, "Zone polygons (default 1000)");
  cmd->add_option("--customers", args->customers, "Mapped customers (default 1000000)");
  cmd->add_option("--sample", args->sample, "Customers the linear scan is timed on (default 300)");
  cmd->add_option("--seed", args->seed, "Random seed (default 42)");
  cmd->callback([args, &exit_code] {
    BenchTargetsArgs a = *args;
    if (a.geodata.empty()) a.geodata = default_geodata();
    if (a.dir.empty()) a.dir = (std::filesystem::temp_directory_path() / "geotarget-bench-targets").string();
    if (a.stores == 0 || a.zones == 0 || a.customers == 0 || a.sample == 0)
      throw Error("bench targets: --stores, --zones, --customers and --sample must be at least 1");
    bench_targets(a);
    exit_code = 0;
  });
}

}  // namespace

void add_bench_command(CLI::App& app, int& exit_code) {
  CLI::App* bench = app.add_subcommand("bench", "Benchmarks against the references in the brief");
  bench->require_subcommand(1);
  add_bench_ip(*bench, exit_code);
  add_bench_decide(*bench, exit_code);
  add_bench_locate(*bench, exit_code);
  add_bench_locate_once(*bench, exit_code);
  add_bench_allocate(*bench, exit_code);
  add_bench_map(*bench, exit_code);
  add_bench_targets(*bench, exit_code);
}

}  // namespace geotarget::cli
