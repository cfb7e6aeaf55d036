// Internal: benchmarks that live in their own files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "geotarget/ip_address.hpp"

namespace geotarget::cli {

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

/// Uniformly random public IPv4 addresses (special-purpose ranges redrawn), the same for a seed.
std::vector<IpAddress> random_public_ipv4(std::size_t count, std::uint64_t seed);

}  // namespace geotarget::cli
