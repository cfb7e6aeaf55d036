#include "metrics.hpp"

#include <cstdio>

namespace geotarget::service {

namespace {

constexpr std::array<std::string_view, kEndpoints> kEndpointNames = {
    "decide", "decide_batch", "locate", "budget", "events", "healthz", "metrics", "admin_reload", "other"};
constexpr std::array<LookupStatus, 6> kLookupStatuses = {
    LookupStatus::found,           LookupStatus::not_found,      LookupStatus::invalid_ip,
    LookupStatus::special_range,   LookupStatus::ipv6_in_ipv4_db, LookupStatus::database_error};

void add(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) noexcept { c.fetch_add(n, std::memory_order_relaxed); }

std::size_t status_slot(unsigned status) noexcept {
  for (std::size_t i = 0; i + 1 < Metrics::kStatuses.size(); ++i)
    if (Metrics::kStatuses[i] == status) return i;
  return Metrics::kStatuses.size() - 1;  // any other status
}

class Text {
 public:
  void help(const char* name, const char* type, const char* help) {
    line("# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
  }
  template <class... A>
  void line(const char* format, A... args) {
    char buf[256];
    int n = std::snprintf(buf, sizeof buf, format, args...);
    out.append(buf, static_cast<std::size_t>(std::min<int>(n, sizeof buf - 1)));
  }
  std::string out;
};

// A label value in the text format: backslash, double quote and line feed escaped.
void append_label(std::string& out, std::string_view value) {
  for (const char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    out += c == '\n' ? std::string_view("\\n") : std::string_view(&c, 1);
  }
}

// One gauge line per budget account: {campaign="...",area="..."} value.
template <class F>
void budget_lines(Text& t, const Delivery& delivery, std::string_view name, F value) {
  const auto now = std::chrono::system_clock::now();
  const std::span<const BudgetAccount> accounts = delivery.accounts();
  for (std::size_t a = 0; a < accounts.size(); ++a) {
    t.out.append(name).append("{campaign=\"");
    append_label(t.out, accounts[a].campaign_id);
    t.out.append("\",area=\"");
    append_label(t.out, accounts[a].area_id);
    char number[32];
    std::snprintf(number, sizeof number, "\"} %.17g\n", value(delivery.figures(a, now)));
    t.out.append(number);
  }
}

void write_budget(Text& t, const Delivery& delivery) {
  t.help("geotarget_budget_planned_cents", "gauge", "Budget of an area in the allocation, by campaign and area.");
  budget_lines(t, delivery, "geotarget_budget_planned_cents", [](const AccountFigures& f) { return static_cast<double>(f.planned_cents); });
  t.help("geotarget_budget_spent_cents", "gauge", "Spent from an area's budget (all replicas, as this one knows), by campaign and area.");
  budget_lines(t, delivery, "geotarget_budget_spent_cents", [](const AccountFigures& f) { return static_cast<double>(f.spent_cents); });
  t.help("geotarget_budget_target_cents", "gauge", "What the campaign's pacing curve asks to be spent by now.");
  budget_lines(t, delivery, "geotarget_budget_target_cents", [](const AccountFigures& f) { return static_cast<double>(f.target_cents); });
  t.help("geotarget_budget_pace", "gauge", "Spent over target (1: on the curve).");
  budget_lines(t, delivery, "geotarget_budget_pace", [](const AccountFigures& f) { return f.pace; });
  t.help("geotarget_budget_pass_probability", "gauge", "Pacing's pass-through probability of an area's decisions.");
  budget_lines(t, delivery, "geotarget_budget_pass_probability", [](const AccountFigures& f) { return f.pass_probability; });
  t.help("geotarget_budget_conversions", "gauge", "Conversions reported by POST /v1/events, by campaign and area.");
  budget_lines(t, delivery, "geotarget_budget_conversions", [](const AccountFigures& f) { return static_cast<double>(f.conversions); });
  t.help("geotarget_ledger_connected", "gauge", "1 while the ledger reaches its store (always 1 for a ledger file).");
  t.line("geotarget_ledger_connected %d\n", delivery.ledger()->connected() ? 1 : 0);
}

}  // namespace

Metrics::Shard& Metrics::shard() noexcept {
  static std::atomic<std::size_t> next{0};
  thread_local const std::size_t mine = next.fetch_add(1, std::memory_order_relaxed) % kShards;
  return shards_[mine];
}

void Metrics::request(Endpoint endpoint, unsigned status, std::chrono::nanoseconds latency) noexcept {
  Shard& s = shard();
  const auto e = static_cast<std::size_t>(endpoint);
  add(s.requests[e][status_slot(status)]);
  const double seconds = std::chrono::duration<double>(latency).count();
  std::size_t b = 0;
  while (b < kBuckets.size() && seconds > kBuckets[b]) ++b;
  add(s.latency[e][b]);
  add(s.latency_ns[e], static_cast<std::uint64_t>(latency.count()));
}

void Metrics::lookup(LookupStatus status) noexcept {
  add(shard().lookups[static_cast<std::size_t>(status) % kLookupStatuses.size()]);
}

void Metrics::decision_cache(bool hit) noexcept { add(shard().cache[hit ? 1 : 0]); }
void Metrics::reload(bool ok) noexcept { add(shard().reloads[ok ? 1 : 0]); }
void Metrics::event(bool counted) noexcept { add(shard().events[counted ? 1 : 0]); }
void Metrics::unknown_parameters(std::size_t n) noexcept {
  if (n > 0) add(shard().unknown_parameters, n);  // most requests have none: no write to the shard
}

std::string Metrics::render(const Gauges& g, const Delivery* delivery) const {
  auto total = [&](auto pick) {
    std::uint64_t n = 0;
    for (const Shard& s : shards_) n += pick(s).load(std::memory_order_relaxed);
    return static_cast<unsigned long long>(n);
  };
  Text t;
  t.help("geotarget_http_requests_total", "counter", "HTTP requests answered, by endpoint and status code.");
  for (std::size_t e = 0; e < kEndpoints; ++e)
    for (std::size_t k = 0; k < kStatuses.size(); ++k)
      if (auto n = total([&](const Shard& s) -> auto& { return s.requests[e][k]; }))
        t.line("geotarget_http_requests_total{endpoint=\"%s\",code=\"%s\"} %llu\n", kEndpointNames[e].data(),
               kStatuses[k] ? std::to_string(kStatuses[k]).c_str() : "other", n);
  t.help("geotarget_http_request_duration_seconds", "histogram",
         "Time from a parsed request to its response, by endpoint.");
  for (std::size_t e = 0; e < kEndpoints; ++e) {
    unsigned long long cumulative = 0;
    for (std::size_t b = 0; b <= kBuckets.size(); ++b) {
      cumulative += total([&](const Shard& s) -> auto& { return s.latency[e][b]; });
      if (b < kBuckets.size())
        t.line("geotarget_http_request_duration_seconds_bucket{endpoint=\"%s\",le=\"%g\"} %llu\n",
               kEndpointNames[e].data(), kBuckets[b], cumulative);
      else
        t.line("geotarget_http_request_duration_seconds_bucket{endpoint=\"%s\",le=\"+Inf\"} %llu\n",
               kEndpointNames[e].data(), cumulative);
    }
    t.line("geotarget_http_request_duration_seconds_sum{endpoint=\"%s\"} %.9f\n", kEndpointNames[e].data(),
           static_cast<double>(total([&](const Shard& s) -> auto& { return s.latency_ns[e]; })) * 1e-9);
    t.line("geotarget_http_request_duration_seconds_count{endpoint=\"%s\"} %llu\n", kEndpointNames[e].data(),
           cumulative);
  }
  t.help("geotarget_http_unknown_parameters_total", "counter",
         "Query parameters that the endpoint does not read, ignored.");
  t.line("geotarget_http_unknown_parameters_total %llu\n",
         total([](const Shard& s) -> auto& { return s.unknown_parameters; }));
  t.help("geotarget_lookups_total", "counter", "IP lookups, by result.");
  for (std::size_t i = 0; i < kLookupStatuses.size(); ++i)
    t.line("geotarget_lookups_total{result=\"%s\"} %llu\n", describe(kLookupStatuses[i]).data(),
           total([&](const Shard& s) -> auto& { return s.lookups[static_cast<std::size_t>(kLookupStatuses[i])]; }));
  t.help("geotarget_decision_cache_hits_total", "counter",
         "Decisions answered from the compiled per-record table, without decoding or locating.");
  t.line("geotarget_decision_cache_hits_total %llu\n", total([](const Shard& s) -> auto& { return s.cache[1]; }));
  t.help("geotarget_decision_cache_misses_total", "counter",
         "Decisions computed per request (points for /v1/locate).");
  t.line("geotarget_decision_cache_misses_total %llu\n", total([](const Shard& s) -> auto& { return s.cache[0]; }));
  t.help("geotarget_reloads_total", "counter", "Snapshot reloads (SIGHUP or /admin/reload), by result.");
  t.line("geotarget_reloads_total{result=\"ok\"} %llu\n", total([](const Shard& s) -> auto& { return s.reloads[1]; }));
  t.line("geotarget_reloads_total{result=\"failed\"} %llu\n", total([](const Shard& s) -> auto& { return s.reloads[0]; }));
  t.help("geotarget_snapshot_age_seconds", "gauge", "Age of the snapshot being served.");
  t.line("geotarget_snapshot_age_seconds %.3f\n", g.snapshot_age_seconds);
  t.help("geotarget_snapshot_generation", "gauge", "Snapshots loaded since start (1: the first).");
  t.line("geotarget_snapshot_generation %llu\n", static_cast<unsigned long long>(g.generation));
  t.help("geotarget_decision_table_bytes", "gauge", "Memory of the compiled decision table.");
  t.line("geotarget_decision_table_bytes %zu\n", g.table_bytes);
  t.help("geotarget_decision_table_records", "gauge", "IP database records compiled into the table.");
  t.line("geotarget_decision_table_records %zu\n", g.table_records);
  t.help("geotarget_decision_table_load_seconds", "gauge", "Time the serving snapshot took to load and compile.");
  t.line("geotarget_decision_table_load_seconds %.3f\n", g.table_load_seconds);
  t.help("geotarget_open_connections", "gauge", "Client connections open now.");
  t.line("geotarget_open_connections %zu\n", g.open_connections);
  t.help("geotarget_rejected_connections_total", "counter", "Connections closed at accept: over max_connections, or told 503 when out of file descriptors.");
  t.line("geotarget_rejected_connections_total %llu\n", static_cast<unsigned long long>(g.rejected_connections));
  t.help("geotarget_events_total", "counter", "POST /v1/events conversions, by whether an area's account counted them.");
  t.line("geotarget_events_total{result=\"counted\"} %llu\n", total([](const Shard& s) -> auto& { return s.events[1]; }));
  t.line("geotarget_events_total{result=\"unattributed\"} %llu\n", total([](const Shard& s) -> auto& { return s.events[0]; }));
  if (delivery) write_budget(t, *delivery);
  return std::move(t.out);
}

}  // namespace geotarget::service
