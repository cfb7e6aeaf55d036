// The lease store of replicas sharing one Redis (ledger "redis://HOST:PORT"), over hiredis.
//
//   auto store = connect_redis_lease_store("127.0.0.1", 6379);        // never waits long
//   std::optional<std::int64_t> got = store->lease(key, 500, 100000);  // on the ledger thread
//
// Each account is one Redis hash, "geotarget:ledger:" + the account's key (lease_keys(): the
// campaign id, a fingerprint of its plan and the area id, each escaped). Its fields: `plan`; per
// replica (one id per store, made at construction: host-pid-random) `leased:ID`, `spent:ID`,
// `conversions:ID`; their sums `leased`, `spent`, `conversions`; and a floor for each of the
// three (`leased:floor`...: the largest total any replica has learnt, plus what is new since).
// A counter's total is max(sum, floor): the sum while Redis keeps its data; after Redis lost it
// (a restart without persistence), the floor still counts replicas that are gone. Every call
// runs one Lua script (EVALSHA, loaded again after NOSCRIPT) that, atomically:
//   1. raises this replica's fields to what this store has leased, reported and counted so far
//      (absolute values: a call whose answer was lost is not counted twice, and an account that
//      Redis lost is filled in again by every live replica) and the floors to what it learnt;
//   2. leases min(want, plan - leased total) cents (nothing when the plan is used up);
//   3. answers the grant and the totals.
// Redis restarted (a new run_id after reconnecting): this store fills in every account it knows
// at once, and for `restart_grace` leases nothing, so that every live replica has filled in its
// fields again before the totals decide a grant.
//
// exchange() runs the scripts of many accounts pipelined, 1,000 to a round trip.
// Every command has a timeout; after a failure the connection is dropped and calls answer
// "unreachable" at once until `retry_interval` has passed, then one reconnection is tried, so a
// Redis that is down or hangs costs the ledger thread at most one timeout per interval.
// Thread-safety: calls are serialised by a mutex (the ledger thread makes them).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "geotarget/budget_ledger.hpp"

struct redisContext;
struct redisReply;

namespace geotarget::detail {

struct RedisStoreOptions {
  /// Connecting (TCP connect, then loading the script). DEFAULT 250 ms.
  std::chrono::milliseconds connect_timeout{250};
  /// Each command's reply. DEFAULT 250 ms.
  std::chrono::milliseconds command_timeout{250};
  /// After a failure, how long calls answer "unreachable" before one reconnection. DEFAULT 500 ms.
  std::chrono::milliseconds retry_interval{500};
  /// After Redis restarted, how long nothing is leased (longer than the replicas' flush
  /// interval, so that all of them have re-filled their fields). DEFAULT 2.5 s.
  std::chrono::milliseconds restart_grace{2500};
  /// Sent with AUTH after every connection when not empty: Redis's `requirepass`, or the
  /// password of an ACL `user` (Redis 6 and later). Never logged. DEFAULT empty: no AUTH.
  /// open_ledger() takes them from GEOTARGET_REDIS_USER and GEOTARGET_REDIS_PASSWORD.
  std::string user, password;
};

/// The Redis hash of an account's key: "geotarget:ledger:" + the key.
[[nodiscard]] std::string redis_account_key(std::string_view key);

/// A LeaseStore over the Redis server at host:port. Never blocks a request: the leased ledger
/// calls it from its own thread only. An unreachable server is not an error (the store logs it
/// and reconnects); throws geotarget::Error naming the address when the address cannot be used
/// at all (port 0).
std::unique_ptr<LeaseStore> connect_redis_lease_store(const std::string& host, std::uint16_t port,
                                                      const RedisStoreOptions& options);

class RedisLeaseStore final : public LeaseStore {
 public:
  /// Connects to Redis at host:port (failing that, logs why on stderr and tries again at the
  /// first call after the retry interval); throws geotarget::Error naming "redis://host:port"
  /// for port 0.
  RedisLeaseStore(std::string host, std::uint16_t port, const RedisStoreOptions& options);
  ~RedisLeaseStore() override;
  RedisLeaseStore(const RedisLeaseStore&) = delete;
  RedisLeaseStore& operator=(const RedisLeaseStore&) = delete;

  /// Pipelined: the script of each account appended, then the answers read, 1,000 at a time.
  std::vector<std::optional<LeaseAnswer>> exchange(std::span<const LeaseExchange> batch) override;

  /// "redis://host:port".
  [[nodiscard]] const std::string& address() const noexcept { return address_; }
  /// This store's replica id, as in the hash fields.
  [[nodiscard]] const std::string& replica_id() const noexcept { return replica_id_; }

 private:
  struct Counter {            // one of an account's counters, as this store knows it
    std::int64_t acked = 0;   // its own value that Redis acknowledged last
    std::int64_t now = 0;     // its own value (leased, reported spend, conversions)
    std::int64_t known = 0;   // the total over all replicas, as of the last answer
  };
  struct Account {
    Counter leased, spent, conversions;
  };
  struct Answer {
    std::int64_t granted = 0;
    std::int64_t leased = 0;
    AccountSpend totals;
  };
  // Runs the script for the account in state `sent`; on an answer, `account` becomes `sent`
  // (plus the grant) acknowledged.
  std::optional<Answer> sync(std::string_view key, Account& account, const Account& sent, std::int64_t want_cents,
                             std::int64_t plan_cents);
  std::optional<Answer> run_script(const std::string& hash, const Account& sent, std::int64_t want_cents,
                                   std::int64_t plan_cents);
  // The script's arguments after its name (EVALSHA sha or EVAL source).
  [[nodiscard]] std::vector<std::string> script_args(const std::string& hash, const Account& sent,
                                                     std::int64_t want_cents, std::int64_t plan_cents) const;
  // Its answer, or nullopt after dropping the connection with the reason.
  std::optional<Answer> parse_answer(const redisReply* reply);
  // `account` becomes `sent` (plus the grant) acknowledged.
  static void acknowledge(Account& account, const Account& sent, const Answer& answer);
  bool ensure_connected();
  std::string connect();  // empty, or the reason it failed
  void drop(const std::string& reason);
  void refill_after_restart();

  std::string host_;
  std::uint16_t port_;
  std::string address_;
  RedisStoreOptions options_;
  std::string replica_id_;

  std::mutex mutex_;
  redisContext* context_ = nullptr;
  std::string script_sha_;
  std::string run_id_;
  bool restarted_ = false;  // the last connection found a new run_id
  bool down_ = false;       // the loss was logged; the reconnection will be
  std::chrono::steady_clock::time_point retry_at_{};
  std::chrono::steady_clock::time_point grace_until_{};
  std::map<std::string, Account, std::less<>> accounts_;
};

}  // namespace geotarget::detail
