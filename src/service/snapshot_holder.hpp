// Internal: the snapshot being served, swapped atomically on reload.
//
// Readers take no lock: each thread keeps its own reference to the snapshot and re-reads the
// shared one (under a mutex) only when the generation counter says it changed, once per swap.
// A thread's reference stays valid until that thread's next current() call, so a request that
// started on the old snapshot finishes on it; the old snapshot is freed when the last thread
// has moved on.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>

#include "geotarget/decision.hpp"
#include "geotarget/delivery.hpp"
#include "answers.hpp"

namespace geotarget::service {

struct Snapshot {
  std::shared_ptr<const DecisionTable> table;
  std::shared_ptr<Delivery> delivery;  ///< null without an allocation
  PlacesJson places_json;
  std::chrono::system_clock::time_point loaded_at;
  std::uint64_t generation = 0;
};

class SnapshotHolder {
 public:
  SnapshotHolder() : id_(next_id().fetch_add(1) + 1) {}

  [[nodiscard]] const Snapshot& current() const {
    struct Cache {
      std::uint64_t owner = 0, generation = 0;
      std::shared_ptr<const Snapshot> snapshot;
    };
    thread_local Cache cache;
    const std::uint64_t generation = generation_.load(std::memory_order_acquire);
    if (cache.owner != id_ || cache.generation != generation) {
      std::lock_guard lock(mutex_);
      cache.snapshot = latest_;
      cache.generation = latest_->generation;
      cache.owner = id_;
    }
    return *cache.snapshot;
  }

  /// The latest snapshot, for threads outside the request path (null before the first).
  [[nodiscard]] std::shared_ptr<const Snapshot> latest() const {
    std::lock_guard lock(mutex_);
    return latest_;
  }

  /// Publishes `table` as the next generation; returns its generation number.
  std::uint64_t publish(std::shared_ptr<const DecisionTable> table, std::shared_ptr<Delivery> delivery = nullptr) {
    PlacesJson places_json(table->places());
    std::lock_guard lock(mutex_);
    const std::uint64_t generation = (latest_ ? latest_->generation : 0) + 1;
    latest_ = std::make_shared<const Snapshot>(
        Snapshot{std::move(table), std::move(delivery), std::move(places_json), std::chrono::system_clock::now(), generation});
    generation_.store(generation, std::memory_order_release);
    return generation;
  }

 private:
  static std::atomic<std::uint64_t>& next_id() {
    static std::atomic<std::uint64_t> id{0};
    return id;
  }
  const std::uint64_t id_;
  mutable std::mutex mutex_;
  std::shared_ptr<const Snapshot> latest_;
  std::atomic<std::uint64_t> generation_{0};
};

}  // namespace geotarget::service
