// libFuzzer: arbitrary bytes as what a client sends on one connection, through Beast's request
// parser (with the server's header and body limits) and, for each whole request, the service's
// RequestHandler, exactly as http_server.cpp drives it, minus the socket. Up to 8 pipelined
// requests per input. The handler answers from a snapshot built once (demo IP database, default
// geodata, sample campaigns); the peer is a trusted proxy, so X-Forwarded-For is read, and an
// admin token is set, so /admin/reload is reachable (its reload answers at once, unloaded).
// Every answer must be a well-formed response; nothing may crash.
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "geotarget/decision.hpp"
#include "geotarget/decision_service.hpp"
#include "geotarget/ip_address.hpp"
#include "metrics.hpp"
#include "request_handler.hpp"
#include "snapshot_holder.hpp"
#include "trusted_proxies.hpp"

namespace http = boost::beast::http;
namespace svc = geotarget::service;

namespace {

// The service around the handler, as DecisionService::Impl is, without a server or a reloader.
struct FuzzContext final : svc::ServiceContext {
  FuzzContext() : proxies({"10.0.0.0/8", "::1"}) {
    options.sources = {{GEOTARGET_DEMO_DB}, GEOTARGET_SOURCE_DIR "/geodata/default.yaml",
                       GEOTARGET_SOURCE_DIR "/geodata/samples/campaigns.yaml"};
    options.max_batch = 50;
    snapshots.publish(geotarget::DecisionTable::load(options.sources));
  }
  const svc::Snapshot& snapshot() const override { return snapshots.current(); }
  svc::Metrics& metrics() override { return metrics_; }
  const geotarget::ServiceOptions& config() const override { return options; }
  const svc::TrustedProxies& trusted_proxies() const override { return proxies; }
  const std::string& token() const override { return admin_token; }
  svc::Gauges gauges() const override {
    svc::Gauges g;
    g.generation = snapshots.current().generation;
    return g;
  }
  void request_reload(std::function<void(const std::string&)> done) override { done("reloads are off in the fuzzer"); }

  geotarget::ServiceOptions options;
  svc::TrustedProxies proxies;
  std::string admin_token = "fuzz-token";
  svc::Metrics metrics_;
  svc::SnapshotHolder snapshots;
};

FuzzContext* context = nullptr;
svc::RequestHandler* handler = nullptr;
geotarget::IpAddress peer;

void check(svc::Response& response) {
  response.prepare_payload();
  std::ostringstream wire;
  wire << response;
  if (wire.str().empty()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  context = new FuzzContext;  // lives as long as the process, as the service's does
  handler = new svc::RequestHandler(*context);
  if (!geotarget::parse_ip("10.1.2.3", peer)) __builtin_trap();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  for (int i = 0; i < 8 && !rest.empty(); ++i) {
    http::request_parser<http::string_body> parser;
    parser.eager(true);
    parser.header_limit(context->options.max_header_bytes);
    parser.body_limit(context->options.max_body_bytes);
    boost::beast::error_code ec;
    while (!rest.empty() && !parser.is_done()) {
      const std::size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
      rest.remove_prefix(used);
      if (ec || used == 0) break;
    }
    if (!parser.is_done()) {
      if (ec == http::error::header_limit || ec == http::error::body_limit || (ec && ec != http::error::need_more))
        handler->rejected(400);  // what the server does before closing
      return 0;
    }
    const svc::Request& request = parser.get();
    svc::Response response;
    response.version(request.version());
    std::optional<svc::Response> later;
    const svc::HttpHandler::Deferral defer = [&]() -> svc::HttpHandler::Completion {
      return [&](svc::Response&& r) { later = std::move(r); };
    };
    if (handler->handle(request, peer, response, defer)) {
      check(response);
    } else {
      if (!later) __builtin_trap();  // the handler promised to call back exactly once
      check(*later);
    }
  }
  return 0;
}
