// Internal: the service's endpoints, behind the HTTP server.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "geotarget/decision_service.hpp"
#include "http_server.hpp"
#include "metrics.hpp"
#include "snapshot_holder.hpp"
#include "trusted_proxies.hpp"

namespace geotarget::service {

/// What the endpoints need from the service that owns them.
class ServiceContext {
 public:
  virtual ~ServiceContext() = default;
  /// The snapshot to answer from; valid until this thread's next call.
  [[nodiscard]] virtual const Snapshot& snapshot() const = 0;
  virtual Metrics& metrics() = 0;
  [[nodiscard]] virtual const ServiceOptions& config() const = 0;
  [[nodiscard]] virtual const TrustedProxies& trusted_proxies() const = 0;
  /// The admin bearer token; empty when reloads over HTTP are disabled.
  [[nodiscard]] virtual const std::string& token() const = 0;
  [[nodiscard]] virtual Gauges gauges() const = 0;
  /// Reloads in the background and calls `done` with "" or the reason it failed.
  virtual void request_reload(std::function<void(const std::string&)> done) = 0;
};

class RequestHandler final : public HttpHandler {
 public:
  explicit RequestHandler(ServiceContext& context) : context_(context) {}
  bool handle(const Request& request, const IpAddress& peer, Response& response, const Deferral& defer) override;
  void rejected(unsigned status) override;

 private:
  /// POST /admin/reload: checks the bearer token, then answers once the reload is done.
  bool reload(const Request& request, const IpAddress& peer, Response& response, const Deferral& defer,
              std::chrono::steady_clock::time_point start);

  ServiceContext& context_;
};

}  // namespace geotarget::service
