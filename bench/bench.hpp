// Internal: benchmarks that live in their own files.
#pragma once

#include <cstddef>
#include <string>

namespace geotarget::cli {

struct BenchMapArgs {
  std::string geodata, customers, truth;
  std::size_t rows = 1'000'000;
};

/// District accuracy on the sample customers, and map throughput against a GEOS pipeline.
void bench_map(const BenchMapArgs& args);

}  // namespace geotarget::cli
