// geotarget serve: the HTTP decision service (docs/operations.md). SIGHUP reloads the IP
// database, geodata and campaigns; SIGTERM and SIGINT stop it gracefully (exit 0).
#include <csignal>
#include <cstdio>
#include <thread>

#include "commands.hpp"
#include "geotarget/decision_service.hpp"

namespace geotarget::cli {

namespace {

struct ServeArgs {
  std::string config, listen, geodata, campaigns, admin_token_file;
  int threads = -1;
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
  override_with(a.admin_token_file, o.admin_token_file);
  if (a.threads >= 0) o.threads = a.threads;
  if (!a.trusted_proxies.empty()) o.trusted_proxies = a.trusted_proxies;
  if (!a.cors_origins.empty()) o.cors_origins = a.cors_origins;
  if (o.sources.ip_databases.empty()) o.sources.ip_databases = {default_database()};
  if (o.sources.geodata.empty()) o.sources.geodata = default_geodata();
  return o;
}

// Waits for SIGHUP (reload), SIGTERM or SIGINT (stop) on its own thread; the signals are
// blocked everywhere else, so no handler runs inside a worker.
void handle_signals(DecisionService& service, const sigset_t& signals) {
  for (;;) {
    int signal = 0;
    if (sigwait(&signals, &signal) != 0) continue;
    if (signal == SIGHUP) {
      std::fprintf(stderr, "geotarget serve: SIGHUP, reloading\n");
      (void)service.reload();  // logs its outcome; the old snapshot serves on failure
      continue;
    }
    std::fprintf(stderr, "geotarget serve: %s, finishing requests in flight\n", signal == SIGTERM ? "SIGTERM" : "SIGINT");
    service.stop();
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
    DecisionService service(options);
    std::fprintf(stderr, "geotarget serve: listening on %s (port %u)\n", options.listen.c_str(),
                 static_cast<unsigned>(service.port()));
    std::thread signal_thread([&] { handle_signals(service, signals); });
    service.run();
    signal_thread.join();
    std::fprintf(stderr, "geotarget serve: stopped\n");
    exit_code = 0;
  });
}

}  // namespace geotarget::cli
