// geotarget serve: the HTTP decision service (docs/operations.md). SIGHUP reloads the IP
// database, geodata and campaigns; SIGTERM and SIGINT stop it gracefully (exit 0), within a
// second at any stage, loading included.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "commands.hpp"
#include "geotarget/decision_service.hpp"

namespace geotarget::cli {

namespace {

struct ServeArgs {
  std::string config, listen, geodata, campaigns, allocation, ledger, admin_token_file;
  int threads = -1;
  std::int64_t ledger_flush_ms = -1;
  double ledger_slice_share = -1;
  std::vector<std::string> databases, trusted_proxies, cors_origins;
};

ServiceOptions resolve_options(const ServeArgs& a) {
  ServiceOptions o = a.config.empty() ? ServiceOptions{} : load_service_config(a.config);
  auto override_with = [](const std::string& flag, std::string& setting) {
    if (!flag.empty()) setting = flag;
  };
  override_with(a.listen, o.listen);
  if (!a.databases.empty()) o.sources.ip_databases = a.databases;
  override_with(a.geodata, o.sources.geodata);
  override_with(a.campaigns, o.sources.campaigns);
  override_with(a.allocation, o.allocation);
  override_with(a.ledger, o.ledger);
  if (a.ledger_flush_ms >= 0) o.ledger_options.flush_interval = std::chrono::milliseconds(a.ledger_flush_ms);
  if (a.ledger_slice_share >= 0) o.ledger_options.slice_share = a.ledger_slice_share;
  override_with(a.admin_token_file, o.admin_token_file);
  if (a.threads >= 0) o.threads = a.threads;
  if (!a.trusted_proxies.empty()) o.trusted_proxies = a.trusted_proxies;
  if (!a.cors_origins.empty()) o.cors_origins = a.cors_origins;
  if (o.sources.ip_databases.empty()) o.sources.ip_databases = {default_database()};
  if (o.sources.geodata.empty()) o.sources.geodata = default_geodata();
  return o;
}

// What the signal thread acts on: nothing while the first snapshot loads, then the service.
struct ServeState {
  std::mutex mutex;
  DecisionService* service = nullptr;
  bool reload_when_loaded = false;
};

// Waits for SIGHUP (reload), SIGTERM or SIGINT (stop) on its own thread, from before the first
// snapshot loads; the signals are blocked everywhere else, so no handler runs inside a worker.
// While loading there is nothing to finish (no request accepted, no file written), so SIGTERM
// and SIGINT end the process at once. While serving, they stop the service, which answers the
// requests in flight. SIGHUP hands a reload to the service's reloader thread, which coalesces
// those that arrive while one runs; this thread stays free for the next signal.
void handle_signals(ServeState& state, const sigset_t& signals) {
  for (;;) {
    int signal = 0;
    if (sigwait(&signals, &signal) != 0) continue;
    const char* name = signal == SIGHUP ? "SIGHUP" : signal == SIGTERM ? "SIGTERM" : "SIGINT";
    std::lock_guard lock(state.mutex);
    if (!state.service) {
      if (signal == SIGHUP) {
        std::fprintf(stderr, "geotarget serve: SIGHUP while loading, reloading once loaded\n");
        state.reload_when_loaded = true;
        continue;
      }
      std::fprintf(stderr, "geotarget serve: %s while loading, stopped\n", name);
      std::_Exit(0);
    }
    if (signal == SIGHUP) {
      std::fprintf(stderr, "geotarget serve: SIGHUP, reloading\n");
      state.service->request_reload();  // logs its outcome; the old snapshot serves on failure
      continue;
    }
    std::fprintf(stderr, "geotarget serve: %s, finishing requests in flight\n", name);
    state.service->stop();
    return;
  }
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand("serve", "HTTP decision service: visitor IP -> places and local campaigns");
  cmd->add_option("--config", a->config, "YAML config file (flags override it)");
  cmd->add_option("--listen", a->listen, "ADDR:PORT (default 127.0.0.1:8080; port 0: any free port)");
  cmd->add_option("--db", a->databases,
                  "MMDB database; repeatable, the first that has an address answers (default: $GEOTARGET_DB or the "
                  "demo database)")
      ->allow_extra_args(false);  // one file a --db: addresses after it stay addresses
  cmd->add_option("--geodata", a->geodata, "Geodata manifest (default: geodata/default.yaml)");
  cmd->add_option("--campaigns", a->campaigns, "Campaigns file (default: none)");
  cmd->add_option("--allocation", a->allocation, "Allocation JSON whose area budgets decisions spend, paced (default: none)");
  cmd->add_option("--ledger", a->ledger, "Spend ledger: a file, or redis://HOST:PORT (default: ALLOCATION.ledger beside it)");
  cmd->add_option("--ledger-flush-ms", a->ledger_flush_ms,
                  "How often the ledger persists spend, or reports and leases it (default 1000)")
      ->check(CLI::Range(10, 3'600'000));
  cmd->add_option("--ledger-slice-share", a->ledger_slice_share,
                  "redis:// ledger: the slice leased at a time, as a share of an area's plan (default 0.01)")
      ->check(CLI::Range(1e-6, 1.0));
  cmd->add_option("--threads", a->threads, "Worker threads (default: one per core)")->check(CLI::Range(0, 1024));
  cmd->add_option("--admin-token-file", a->admin_token_file, "File with the bearer token for POST /admin/reload");
  cmd->add_option("--trusted-proxy", a->trusted_proxies, "CIDR whose X-Forwarded-For is believed (repeatable)");
  cmd->add_option("--cors-origin", a->cors_origins, "Web page origin allowed to call from a browser, or * (repeatable)");
  cmd->callback([a, &exit_code] {
    const ServiceOptions options = resolve_options(*a);
    sigset_t signals;
    sigemptyset(&signals);
    for (int s : {SIGHUP, SIGTERM, SIGINT}) sigaddset(&signals, s);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    static ServeState state;  // outlives the detached signal thread
    std::thread([signals] { handle_signals(state, signals); }).detach();
    std::fprintf(stderr, "geotarget serve: loading\n");
    DecisionService service(options);
    std::fprintf(stderr, "geotarget serve: listening on %s (port %u)\n", options.listen.c_str(),
                 static_cast<unsigned>(service.port()));
    {
      std::lock_guard lock(state.mutex);
      state.service = &service;
      if (state.reload_when_loaded) service.request_reload();
    }
    exit_code = 0;
    service.run();
    // Every request in flight is answered. A reload still loading has nothing to keep, and
    // waiting for it could take minutes: the process ends here.
    std::fprintf(stderr, "geotarget serve: stopped\n");
    std::fflush(stderr);
    std::_Exit(0);
  });
}

}  // namespace geotarget::cli
