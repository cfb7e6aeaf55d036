// Internal: the HTTP/1.1 server under `geotarget serve`, on Boost.Beast.
//
// One worker thread per --threads, each with its own io_context and its own listening socket
// on the same port (SO_REUSEPORT, the kernel spreads connections): a connection lives on one
// thread from accept to close, so nothing is shared between workers but the handler, and no
// strand or lock is needed. On the way of one keep-alive request nothing else runs: Beast parses
// it, the handler answers, the server writes the response in one buffer (status line, fields,
// Content-Length, body) with one send, and no timer is armed or cancelled: each worker sweeps
// its connections' deadlines a few times per timeout instead (D46). Keep-alive, a deadline per request (slow clients are cut off), a
// cap on open connections, limits on header and body sizes (431 and 413), a request framing
// that no proxy can read otherwise (400), and a back-off with 503 answers when out of file
// descriptors are enforced here; everything else is the handler's.
//
// stop() may be called from any thread: the workers stop accepting, close idle connections,
// finish the requests in flight (without keep-alive), and run() returns.
#pragma once

#include <atomic>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "geotarget/ip_address.hpp"

namespace geotarget::service {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

struct HttpLimits {
  std::size_t max_connections = 10'000;     ///< DEFAULT 10,000 open at once; more are closed at accept
  std::uint32_t max_header_bytes = 8 * 1024;  ///< DEFAULT 8 KiB: request line and headers; above: 431
  std::uint64_t max_body_bytes = 1 << 20;   ///< DEFAULT 1 MiB; above: 413
  /// DEFAULT 30 s: the longest a connection may take to deliver one whole request (waiting
  /// idle between keep-alive requests included) or to take one response; then it is closed,
  /// within a quarter of this (at most 1 s) more: the deadlines are swept, not timed one by one.
  std::chrono::milliseconds request_timeout{30'000};
};

class HttpHandler {
 public:
  using Completion = std::function<void(Response&&)>;
  /// The completion of the request being handled, for a handler that answers later: asked for
  /// only then, so that the common request builds none.
  using Deferral = std::function<Completion()>;
  virtual ~HttpHandler() = default;
  /// Answers `request` from `peer` into `response` and returns true, or returns false and calls
  /// the completion `defer()` gave exactly once, from any thread, with the response (for slow
  /// work such as a reload). The server writes Content-Length itself (none for 1xx, 204, 304).
  virtual bool handle(const Request& request, const IpAddress& peer, Response& response,
                      const Deferral& defer) = 0;
  /// A request that could not be parsed was answered with `status` by the server.
  virtual void rejected(unsigned status) = 0;
};

struct HttpShared;

class HttpServer {
 public:
  /// Binds `threads` listening sockets to host:port (port 0: any free port). Throws
  /// geotarget::Error when it cannot.
  HttpServer(const std::string& host, std::uint16_t port, int threads, const HttpLimits& limits,
             HttpHandler& handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept;
  /// Serves until stop(); returns when every connection is closed.
  void run();
  void stop();
  [[nodiscard]] std::size_t open_connections() const noexcept;
  [[nodiscard]] std::uint64_t rejected_connections() const noexcept;

  struct Worker;

 private:
  std::shared_ptr<HttpShared> shared_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::uint16_t port_ = 0;
};

}  // namespace geotarget::service
