// RedisLeaseStore against a real redis-server on a loopback port (redis_server.hpp): capped
// leases, atomic across stores on threads, totals over replicas, and what happens when Redis is
// not up yet, hangs, goes away, comes back, or comes back empty; and the escaped lease keys.
#include <fcntl.h>

#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "geotarget/error.hpp"
#include "leased_ledger.hpp"
#include "redis_lease_store.hpp"
#include "redis_server.hpp"

using namespace geotarget;
using detail::RedisLeaseStore;
using detail::RedisStoreOptions;
using namespace std::chrono_literals;

namespace {

// Short intervals, so that the reconnection cases take a fraction of a second.
RedisStoreOptions quick_options() {
  RedisStoreOptions options;
  options.connect_timeout = 200ms;
  options.command_timeout = 200ms;
  options.retry_interval = 50ms;
  options.restart_grace = 300ms;
  return options;
}

// Calls `call` until it answers (a reconnection waits for the retry interval), at most 5 s.
template <typename Call>
auto until_answered(Call call) {
  for (int i = 0; i < 100; ++i) {
    if (auto answer = call()) return answer;
    std::this_thread::sleep_for(50ms);
  }
  return decltype(call()){};
}

}  // namespace

TEST_CASE("lease keys: crafted ids that would make two accounts share a key stay apart") {
  // Unescaped, "CAMPAIGN:FINGERPRINT:AREA" of campaign "a" with area "P:F2:z" equals that of
  // campaign "a:F1:P" with area "z" when F1 and F2 are their fingerprints: build exactly that.
  const std::string f2 = detail::lease_keys(std::vector<BudgetAccount>{{"any", "z", 100}})[0].substr(4, 16);
  const std::string area = "P:" + f2 + ":z";
  const std::string f1 = detail::lease_keys(std::vector<BudgetAccount>{{"a", area, 100}})[0].substr(2, 16);
  const std::vector<BudgetAccount> accounts = {{"a", area, 100}, {"a:" + f1 + ":P", "z", 100}};
  const auto keys = detail::lease_keys(accounts);
  CHECK(accounts[0].campaign_id + ":" + f1 + ":" + accounts[0].area_id ==
        accounts[1].campaign_id + ":" + f2 + ":" + accounts[1].area_id);  // the collision, unescaped
  CHECK(keys[0] == "a:" + f1 + ":P%3A" + f2 + "%3Az");
  CHECK(keys[1] == "a%3A" + f1 + "%3AP:" + f2 + ":z");
  CHECK(detail::lease_keys(std::vector<BudgetAccount>{{"sp\xC3\xA9 c/1", "a%b\n", 1}})[0].ends_with(":a%25b%0A"));
  CHECK(detail::lease_keys(std::vector<BudgetAccount>{{"sp\xC3\xA9 c/1", "a", 1}})[0].starts_with("sp%C3%A9%20c%2F1:"));
}

TEST_CASE("a lease takes at most what is left of the plan, and nothing once it is used up") {
  test::RedisServer redis("redis-lease-cap");
  if (!redis.available()) GEOTARGET_SKIP("redis-server is not installed (tools/debian-packages.txt)");
  RedisLeaseStore store("127.0.0.1", redis.port(), quick_options());

  CHECK(store.lease("c1/US-CA", 300, 1000) == 300);
  CHECK(store.lease("c1/US-CA", 300, 1000) == 300);
  CHECK(store.lease("c1/US-CA", 300, 1000) == 300);
  CHECK(store.lease("c1/US-CA", 300, 1000) == 100);
  CHECK(store.lease("c1/US-CA", 300, 1000) == 0);
  CHECK(store.lease("c1/US-NY", 300, 1000) == 300);  // another account, its own plan

  const auto fields = redis.hash("geotarget:ledger:c1/US-CA");
  CHECK(fields.at("leased") == "1000");
  CHECK(fields.at("leased:" + store.replica_id()) == "1000");
  CHECK(fields.at("plan") == "1000");
  CHECK(fields.count("spent") == 0);  // nothing reported yet
}

TEST_CASE("stores leasing on several threads at once never lease more than the plan together") {
  test::RedisServer redis("redis-lease-race");
  if (!redis.available()) GEOTARGET_SKIP("redis-server is not installed (tools/debian-packages.txt)");
  constexpr std::int64_t kPlan = 10007;  // not a multiple of the slice: the last lease is partial
  std::vector<std::unique_ptr<RedisLeaseStore>> stores;
  for (int i = 0; i < 4; ++i) stores.push_back(std::make_unique<RedisLeaseStore>("127.0.0.1", redis.port(), quick_options()));

  std::vector<std::int64_t> granted(stores.size(), 0);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < stores.size(); ++i) {
    threads.emplace_back([&, i] {
      for (;;) {
        const auto got = stores[i]->lease("race", 13, kPlan);
        if (!got || *got == 0) break;
        granted[i] += *got;
      }
    });
  }
  for (auto& t : threads) t.join();

  std::int64_t total = 0;
  for (std::size_t i = 0; i < stores.size(); ++i) {
    total += granted[i];
    CHECK(redis.hash("geotarget:ledger:race").at("leased:" + stores[i]->replica_id()) == std::to_string(granted[i]));
  }
  CHECK(total == kPlan);
  CHECK(redis.hash("geotarget:ledger:race").at("leased") == std::to_string(kPlan));
}

TEST_CASE("reports add up over replicas, and totals read them back") {
  test::RedisServer redis("redis-lease-report");
  if (!redis.available()) GEOTARGET_SKIP("redis-server is not installed (tools/debian-packages.txt)");
  RedisLeaseStore a("127.0.0.1", redis.port(), quick_options());
  RedisLeaseStore b("127.0.0.1", redis.port(), quick_options());

  CHECK(a.report("c1/FR", 250, 1));
  CHECK(b.report("c1/FR", 100, 0));
  CHECK(a.report("c1/FR", 50, 2));
  const auto totals = a.totals("c1/FR");
  REQUIRE(totals);
  CHECK(totals->spent_cents == 400);
  CHECK(totals->conversions == 3);

  const auto fields = redis.hash("geotarget:ledger:c1/FR");
  CHECK(fields.at("spent") == "400");
  CHECK(fields.at("spent:" + a.replica_id()) == "300");
  CHECK(fields.at("spent:" + b.replica_id()) == "100");
  CHECK(fields.at("conversions") == "3");

  // A reader (the report) that never spent writes nothing, and sees an unknown account as zero.
  RedisLeaseStore reader("127.0.0.1", redis.port(), quick_options());
  CHECK(reader.totals("c1/FR")->spent_cents == 400);
  CHECK(reader.totals("c1/DE")->spent_cents == 0);
  CHECK(redis.query({"EXISTS", "geotarget:ledger:c1/DE"}) == "0");
  CHECK(redis.hash("geotarget:ledger:c1/FR").count("spent:" + reader.replica_id()) == 0);
}

TEST_CASE("a Redis that is not up at the start: calls fail until it is, then the store connects by itself") {
  test::RedisServer redis("redis-lease-late", false);
  if (!redis.available()) GEOTARGET_SKIP("redis-server is not installed (tools/debian-packages.txt)");
  RedisLeaseStore store("127.0.0.1", redis.port(), quick_options());  // logs, does not throw
  CHECK_FALSE(store.lease("k", 10, 100));
  CHECK_FALSE(store.totals("k"));
  redis.start();
  CHECK(until_answered([&] { return store.lease("k", 10, 100); }) == 10);
  CHECK(redis.hash("geotarget:ledger:k").at("leased") == "10");
  CHECK(store.address() == "redis://127.0.0.1:" + std::to_string(redis.port()));
  CHECK_THROWS_WITH(RedisLeaseStore("127.0.0.1", 0, quick_options()), "redis://127.0.0.1:0: port 0");
  CHECK(RedisLeaseStore("::1", 1, quick_options()).address() == "redis://[::1]:1");
}

TEST_CASE("a Redis that hangs makes calls fail after the command timeout, not wait") {
  test::RedisServer redis("redis-lease-hang");
  if (!redis.available()) GEOTARGET_SKIP("redis-server is not installed (tools/debian-packages.txt)");
  RedisLeaseStore store("127.0.0.1", redis.port(), quick_options());
  REQUIRE(store.lease("k", 10, 100) == 10);

  redis.pause();
  CHECK_FALSE(store.lease("k", 10, 100));    // timed out: the connection is dropped
  CHECK_FALSE(store.report("k", 5, 0));      // within the retry interval: no new attempt
  std::this_thread::sleep_for(60ms);
  CHECK_FALSE(store.totals("k"));            // one reconnection, which times out too
  redis.resume();

  CHECK(until_answered([&] { return store.report("k", 5, 0) ? std::optional<bool>(true) : std::nullopt; }));
  CHECK(store.totals("k")->spent_cents == 5);
  CHECK(store.lease("k", 10, 100) == 10);
}

TEST_CASE("Redis stopped and started again: the store reconnects by itself and fills the account in") {
  test::RedisServer redis("redis-lease-restart");
  if (!redis.available()) GEOTARGET_SKIP("redis-server is not installed (tools/debian-packages.txt)");
  RedisLeaseStore a("127.0.0.1", redis.port(), quick_options());
  RedisLeaseStore b("127.0.0.1", redis.port(), quick_options());
  REQUIRE(a.lease("k", 400, 1000) == 400);
  REQUIRE(b.lease("k", 400, 1000) == 400);
  REQUIRE(a.report("k", 300, 2));

  const bool crash = GENERATE(false, true);
  redis.stop(crash ? SIGKILL : SIGTERM);  // nothing persists: Redis comes back empty
  CHECK_FALSE(a.lease("k", 100, 1000));   // a write on a closed connection: no SIGPIPE death
  CHECK_FALSE(a.report("k", 50, 0));
  redis.start();
  CHECK(redis.hash("geotarget:ledger:k").empty());

  // The first call after the retry interval reconnects, sees a new run_id, fills in every
  // account this store knows (its 400 leased, 300 + 50 spent, 2 conversions) and leases
  // nothing during the grace period, whatever the totals say.
  CHECK(until_answered([&] { return a.report("k", 50, 0) ? std::optional<bool>(true) : std::nullopt; }));
  auto fields = redis.hash("geotarget:ledger:k");
  CHECK(fields.at("leased") == "400");
  CHECK(fields.at("spent") == "350");
  CHECK(fields.at("conversions") == "2");
  CHECK(a.lease("k", 100, 1000) == 0);

  // b fills in its own lease at its first call; then, after the grace period, only what
  // neither has leased is left.
  CHECK(until_answered([&] { return b.totals("k"); })->spent_cents == 350);
  CHECK(redis.hash("geotarget:ledger:k").at("leased") == "800");
  std::this_thread::sleep_for(quick_options().restart_grace);
  CHECK(a.lease("k", 300, 1000) == 200);
  CHECK(b.lease("k", 300, 1000) == 0);
}

TEST_CASE("Redis lost its data after a replica is gone: what the others learnt still counts its leases") {
  test::RedisServer redis("redis-lease-gone");
  if (!redis.available()) GEOTARGET_SKIP("redis-server is not installed (tools/debian-packages.txt)");
  RedisLeaseStore a("127.0.0.1", redis.port(), quick_options());
  RedisLeaseStore b("127.0.0.1", redis.port(), quick_options());
  {
    RedisLeaseStore gone("127.0.0.1", redis.port(), quick_options());
    REQUIRE(gone.lease("k", 500, 1000) == 500);
    REQUIRE(gone.report("k", 450, 3));
  }  // killed: its fields stay in Redis, and nobody fills them in again
  REQUIRE(a.lease("k", 100, 1000) == 100);
  REQUIRE(b.lease("k", 100, 1000) == 100);  // b learns: 700 leased
  REQUIRE(a.report("k", 60, 1));            // a learns: 510 spent, 4 conversions

  redis.stop();
  redis.start();
  CHECK(until_answered([&] { return a.totals("k"); })->spent_cents == 510);
  CHECK(until_answered([&] { return b.totals("k"); })->spent_cents == 510);
  const auto fields = redis.hash("geotarget:ledger:k");
  CHECK(fields.at("leased") == "200");        // the sum of the live replicas' own fields
  CHECK(fields.at("leased:floor") == "700");  // what b had learnt
  CHECK(fields.at("spent:floor") == "510");

  std::this_thread::sleep_for(quick_options().restart_grace);
  CHECK(a.lease("k", 1000, 1000) == 300);
  CHECK(b.report("k", 40, 0));
  CHECK(b.totals("k")->spent_cents == 550);
  CHECK(b.totals("k")->conversions == 4);
}

TEST_CASE("three leased ledgers over one Redis, restarted mid-run: no account spends past its plan") {
  test::RedisServer redis("redis-lease-ledgers");
  if (!redis.available()) GEOTARGET_SKIP("redis-server is not installed (tools/debian-packages.txt)");
  const std::vector<BudgetAccount> accounts = {{"c", "A", 6000}, {"c", "B", 3000}};
  const LedgerOptions options{.flush_interval = 20ms, .slice_share = 0.02};  // slices of 120 and 60
  std::vector<std::unique_ptr<detail::LeasedLedger>> replicas;
  for (int i = 0; i < 3; ++i) {
    replicas.push_back(std::make_unique<detail::LeasedLedger>(
        std::make_shared<RedisLeaseStore>("127.0.0.1", redis.port(), quick_options()), accounts, options));
  }

  // Each replica's ledger thread, and two request threads spending 10 cents at a time from
  // every replica in turn; `spent` counts what the ledgers granted.
  std::atomic<bool> running{true};
  std::array<std::atomic<std::int64_t>, 2> spent{};
  std::vector<std::thread> threads;
  for (auto& replica : replicas) {
    threads.emplace_back([&, ledger = replica.get()] {
      while (running) {
        ledger->tick(std::chrono::steady_clock::now());
        std::this_thread::sleep_for(2ms);
      }
    });
  }
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t i = t; running; ++i) {
        const std::size_t account = i % 2;
        if (replicas[i % 3]->try_spend(account, 10)) spent[account] += 10;
        std::this_thread::sleep_for(200us);
      }
    });
  }
  std::this_thread::sleep_for(300ms);
  redis.stop();
  std::this_thread::sleep_for(200ms);
  redis.start();
  std::this_thread::sleep_for(2500ms);  // the grace period, then enough to spend the rest
  running = false;
  for (auto& t : threads) t.join();

  for (auto& replica : replicas) replica->tick(std::chrono::steady_clock::now() + 1s);  // last reports
  for (std::size_t a = 0; a < accounts.size(); ++a) {
    const std::int64_t slice = replicas[0]->overspend_bound_cents(a);
    INFO("account " << accounts[a].area_id << ": spent " << spent[a] << " of " << accounts[a].planned_cents);
    CHECK(spent[a] <= accounts[a].planned_cents);  // the stated bound is 3 slices more; none was used
    CHECK(spent[a] >= accounts[a].planned_cents - 3 * slice);  // delivered, but for slices held
    const auto fields = redis.hash(detail::redis_account_key(detail::lease_keys(accounts)[a]));
    CHECK(fields.at("spent") == std::to_string(spent[a]));  // every replica reported all it spent
    CHECK(std::stoll(fields.at("leased")) <= accounts[a].planned_cents);
  }
}

namespace {

// What `call` writes to stderr (the store's log lines), captured through a temporary file.
template <typename Call>
std::string stderr_of(const std::string& name, Call call) {
  const auto path = test::fresh_dir(name) / "stderr";
  std::fflush(stderr);
  const int saved = dup(2), file = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  dup2(file, 2);
  call();
  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  close(file);
  return test::read_file(path);
}

}  // namespace

TEST_CASE("a Redis that requires a password: refused and named without it or with a wrong one, served with it") {
  const std::string password = "s3cret-ledger-pw";
  test::RedisServer redis("redis-lease-auth", true, password);
  if (!redis.available()) GEOTARGET_SKIP("redis-server is not installed (tools/debian-packages.txt)");
  const std::string without = stderr_of("redis-auth-none", [&] {
    RedisLeaseStore store("127.0.0.1", redis.port(), quick_options());
    CHECK_FALSE(store.lease("k", 10, 100));
  });
  CHECK_THAT(without, Catch::Contains("requires a password") && Catch::Contains("GEOTARGET_REDIS_PASSWORD"));
  RedisStoreOptions wrong = quick_options();
  wrong.password = "not-the-password";
  const std::string refused = stderr_of("redis-auth-wrong", [&] {
    RedisLeaseStore store("127.0.0.1", redis.port(), wrong);
    CHECK_FALSE(store.lease("k", 10, 100));
  });
  CHECK_THAT(refused, Catch::Contains("AUTH") && Catch::Contains("WRONGPASS"));
  CHECK_THAT(refused, !Catch::Contains("not-the-password"));
  RedisStoreOptions right = quick_options();
  right.password = password;
  RedisLeaseStore store("127.0.0.1", redis.port(), right);
  CHECK(store.lease("k", 10, 100) == 10);
  CHECK(redis.hash("geotarget:ledger:k").at("leased") == "10");
  // A user and password written into the address would show in process lists and logs.
  CHECK_THROWS_WITH(open_ledger("redis://ledger:pw@127.0.0.1:" + std::to_string(redis.port()), {}),
                    Catch::Contains("GEOTARGET_REDIS_PASSWORD") && !Catch::Contains("pw@"));
}

// 2,500 accounts in one exchange (three pipelined chunks): each account's report, lease and
// totals as if asked one by one; a second store's spend shows in the first's totals; after
// SCRIPT FLUSH (Redis forgot the script) every account still answers, through EVAL.
TEST_CASE("an exchange of many accounts is pipelined and answers each as the single calls would") {
  test::RedisServer redis("redis-lease-batch");
  if (!redis.available()) GEOTARGET_SKIP("redis-server is not installed (tools/debian-packages.txt)");
  RedisLeaseStore a("127.0.0.1", redis.port(), quick_options()), b("127.0.0.1", redis.port(), quick_options());
  constexpr std::size_t n = 2500;
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < n; ++i) keys.push_back("c/area-" + std::to_string(i));
  auto batch = [&](std::int64_t spent, std::int64_t want) {
    std::vector<LeaseExchange> out;
    for (std::size_t i = 0; i < n; ++i)
      out.push_back({.key = keys[i], .spent_cents = spent, .conversions = 1, .want_cents = want,
                     .plan_cents = 1000 + static_cast<std::int64_t>(i)});
    return out;
  };
  auto first = a.exchange(batch(0, 600));
  REQUIRE(first.size() == n);
  for (std::size_t i = 0; i < n; ++i) {
    REQUIRE(first[i]);
    CHECK(first[i]->granted_cents == 600);
    CHECK(first[i]->totals.conversions == 1);
  }
  auto second = b.exchange(batch(250, 10000));  // b takes the 400 + i left of each plan, spent 250
  for (std::size_t i = 0; i < n; ++i) {
    REQUIRE(second[i]);
    CHECK(second[i]->granted_cents == 400 + static_cast<std::int64_t>(i));
    CHECK(second[i]->totals.spent_cents == 250);
    CHECK(second[i]->totals.conversions == 2);
  }
  CHECK(redis.query({"SCRIPT", "FLUSH"}) == "OK");
  auto third = a.exchange(batch(100, 50));  // the plan is used up
  for (std::size_t i = 0; i < n; ++i) {
    REQUIRE(third[i]);
    CHECK(third[i]->granted_cents == 0);
    CHECK(third[i]->totals.spent_cents == 350);
    CHECK(third[i]->totals.conversions == 3);
  }
  const auto fields = redis.hash("geotarget:ledger:c/area-2499");
  CHECK(fields.at("leased") == "3499");
  CHECK(fields.at("spent:" + a.replica_id()) == "100");
  CHECK(fields.at("spent:" + b.replica_id()) == "250");
}

TEST_CASE("an exchange with Redis down answers nothing, and nothing of it counts") {
  test::RedisServer redis("redis-lease-batch-down");
  if (!redis.available()) GEOTARGET_SKIP("redis-server is not installed (tools/debian-packages.txt)");
  RedisLeaseStore store("127.0.0.1", redis.port(), quick_options());
  const std::vector<LeaseExchange> batch = {{.key = "k1", .spent_cents = 40, .want_cents = 100, .plan_cents = 1000},
                                            {.key = "k2", .spent_cents = 10, .want_cents = 100, .plan_cents = 1000}};
  redis.stop();
  const auto lost = store.exchange(batch);
  REQUIRE(lost.size() == 2);
  CHECK_FALSE(lost[0]);
  CHECK_FALSE(lost[1]);
  redis.start();
  // Sent again (as the leased ledger does): counted once.
  std::vector<std::optional<LeaseAnswer>> again;
  for (int i = 0; i < 100 && !(again.size() == 2 && again[0] && again[1]); ++i) {
    std::this_thread::sleep_for(20ms);
    again = store.exchange(batch);
  }
  REQUIRE(again.size() == 2);
  REQUIRE(again[0]);
  CHECK(again[0]->totals.spent_cents == 40);
  CHECK(again[1]->totals.spent_cents == 10);
}
