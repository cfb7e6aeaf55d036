#include "geotarget/decision_service.hpp"

#include <malloc.h>

#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <thread>

#include "geotarget/allocation_file.hpp"
#include "geotarget/budget_ledger.hpp"
#include "geotarget/error.hpp"
#include "http_server.hpp"
#include "metrics.hpp"
#include "request_handler.hpp"
#include "snapshot_holder.hpp"

namespace geotarget {

namespace {

// "127.0.0.1:8080", "[::1]:8080", ":8080" (all IPv4 interfaces).
void split_listen(const std::string& listen, std::string& host, std::uint16_t& port) {
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos) throw Error("listen: '" + listen + "' is not ADDR:PORT");
  host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  const std::string digits = listen.substr(colon + 1);
  unsigned value = 0;
  auto r = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || r.ec != std::errc{} || r.ptr != digits.data() + digits.size() || value > 65535)
    throw Error("listen: '" + digits + "' is not a port number");
  port = static_cast<std::uint16_t>(value);
}

std::string read_token(const std::string& path) {
  if (path.empty()) return {};
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot read the admin token file", ErrorCode::io);
  std::string token;
  std::getline(in, token);
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (token.size() < 16) throw Error(path + ": the admin token must have at least 16 characters");
  return token;
}

void log_line(const std::string& text) { std::fprintf(stderr, "geotarget serve: %s\n", text.c_str()); }

std::string describe_snapshot(const service::Snapshot& s) {
  const DecisionTableStats& st = s.table->stats();
  const std::size_t campaigns = s.table->campaigns().campaigns.size();
  const std::size_t active = s.table->active_campaigns(DecisionTable::today());
  char buf[300];
  std::snprintf(buf, sizeof buf,
                "snapshot %llu: %zu records, %zu campaign sets, %zu of %zu campaigns active today, %.1f MB table, "
                "loaded in %.2f s%s",
                static_cast<unsigned long long>(s.generation), st.records, st.distinct_campaign_sets, active, campaigns,
                static_cast<double>(st.bytes) / 1e6, st.load_seconds,
                campaigns > 0 && active == 0 ? "; warning: no campaign is active today" : "");
  return buf;
}

}  // namespace

struct DecisionService::Impl : service::ServiceContext {
  explicit Impl(const ServiceOptions& o)
      : options(o), proxies(o.trusted_proxies), admin_token(read_token(o.admin_token_file)), handler(*this) {}

  ServiceOptions options;
  service::TrustedProxies proxies;
  std::string admin_token;
  service::Metrics metrics_;
  service::SnapshotHolder snapshots_;
  service::RequestHandler handler;
  std::unique_ptr<service::HttpServer> server;
  std::mutex reload_mutex;

  // The reloader thread serves POST /admin/reload without blocking a worker.
  std::thread reloader;
  std::mutex queue_mutex;
  std::condition_variable queue_changed;
  std::vector<std::function<void(const std::string&)>> waiting;
  bool stopping = false;

  // The ledger thread: persists or leases spend every flush interval, recomputes pacing every
  // pacing interval. ledger_mutex makes tick() one thread at a time (a reload flushes a ledger
  // it replaces under it).
  std::thread ledger_thread;
  std::mutex ledger_mutex;
  std::condition_variable ledger_wake;
  bool ledger_stopping = false;
  std::string ledger_address;  // of the ledger being served (under ledger_mutex)

  const service::Snapshot& snapshot() const override { return snapshots_.current(); }
  service::Metrics& metrics() override { return metrics_; }
  const ServiceOptions& config() const override { return options; }
  const service::TrustedProxies& trusted_proxies() const override { return proxies; }
  const std::string& token() const override { return admin_token; }
  service::Gauges gauges() const override;
  void request_reload(std::function<void(const std::string&)> done) override;

  std::string reload();
  void run_reloader();
  void publish_snapshot();
  std::shared_ptr<Delivery> load_delivery(const DecisionTable& table);
  void run_ledger();
  void stop_ledger();
};

service::Gauges DecisionService::Impl::gauges() const {
  const service::Snapshot& s = snapshots_.current();
  service::Gauges g;
  g.snapshot_age_seconds = std::chrono::duration<double>(std::chrono::system_clock::now() - s.loaded_at).count();
  g.generation = s.generation;
  g.table_bytes = s.table->stats().bytes;
  g.table_records = s.table->stats().records;
  g.table_load_seconds = s.table->stats().load_seconds;
  g.open_connections = server ? server->open_connections() : 0;
  g.rejected_connections = server ? server->rejected_connections() : 0;
  return g;
}

std::string DecisionService::Impl::reload() {
  std::lock_guard lock(reload_mutex);
  try {
    publish_snapshot();
    metrics_.reload(true);
    log_line("reloaded " + describe_snapshot(snapshots_.current()));
    // The previous snapshot's hundreds of MB went back to the allocator, not to the system;
    // without this, RSS after 20 reloads was 2.7 times the RSS after start.
    ::malloc_trim(0);
    return {};
  } catch (const std::exception& e) {  // geotarget::Error, or std::bad_alloc on a huge file
    metrics_.reload(false);
    log_line(std::string("reload failed, the previous snapshot keeps serving: ") + e.what());
    return e.what();
  }
}

// The ledger of the snapshot before is kept when the allocation's accounts and the address are
// the same (spend and pacing carry on); otherwise it gets its last flush and the new one opens
// from the file or the store, campaigns whose accounts changed starting at zero.
std::shared_ptr<Delivery> DecisionService::Impl::load_delivery(const DecisionTable& table) {
  if (options.allocation.empty()) return nullptr;
  const AllocationFile allocation = read_allocation_file(options.allocation);
  const std::vector<BudgetAccount> accounts = budget_accounts(allocation);
  const std::string address = options.ledger.empty() ? default_ledger_path(options.allocation) : options.ledger;
  const Delivery* previous = nullptr;
  if (const std::shared_ptr<const service::Snapshot> s = snapshots_.latest()) previous = s->delivery.get();
  auto same = [&](std::span<const BudgetAccount> was) {
    return std::equal(was.begin(), was.end(), accounts.begin(), accounts.end(), [](const BudgetAccount& a, const BudgetAccount& b) {
      return a.campaign_id == b.campaign_id && a.area_id == b.area_id && a.planned_cents == b.planned_cents;
    });
  };
  std::lock_guard lock(ledger_mutex);  // the ledger thread ticks and paces `previous` under it
  std::shared_ptr<BudgetLedger> ledger;
  if (previous && same(previous->accounts()) && address == ledger_address) {
    ledger = previous->ledger();
  } else {
    if (previous) previous->ledger()->tick(std::chrono::steady_clock::time_point::max());  // its last flush
    ledger = open_ledger(address, accounts, options.ledger_options);
    ledger_address = address;
  }
  auto delivery = Delivery::compile(table, allocation, std::move(ledger), {}, previous);
  delivery->update(std::chrono::system_clock::now());
  return delivery;
}

void DecisionService::Impl::publish_snapshot() {
  std::shared_ptr<const DecisionTable> table = DecisionTable::load(options.sources);
  std::shared_ptr<Delivery> delivery = load_delivery(*table);
  snapshots_.publish(std::move(table), std::move(delivery));
}

void DecisionService::Impl::run_ledger() {
  const DeliveryOptions pacing;
  auto next_pacing = std::chrono::steady_clock::now() + pacing.pacing_interval;
  std::unique_lock lock(ledger_mutex);
  std::string last_failure;
  while (!ledger_wake.wait_for(lock, options.ledger_options.flush_interval / 4, [&] { return ledger_stopping; })) {
    const std::shared_ptr<const service::Snapshot> s = snapshots_.latest();
    if (!s->delivery) continue;
    const auto now = std::chrono::steady_clock::now();
    try {
      s->delivery->ledger()->tick(now);
      if (now >= next_pacing) {
        s->delivery->update(std::chrono::system_clock::now());
        next_pacing = now + pacing.pacing_interval;
      }
      last_failure.clear();
    } catch (const std::exception& e) {  // a ledger file that cannot be written: said once, tried again
      if (last_failure != e.what()) log_line(std::string("ledger: ") + e.what());
      last_failure = e.what();
    }
  }
}

// The last flush, once the requests in flight are answered.
void DecisionService::Impl::stop_ledger() {
  {
    std::lock_guard lock(ledger_mutex);
    if (ledger_stopping) return;
    ledger_stopping = true;
  }
  ledger_wake.notify_one();
  if (ledger_thread.joinable()) ledger_thread.join();
  const std::shared_ptr<const service::Snapshot> s = snapshots_.latest();
  if (!s || !s->delivery) return;
  try {
    s->delivery->ledger()->tick(std::chrono::steady_clock::time_point::max());
  } catch (const std::exception& e) {
    log_line(std::string("ledger: the last flush failed: ") + e.what());
  }
}

void DecisionService::Impl::request_reload(std::function<void(const std::string&)> done) {
  std::lock_guard lock(queue_mutex);
  waiting.push_back(std::move(done));
  queue_changed.notify_one();
}

// Reload requests that arrive while one runs are answered by the next run, which starts after
// they arrived: every caller sees a reload that began after it asked.
void DecisionService::Impl::run_reloader() {
  std::unique_lock lock(queue_mutex);
  for (;;) {
    queue_changed.wait(lock, [&] { return stopping || !waiting.empty(); });
    if (waiting.empty()) return;
    auto batch = std::move(waiting);
    waiting.clear();
    lock.unlock();
    const std::string error = reload();
    for (auto& done : batch) done(error);
    lock.lock();
  }
}

DecisionService::DecisionService(const ServiceOptions& options) : impl_(std::make_unique<Impl>(options)) {
  Impl& m = *impl_;
  if (options.max_batch == 0) throw Error("max_batch: must be at least 1");
  std::string host;
  std::uint16_t port = 0;
  split_listen(options.listen, host, port);
  m.publish_snapshot();
  log_line("loaded " + describe_snapshot(m.snapshots_.current()));
  service::HttpLimits limits;
  limits.max_connections = options.max_connections;
  limits.max_header_bytes = options.max_header_bytes;
  limits.max_body_bytes = options.max_body_bytes;
  limits.request_timeout = options.request_timeout;
  const int threads = options.threads > 0 ? options.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  m.server = std::make_unique<service::HttpServer>(host, port, threads, limits, m.handler);
  m.reloader = std::thread([&m] { m.run_reloader(); });
  m.ledger_thread = std::thread([&m] { m.run_ledger(); });
}

DecisionService::~DecisionService() {
  {
    std::lock_guard lock(impl_->queue_mutex);
    impl_->stopping = true;
    impl_->queue_changed.notify_one();
  }
  impl_->reloader.join();
  impl_->stop_ledger();
}

std::uint16_t DecisionService::port() const noexcept { return impl_->server->port(); }
void DecisionService::run() {
  impl_->server->run();
  impl_->stop_ledger();
}
void DecisionService::stop() { impl_->server->stop(); }
std::string DecisionService::reload() { return impl_->reload(); }
void DecisionService::request_reload() {
  impl_->request_reload([](const std::string&) {});  // the outcome is logged by reload()
}

}  // namespace geotarget
