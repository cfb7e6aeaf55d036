// geotarget bench targets: a chain's stores and zones through the targets' R-tree, against the
// linear scan over every target (Campaign::targets) that allocate and serve did before.
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <random>

#include "bench.hpp"
#include "geotarget/allocation_file.hpp"
#include "geotarget/decision.hpp"
#include "point_level.hpp"
#include "target_index.hpp"

namespace geotarget::cli {

namespace {

namespace fs = std::filesystem;
constexpr double kKmPerDegree = 111.2;

// A point of the lower 48 that the place index puts in a district (land, not sea or Canada).
LatLng random_land_point(const PlaceIndex& index, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> lat(24.5, 49.4), lon(-124.8, -66.9);
  for (;;) {
    const LatLng p{lat(rng), lon(rng)};
    if (index.place_at(p, PlaceLevel::district)) return p;
  }
}

LatLng offset_km(LatLng p, double north_km, double east_km) {
  return {p.lat + north_km / kKmPerDegree, p.lon + east_km / (kKmPerDegree * std::cos(p.lat * std::numbers::pi / 180))};
}

void write_stores(const fs::path& path, const std::vector<LatLng>& stores) {
  std::ofstream out(path);
  out << "id,name,lat,lon\n";
  for (std::size_t i = 0; i < stores.size(); ++i)
    out << "S" << i << ",Store " << i << ',' << stores[i].lat << ',' << stores[i].lon << '\n';
}

// Irregular 12-gons of 3 to 15 km around random land points, as GeoJSON.
void write_zones(const fs::path& path, const PlaceIndex& index, std::size_t count, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> radius(3, 15), jitter(0.7, 1.3);
  std::ofstream out(path);
  out.precision(10);
  out << "{\"type\":\"FeatureCollection\",\"features\":[\n";
  for (std::size_t z = 0; z < count; ++z) {
    const LatLng centre = random_land_point(index, rng);
    const double r = radius(rng);
    out << (z ? ",\n" : "") << "{\"type\":\"Feature\",\"properties\":{\"id\":\"Z" << z
        << "\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[";
    LatLng first;
    for (int k = 0; k < 12; ++k) {
      const double a = k * std::numbers::pi / 6, km = r * jitter(rng);
      const LatLng v = offset_km(centre, km * std::sin(a), km * std::cos(a));
      if (k == 0) first = v;
      out << '[' << v.lon << ',' << v.lat << "],";
    }
    out << '[' << first.lon << ',' << first.lat << "]]]}}";
  }
  out << "\n]}\n";
}

void write_campaigns(const fs::path& path) {
  std::ofstream out(path);
  out << "currency: USD\ncampaigns:\n"
         "  - {id: chain, name: Near a store, budget: 1000000, level: store,\n"
         "     target: {stores: stores.csv, radius_km: 10},\n"
         "     allocation: {min_audience: 20, fixed_cost_per_area: 50}}\n"
         "  - {id: zones, name: Delivery zones, budget: 200000, level: district,\n"
         "     target: {polygons: [zones.geojson]}}\n"
         "  - {id: chain-outside-zones, name: Near a store outside the zones, budget: 300000, level: region,\n"
         "     target: {stores: stores.csv, radius_km: 10, exclude: {polygons: [zones.geojson]}}}\n";
}

// Half the customers within 20 km of a store, half anywhere on land; written as geotarget map
// would write them.
std::vector<LatLng> write_customers(const fs::path& path, const PlaceIndex& index, const std::vector<LatLng>& stores,
                                    std::size_t count, std::mt19937_64& rng) {
  std::uniform_int_distribution<std::size_t> pick(0, stores.size() - 1);
  std::uniform_real_distribution<double> near(-14, 14);
  std::vector<LatLng> points(count);
  std::ofstream out(path);
  out.precision(9);
  out << "id,geo_lat,geo_lon,geo_country,geo_region,geo_district,geo_town,geo_postal\n";
  PlaceChain chain;
  for (std::size_t i = 0; i < count; ++i) {
    points[i] = i % 2 ? random_land_point(index, rng) : offset_km(stores[pick(rng)], near(rng), near(rng));
    (void)index.locate(points[i], chain);
    out << i << ',' << points[i].lat << ',' << points[i].lon;
    for (const Place* p : chain.at) out << ',' << (p ? p->id : "");
    out << '\n';
  }
  return points;
}

// The area a customer counts in for one campaign, by the campaign's level.
std::string area_id(const Campaign& c, const PlaceChain& chain, std::uint32_t store) {
  if (c.level == PlaceLevel::store) return store == detail::TargetIndex::kNoStore ? "-" : c.include.radius[store].id;
  const Place* p = chain[c.level];
  return p ? p->id : "-";
}

// Today's way: every target of every campaign in turn, and the nearest store by a scan of all.
std::vector<std::string> linear_assignment(const CampaignSet& set, const PlaceChain& chain, LatLng point) {
  std::vector<std::string> out;
  for (const Campaign& c : set.campaigns) {
    if (!c.targets(chain, point)) continue;
    std::uint32_t best = detail::TargetIndex::kNoStore;
    double best_km = 0;
    for (std::uint32_t s = 0; s < c.include.radius.size(); ++s) {
      const RadiusArea& r = c.include.radius[s];
      const double km = detail::geodesic_km(point.lat, point.lon, r.centre.lat, r.centre.lon);
      if (km <= r.km && (best == detail::TargetIndex::kNoStore ||
                         detail::nearer_store(km, r.id, best_km, c.include.radius[best].id)))
        best = s, best_km = km;
    }
    out.push_back(c.id + ":" + area_id(c, chain, best));
  }
  return out;
}

std::vector<std::string> indexed_assignment(const CampaignSet& set, const detail::TargetIndex& index,
                                            const PlaceChain& chain, LatLng point, detail::TargetIndex::Scratch& s,
                                            std::vector<detail::TargetIndex::Match>& matches) {
  index.match(chain, point, s, matches);
  std::vector<std::string> out;
  for (const auto& m : matches)
    out.push_back(set.campaigns[m.campaign].id + ":" + area_id(set.campaigns[m.campaign], chain, m.store));
  return out;
}

// One pass of decide + choose over `ips`; returns the campaigns chosen.
std::size_t decide_all(const DecisionTable& table, const std::vector<IpAddress>& ips) {
  std::array<CampaignChoice, 64> choices;
  const std::int64_t today = DecisionTable::today();
  std::size_t chosen = 0;
  for (const IpAddress& ip : ips) {
    const Decision d = table.decide(ip);
    if (d.status == LookupStatus::found) chosen += table.choose(d, today, nullptr, choices);
  }
  return chosen;
}

// Both snapshots loaded, then timed in alternate rounds (the fastest of each), so that load
// from elsewhere on the machine does not decide the ratio.
void bench_serve_load(const BenchTargetsArgs& a, const fs::path& campaigns) {
  const auto plain = DecisionTable::load({{a.db}, a.geodata, "", {}, {}});
  const auto with_targets = DecisionTable::load({{a.db}, a.geodata, campaigns.string(), {}, {}});
  const std::vector<IpAddress> ips = random_public_ipv4(1'000'000, a.seed);
  std::size_t chosen = 0;
  auto [with_s, plain_s] = best_times([&] { chosen = decide_all(*with_targets, ips); },
                                      [&] { (void)decide_all(*plain, ips); }, 5);
  for (const auto* t : {plain.get(), with_targets.get()})
    std::printf("serve snapshot %s: loaded in %.2f s (compile %.2f s, %zu campaign sets); decide + choose %.0f/s\n",
                t == plain.get() ? "without targets" : "with the targets", t->stats().load_seconds,
                t->stats().compile_seconds, t->stats().distinct_campaign_sets, 1e6 / (t == plain.get() ? plain_s : with_s));
  std::printf("campaigns chosen with the targets for 1,000,000 random IPv4: %zu (without: none)\n", chosen);
  std::printf("serve load with / without targets: %.2f (target <= 2); decisions with / without: %.2f (target >= 0.9)\n",
              with_targets->stats().load_seconds / plain->stats().load_seconds, plain_s / with_s);
}

}  // namespace

void bench_targets(const BenchTargetsArgs& a) {
  const fs::path dir = a.dir;
  fs::create_directories(dir);
  auto t0 = Clock::now();
  auto index = PlaceIndex::load(a.geodata);
  std::mt19937_64 rng(a.seed);
  std::vector<LatLng> stores(a.stores);
  for (LatLng& s : stores) s = random_land_point(*index, rng);
  write_stores(dir / "stores.csv", stores);
  write_zones(dir / "zones.geojson", *index, a.zones, rng);
  write_campaigns(dir / "campaigns.yaml");
  const std::vector<LatLng> customers = write_customers(dir / "mapped.csv", *index, stores, a.customers, rng);
  std::printf("inputs in %s (%.1f s to make): %zu stores (10 km circles), %zu zone polygons, %zu mapped customers, "
              "seed %llu\n",
              dir.c_str(), seconds_since(t0), a.stores, a.zones, a.customers, static_cast<unsigned long long>(a.seed));

  t0 = Clock::now();
  const CampaignSet set = load_campaigns((dir / "campaigns.yaml").string(), index.get());
  const double load_s = seconds_since(t0);
  t0 = Clock::now();
  const detail::TargetIndex targets(set);
  std::printf("campaigns loaded in %.2f s; R-tree of %zu targets built in %.3f s\n", load_s, targets.targets(),
              seconds_since(t0));

  t0 = Clock::now();
  const AllocationFile allocation = allocate_customers(set, (dir / "mapped.csv").string(), *index);
  const double allocate_s = seconds_since(t0);
  std::size_t areas = 0, exact = 0;
  for (std::size_t c = 0; c < allocation.campaigns.size(); ++c) {
    const CampaignAllocation& ca = allocation.campaigns[c];
    std::int64_t sum = ca.unspent_cents;
    for (const AreaAllocation& area : ca.areas) sum += area.budget_cents, areas += area.binding != Binding::merged;
    exact += sum == set.campaigns[c].budget_cents;
  }
  std::printf("allocate_customers over %zu customers (CSV read, targets, 3 allocations): %.2f s (target <= 10 s); "
              "%zu areas allocated; budgets exact to the cent: %zu of %zu\n",
              a.customers, allocate_s, areas, exact, set.campaigns.size());

  // The same points, matching only: all of them through the index, a sample through the scan.
  std::vector<PlaceChain> chains(customers.size());
  for (std::size_t i = 0; i < customers.size(); ++i) (void)index->locate(customers[i], chains[i]);
  detail::TargetIndex::Scratch scratch;
  std::vector<detail::TargetIndex::Match> matches;
  std::size_t matched = 0;
  t0 = Clock::now();
  for (std::size_t i = 0; i < customers.size(); ++i) {
    targets.match(chains[i], customers[i], scratch, matches);
    matched += matches.size();
  }
  const double indexed_per_point = seconds_since(t0) / static_cast<double>(customers.size());
  const std::size_t sample = std::min(a.sample, customers.size());
  const std::size_t step = customers.size() / sample;
  std::size_t differ = 0;
  t0 = Clock::now();
  std::vector<std::vector<std::string>> linear(sample);
  for (std::size_t k = 0; k < sample; ++k) linear[k] = linear_assignment(set, chains[k * step], customers[k * step]);
  const double linear_per_point = seconds_since(t0) / static_cast<double>(sample);
  for (std::size_t k = 0; k < sample; ++k)
    differ += linear[k] != indexed_assignment(set, targets, chains[k * step], customers[k * step], scratch, matches);
  std::printf("R-tree match: %.2f us a customer (%zu campaign matches over all %zu)\n", indexed_per_point * 1e6,
              matched, customers.size());
  std::printf("linear scan (Campaign::targets + nearest store over all stores): %.0f us a customer, on every %zu-th "
              "customer (%zu); would take %.0f s for all\n",
              linear_per_point * 1e6, step, sample, linear_per_point * static_cast<double>(customers.size()));
  std::printf("assignments (campaigns and areas, stores included) differing on that sample: %zu of %zu\n", differ, sample);
  if (!a.db.empty()) bench_serve_load(a, dir / "campaigns.yaml");
  std::printf("ratio: %.1f\n", linear_per_point / indexed_per_point);
}

}  // namespace geotarget::cli
