// Internal: the service's counters, written lock-free on the request path and rendered in the
// Prometheus text format by /metrics.
//
// Counters live in per-thread shards (one cache line apart), so workers never write to the same
// line; a scrape sums the shards. Values are relaxed atomics: a scrape sees each counter whole,
// not all counters at one instant, as Prometheus expects.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "geotarget/delivery.hpp"
#include "geotarget/ip_resolver.hpp"

namespace geotarget::service {

enum class Endpoint : std::uint8_t { decide, decide_batch, locate, budget, events, healthz, metrics, admin_reload, other };
inline constexpr std::size_t kEndpoints = 9;

/// Facts about the serving snapshot and the listener, gathered at scrape time.
struct Gauges {
  double snapshot_age_seconds = 0;
  std::uint64_t generation = 0;
  std::size_t table_bytes = 0, table_records = 0;
  double table_load_seconds = 0;
  std::size_t open_connections = 0;
  std::uint64_t rejected_connections = 0;
};

class Metrics {
 public:
  /// Upper bounds of the latency histogram, in seconds.
  static constexpr std::array<double, 12> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                      0.01,   0.025,   0.05,   0.1,   0.25,   1.0};
  static constexpr std::array<unsigned, 12> kStatuses = {200, 202, 400, 401, 403, 404, 405, 413, 431, 500, 503, 0};

  void request(Endpoint endpoint, unsigned status, std::chrono::nanoseconds latency) noexcept;
  void lookup(LookupStatus status) noexcept;
  void decision_cache(bool hit) noexcept;
  void unknown_parameters(std::size_t n) noexcept;
  void reload(bool ok) noexcept;
  /// A conversion event: counted against an area's account, or not (no campaign with that offer
  /// holds the visitor's area).
  void event(bool counted) noexcept;

  /// The Prometheus text; with `delivery`, the budget of every account too.
  [[nodiscard]] std::string render(const Gauges& gauges, const Delivery* delivery = nullptr) const;

 private:
  struct alignas(64) Shard {
    std::array<std::array<std::atomic<std::uint64_t>, kStatuses.size()>, kEndpoints> requests{};
    std::array<std::array<std::atomic<std::uint64_t>, kBuckets.size() + 1>, kEndpoints> latency{};
    std::array<std::atomic<std::uint64_t>, kEndpoints> latency_ns{};
    std::array<std::atomic<std::uint64_t>, 6> lookups{};
    std::array<std::atomic<std::uint64_t>, 2> cache{};  // miss, hit
    std::array<std::atomic<std::uint64_t>, 2> reloads{};  // failed, ok
    std::atomic<std::uint64_t> unknown_parameters{};
    std::array<std::atomic<std::uint64_t>, 2> events{};  // unattributed, counted
  };
  static constexpr std::size_t kShards = 16;
  Shard& shard() noexcept;

  std::array<Shard, kShards> shards_{};
};

}  // namespace geotarget::service
