// Internal: benchmarks that live in their own files.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "geotarget/ip_address.hpp"

namespace geotarget::cli {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Timed rounds of each contender in best_times.
inline constexpr int kRounds = 3;

/// The fastest of `rounds` timed runs of each contender, run alternately, so that a burst of
/// load from elsewhere on the machine does not decide the ratio.
template <class Ours, class Theirs>
std::pair<double, double> best_times(Ours ours, Theirs theirs, int rounds = kRounds) {
  double best_ours = 1e300, best_theirs = 1e300;
  for (int round = 0; round < rounds; ++round) {
    auto t0 = Clock::now();
    ours();
    best_ours = std::min(best_ours, seconds_since(t0));
    t0 = Clock::now();
    theirs();
    best_theirs = std::min(best_theirs, seconds_since(t0));
  }
  return {best_ours, best_theirs};
}

struct BenchMapArgs {
  std::string geodata, customers, truth;
  std::size_t rows = 1'000'000;
};

/// District accuracy on the sample customers, and map throughput against a GEOS pipeline.
void bench_map(const BenchMapArgs& args);

struct BenchTargetsArgs {
  std::string geodata, db, dir;
  std::size_t stores = 10'000, zones = 1'000, customers = 1'000'000, sample = 300;
  std::uint64_t seed = 42;
};

/// Stores and zones through the targets' R-tree against the linear scan; with a database, the
/// serve load and decision rate with and without those targets.
void bench_targets(const BenchTargetsArgs& args);

/// The whole `geotarget locate` process with the compiled place index against building it from
/// the sources, `runs` times each; and both indexes' answers compared on `points` random points.
void bench_locate_once(const std::string& geodata, int runs, std::size_t points, std::uint64_t seed);

/// Uniformly random public IPv4 addresses (special-purpose ranges redrawn), the same for a seed.
std::vector<IpAddress> random_public_ipv4(std::size_t count, std::uint64_t seed);

}  // namespace geotarget::cli
