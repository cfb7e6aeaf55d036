// geotarget: the HTTP decision service behind `geotarget serve`.
//
//   geotarget::ServiceOptions options = geotarget::load_service_config("serve.yaml");
//   geotarget::DecisionService service(options);   // loads the first snapshot, binds; throws Error
//   std::thread t([&] { service.run(); });          // serves until stop()
//   service.reload();                               // e.g. on SIGHUP
//   service.stop();                                 // e.g. on SIGTERM
//
// Endpoints (docs/operations.md): GET /v1/decide?ip=&segment=, POST /v1/decide (JSON array),
// GET /v1/locate?lat=&lon=&segment=, GET /v1/budget, POST /v1/events, GET /healthz, GET /metrics,
// POST /admin/reload.
//
// With an allocation, each decision spends its campaigns' cost per decision from the visitor's
// area, paced (delivery.hpp); a ledger thread persists the spend (or leases it) every flush
// interval and recomputes pacing every few seconds, off the request path.
//
// Requests read the current snapshot (a DecisionTable) without a lock; reload() builds a new one
// beside it and swaps it in atomically, so no request fails or sees a half-loaded state, and a
// snapshot that fails to load leaves the old one serving. The full visitor address never leaves
// the process: answers and log lines carry it truncated to /24 (IPv4) or /48 (IPv6).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "geotarget/budget_ledger.hpp"
#include "geotarget/decision.hpp"

namespace geotarget {

struct ServiceOptions {
  /// ADDR:PORT to listen on; [v6]:PORT for IPv6; port 0 picks a free one. DEFAULT 127.0.0.1:8080.
  std::string listen = "127.0.0.1:8080";
  /// IP database, geodata and campaigns. DEFAULT: no campaigns; the CLI fills in its defaults.
  DecisionSources sources;
  /// Allocation JSON (geotarget allocate) whose area budgets the decisions spend, reloaded with
  /// the snapshot. DEFAULT: none, nothing is spent or paced.
  std::string allocation;
  /// Where spend is kept: a ledger file, or redis://HOST:PORT for replicas sharing budgets.
  /// DEFAULT: default_ledger_path(allocation), beside it.
  std::string ledger;
  /// The ledger's flush interval (how often spend is persisted, or reported and leased) and, for
  /// redis://, the slice share (budget_ledger.hpp). DEFAULT 1 s and 1% of an area's plan.
  LedgerOptions ledger_options;
  /// Worker threads, each with its own event loop. DEFAULT 0: one per core.
  int threads = 0;
  /// File holding the bearer token for POST /admin/reload. DEFAULT: none, the endpoint answers 403.
  std::string admin_token_file;
  /// Peers (CIDR) whose X-Forwarded-For is believed. DEFAULT: none; the peer is the visitor.
  std::vector<std::string> trusted_proxies;
  std::size_t max_batch = 1000;             ///< DEFAULT 1,000 requests per POST /v1/decide
  std::size_t max_connections = 10'000;     ///< DEFAULT 10,000 open at once
  std::uint32_t max_header_bytes = 8 * 1024;  ///< DEFAULT 8 KiB; above: 431
  std::uint64_t max_body_bytes = 1 << 20;   ///< DEFAULT 1 MiB; above: 413
  std::chrono::milliseconds request_timeout{30'000};  ///< DEFAULT 30 s per request or idle wait
  bool access_log = false;  ///< DEFAULT off: one stderr line per request (truncated address)
  /// Web page origins ("https://shop.example") allowed to call /v1/decide and /v1/locate from a
  /// browser: their Origin is answered with Access-Control-Allow-Origin, and OPTIONS preflights
  /// with 204. "*" allows any origin. DEFAULT: none, no CORS headers (server-to-server use).
  std::vector<std::string> cors_origins;
};

/// Reads a YAML config file (docs/operations.md). Throws geotarget::Error naming the file, the
/// line and the field.
ServiceOptions load_service_config(const std::string& path);

class DecisionService {
 public:
  /// Checks the options, loads the first snapshot and binds the listening sockets.
  /// Throws geotarget::Error naming what failed.
  explicit DecisionService(const ServiceOptions& options);
  ~DecisionService();
  DecisionService(const DecisionService&) = delete;
  DecisionService& operator=(const DecisionService&) = delete;

  /// The bound port (useful with port 0).
  [[nodiscard]] std::uint16_t port() const noexcept;
  /// Serves until stop(), then finishes the requests in flight and returns.
  void run();
  /// Stops accepting and lets run() return once in-flight requests are answered. Thread-safe.
  void stop();
  /// Loads a new snapshot from the configured files and swaps it in. Returns an empty string on
  /// success, else the reason (the old snapshot keeps serving). Thread-safe; concurrent calls
  /// are serialised.
  std::string reload();
  /// Asks for a reload and returns at once; it runs on the service's reloader thread. Requests
  /// that arrive while a reload runs are answered together by one more reload (coalesced), so
  /// a burst of SIGHUPs costs at most two loads. Thread-safe.
  void request_reload();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace geotarget
