#include "http_server.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <charconv>
#include <optional>
#include <thread>
#include <unordered_set>

#include "geotarget/error.hpp"

namespace geotarget::service {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
// The worker's own executor type, not the type-erased any_io_executor of beast::tcp_stream:
// no executor is copied or destroyed through a virtual table per operation.
using Executor = net::io_context::executor_type;
using Socket = net::basic_stream_socket<tcp, Executor>;
using Clock = std::chrono::steady_clock;

namespace {

class Session;

IpAddress to_ip_address(const net::ip::address& a) {
  if (a.is_v4()) return IpAddress::v4(a.to_v4().to_uint());
  return IpAddress::v6(a.to_v6().to_bytes());
}

// The answer the server itself gives to a request it could not parse, or could not take.
Response protocol_error(unsigned version, http::status status, std::string_view code) {
  Response res{status, version};
  res.set(http::field::content_type, "application/json");
  res.body() = std::string(R"({"error":")") + std::string(code) + "\"}";
  res.keep_alive(false);
  return res;
}

// `response` as sent, into `out`: the status line, the fields in the order they were set,
// Content-Length (except for 1xx, 204 and 304, which have no body), the blank line, the body.
void serialize(const Response& response, std::string& out) {
  const unsigned status = response.result_int(), version = response.version();
  const beast::string_view reason = response.reason();
  char number[24];
  out.assign("HTTP/");
  out += static_cast<char>('0' + version / 10);
  out += '.';
  out += static_cast<char>('0' + version % 10);
  out += ' ';
  out.append(number, std::to_chars(number, number + sizeof number, status).ptr);
  out += ' ';
  out.append(reason.data(), reason.size());
  out += "\r\n";
  for (const auto& field : response) {
    out.append(field.name_string().data(), field.name_string().size());
    out += ": ";
    out.append(field.value().data(), field.value().size());
    out += "\r\n";
  }
  if (status >= 200 && status != 204 && status != 304) {
    out += "Content-Length: ";
    out.append(number, std::to_chars(number, number + sizeof number, response.body().size()).ptr);
    out += "\r\n";
  }
  out += "\r\n";
  out += response.body();
}

std::string serialized(const Response& response) {
  std::string out;
  serialize(response, out);
  return out;
}

}  // namespace

struct HttpShared {
  HttpShared(const HttpLimits& l, HttpHandler& h) : limits(l), handler(h) {}
  HttpLimits limits;
  HttpHandler& handler;
  std::atomic<std::size_t> open{0};
  std::atomic<std::uint64_t> rejected{0};
  /// Set by stop() before it posts to the workers, so that a response written on a worker that
  /// has not run its stop yet already says Connection: close.
  std::atomic<bool> stopping{false};
  /// What a connection taken only to be closed is told (when out of file descriptors).
  const std::string unavailable = serialized(protocol_error(11, http::status::service_unavailable, "overloaded"));
};

// Members in this order so that handlers still queued in ioc, destroyed with it, find the
// session registry alive.
struct HttpServer::Worker {
  explicit Worker(HttpShared& s) : shared(s) {}
  ~Worker() {
    state = State::destroyed;  // sessions destroyed with ioc below must not touch its timers
    if (reserve >= 0) ::close(reserve);
  }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  HttpShared& shared;
  enum class State { serving, stopping, destroyed } state = State::serving;
  std::unordered_set<Session*> sessions;
  // Only this worker's thread touches its sockets; other threads only post() to it, which
  // stays locked. So the reactor may skip its own locking.
  net::io_context ioc{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  tcp::acceptor acceptor{ioc};
  net::steady_timer accept_retry{ioc};
  /// Closes the connections past their deadline, every quarter of the request timeout (at most
  /// 1 s): no timer per request.
  net::steady_timer sweeper{ioc};
  /// A descriptor held in reserve (/dev/null) so that a connection can still be taken, and
  /// told 503, when the process has no other descriptor left; -1 while another thread holds
  /// the one it freed.
  int reserve = -1;

  void keep_reserve() {
    if (reserve < 0) reserve = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
  void accept();
  void retry_accept(const beast::error_code& ec);
  void shed_pending();
  void sweep();
  void stop();
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Socket socket, HttpServer::Worker& worker) : socket_(std::move(socket)), worker_(worker) {
    beast::error_code ec;
    peer_ = to_ip_address(socket_.remote_endpoint(ec).address());
    socket_.set_option(tcp::no_delay(true), ec);
  }
  ~Session() {
    worker_.sessions.erase(this);
    worker_.shared.open.fetch_sub(1, std::memory_order_relaxed);
    if (worker_.state == HttpServer::Worker::State::stopping && worker_.sessions.empty()) worker_.sweeper.cancel();
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() {
    worker_.sessions.insert(this);
    read();
  }

  // Worker shutdown: an idle connection is closed now, a request in flight is finished first.
  void shutdown() {
    if (reading_ && !parser_->got_some()) close();
  }

  [[nodiscard]] Clock::time_point deadline() const noexcept { return deadline_; }
  void expire() { close(); }

 private:
  void read() {
    parser_.emplace();
    parser_->header_limit(worker_.shared.limits.max_header_bytes);
    parser_->body_limit(worker_.shared.limits.max_body_bytes);
    reading_ = true;
    deadline_ = Clock::now() + worker_.shared.limits.request_timeout;
    http::async_read(socket_, buffer_, *parser_, beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    reading_ = false;
    if (ec == http::error::header_limit) return reject(http::status::request_header_fields_too_large, "header_too_large");
    if (ec == http::error::body_limit) return reject(http::status::payload_too_large, "body_too_large");
    if (ec && ec.category() == http::make_error_code(http::error::bad_target).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message)
      return reject(http::status::bad_request, "malformed_request");
    if (ec) return close();
    if (!framed_safely()) return reject(http::status::bad_request, "malformed_request");
    const Request& request = parser_->get();
    response_ = Response{};
    response_.version(request.version());
    keep_alive_ = request.keep_alive();
    deadline_ = Clock::time_point::max();  // the handler's time is not the client's
    if (worker_.shared.handler.handle(request, peer_, response_, defer_)) write();
  }

  // The completion of a request answered later: it keeps the session alive until called, then
  // hands its reference to the worker, so that the session ends on the worker's thread.
  HttpHandler::Completion completion() {
    return [self = shared_from_this()](Response&& r) mutable {
      const Executor executor = self->socket_.get_executor();
      net::post(executor, [self = std::move(self), r = std::move(r)]() mutable {
        self->response_ = std::move(r);
        self->write();
      });
    };
  }

  // RFC 9112 sections 6.1 and 6.3: a request's Transfer-Encoding must end in chunked, and
  // HTTP/1.0 has none. Otherwise the parser has taken the body as empty while a proxy in front
  // may have framed it otherwise, and what follows could be a request smuggled past it; so the
  // request is refused and the connection closed. (Beast itself refuses chunked beside
  // Content-Length, and chunked twice.)
  [[nodiscard]] bool framed_safely() const {
    const Request& request = parser_->get();
    if (request.find(http::field::transfer_encoding) == request.end()) return true;
    return parser_->chunked() && request.version() >= 11;
  }

  void reject(http::status status, std::string_view code) {
    worker_.shared.handler.rejected(static_cast<unsigned>(status));
    response_ = protocol_error(11, status, code);
    keep_alive_ = false;
    write();
  }

  void write() {
    response_.keep_alive(keep_alive_ && !worker_.shared.stopping.load(std::memory_order_acquire));
    serialize(response_, out_);
    deadline_ = Clock::now() + worker_.shared.limits.request_timeout;
    net::async_write(socket_, net::buffer(out_), beast::bind_front_handler(&Session::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (ec) return close();
    if (!response_.keep_alive()) return linger();
    read();
  }

  // Closing while the client still sends (a rejected body, a pipelined request) would reset
  // the connection and could destroy the response in flight; so: stop sending, read and drop
  // what still comes for a moment, then close.
  void linger() {
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    deadline_ = Clock::now() + std::chrono::seconds(2);
    drain();
  }
  void drain() {
    buffer_.clear();
    socket_.async_read_some(buffer_.prepare(64 * 1024), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->drain();
    });
  }

  void close() {
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }

  Socket socket_;
  HttpServer::Worker& worker_;
  const HttpHandler::Deferral defer_ = [this] { return completion(); };
  IpAddress peer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Response response_;
  std::string out_;  // the response as sent; its capacity is kept from one request to the next
  Clock::time_point deadline_ = Clock::time_point::max();
  bool reading_ = false;
  bool keep_alive_ = false;
};

}  // namespace

void HttpServer::Worker::accept() {
  keep_reserve();
  acceptor.async_accept(ioc, [this](beast::error_code ec, Socket socket) {
    if (!acceptor.is_open()) return;
    if (ec) return retry_accept(ec);
    if (shared.open.fetch_add(1, std::memory_order_relaxed) >= shared.limits.max_connections) {
      shared.open.fetch_sub(1, std::memory_order_relaxed);
      shared.rejected.fetch_add(1, std::memory_order_relaxed);
      socket.close(ec);
    } else {
      std::make_shared<Session>(std::move(socket), *this)->start();
    }
    accept();
  });
}

// A failed accept leaves the connection pending, so accepting again at once fails again: the
// loop would spin on a core and starve the open connections. Out of file descriptors, the
// pending connections are told 503 and closed (clients learn it now instead of waiting in the
// backlog); for any error, the next accept waits a moment.
void HttpServer::Worker::retry_accept(const beast::error_code& ec) {
  if (ec == boost::system::errc::too_many_files_open || ec == boost::system::errc::too_many_files_open_in_system)
    shed_pending();
  accept_retry.expires_after(std::chrono::milliseconds(50));
  accept_retry.async_wait([this](beast::error_code) {
    if (acceptor.is_open()) accept();
  });
}

// Frees the reserve descriptor to take each pending connection in turn; stops when none is
// left (EAGAIN: the listening socket is non-blocking under Asio) or the descriptor was taken
// by another thread meanwhile (then the reserve is taken back by a later accept()).
void HttpServer::Worker::shed_pending() {
  if (reserve >= 0) ::close(reserve);
  reserve = -1;
  for (int fd; (fd = ::accept4(acceptor.native_handle(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0;) {
    shared.rejected.fetch_add(1, std::memory_order_relaxed);
    // Read what already came, so that close() does not reset the connection under the answer.
    char request[4096];
    (void)::recv(fd, request, sizeof request, 0);
    (void)::send(fd, shared.unavailable.data(), shared.unavailable.size(), MSG_NOSIGNAL);
    ::shutdown(fd, SHUT_WR);
    ::close(fd);
  }
  keep_reserve();
}

// Until the worker stops and its last connection is gone (then ~Session or stop() cancels it).
void HttpServer::Worker::sweep() {
  const auto interval = std::clamp<Clock::duration>(shared.limits.request_timeout / 4, std::chrono::milliseconds(1),
                                                    std::chrono::seconds(1));
  sweeper.expires_after(interval);
  sweeper.async_wait([this](beast::error_code ec) {
    if (ec) return;
    const auto now = Clock::now();
    std::vector<Session*> late;
    for (Session* s : sessions)
      if (s->deadline() <= now) late.push_back(s);
    for (Session* s : late) s->expire();
    if (state == State::serving || !sessions.empty()) sweep();
  });
}

void HttpServer::Worker::stop() {
  state = State::stopping;
  beast::error_code ec;
  acceptor.close(ec);
  accept_retry.cancel();
  std::vector<Session*> open(sessions.begin(), sessions.end());
  for (Session* s : open) s->shutdown();
  if (sessions.empty()) sweeper.cancel();
}

namespace {

void listen(tcp::acceptor& acceptor, const tcp::endpoint& endpoint) {
  acceptor.open(endpoint.protocol());
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  acceptor.set_option(net::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>(true));
  acceptor.bind(endpoint);
  acceptor.listen(net::socket_base::max_listen_connections);
}

}  // namespace

HttpServer::HttpServer(const std::string& host, std::uint16_t port, int threads, const HttpLimits& limits,
                       HttpHandler& handler) {
  shared_ = std::make_shared<HttpShared>(limits, handler);
  beast::error_code ec;
  const net::ip::address address = net::ip::make_address(host, ec);
  if (ec) throw Error("listen: '" + host + "' is not an IP address");
  port_ = port;
  for (int i = 0; i < std::max(1, threads); ++i) {
    auto w = std::make_unique<Worker>(*shared_);
    try {
      listen(w->acceptor, tcp::endpoint(address, port_));
    } catch (const boost::system::system_error& e) {
      throw Error("listen: " + host + ":" + std::to_string(port_) + ": " + e.code().message());
    }
    port_ = w->acceptor.local_endpoint().port();
    w->accept();
    w->sweep();
    workers_.push_back(std::move(w));
  }
}

HttpServer::~HttpServer() = default;

std::uint16_t HttpServer::port() const noexcept { return port_; }

void HttpServer::run() {
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < workers_.size(); ++i) threads.emplace_back([w = workers_[i].get()] { w->ioc.run(); });
  workers_.front()->ioc.run();
  for (auto& t : threads) t.join();
}

void HttpServer::stop() {
  shared_->stopping.store(true, std::memory_order_release);
  for (auto& w : workers_) net::post(w->ioc, [w = w.get()] { w->stop(); });
}

std::size_t HttpServer::open_connections() const noexcept { return shared_->open.load(std::memory_order_relaxed); }
std::uint64_t HttpServer::rejected_connections() const noexcept {
  return shared_->rejected.load(std::memory_order_relaxed);
}

}  // namespace geotarget::service
