// `geotarget serve` as a test runs it: the real binary on a loopback port (Server), and a
// keep-alive HTTP client (Client) to drive it. Used by service_test and the replica tests.
#pragma once

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace geotarget::test {

namespace serve_detail {
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Json = nlohmann::json;
using namespace std::chrono_literals;
}  // namespace serve_detail
using namespace serve_detail;

// The running server; killed (if still alive) when the test ends. `max_files` > 0 lowers its
// limit of open file descriptors (RLIMIT_NOFILE). Without `wait_listening`, the constructor
// returns once the process has started, without waiting for it to listen (wait_until_listening()
// does, later).
class Server {
 public:
  explicit Server(const std::vector<std::string>& extra, const std::string& name = "service", rlim_t max_files = 0,
                  bool wait_listening = true) {
    dir_ = test::fresh_dir(name + "-" + std::to_string(getpid()));  // test cases run in parallel
    log_ = test::write_file(dir_ / "stderr.log", "");
    std::vector<std::string> args = {GEOTARGET_CLI, "serve", "--listen", "127.0.0.1:0", "--threads", "2",
                                     "--db", GEOTARGET_DEMO_DB};
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = fork();
    if (pid_ == 0) {
      freopen(log_.c_str(), "w", stderr);
      freopen("/dev/null", "w", stdout);
      const rlimit files{max_files, max_files};
      if (max_files > 0 && setrlimit(RLIMIT_NOFILE, &files) != 0) _exit(126);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    if (wait_listening) wait_until_listening();
  }
  /// Waits (at most a minute) for the "listening on ... (port N)" line and keeps the port.
  void wait_until_listening() {
    const std::regex listening("listening on .* \\(port ([0-9]+)\\)");
    for (int i = 0; i < 600 && port_ == 0; ++i) {
      std::smatch m;
      const std::string text = log();
      if (std::regex_search(text, m, listening)) port_ = static_cast<std::uint16_t>(std::stoi(m[1]));
      else std::this_thread::sleep_for(100ms);
    }
    REQUIRE(port_ != 0);
  }
  ~Server() {
    if (pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] std::string log() const { return test::read_file(log_); }
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
  void signal(int sig) const { kill(pid_, sig); }
  /// The exit status, or -1 when the process is still running after `wait`.
  int wait_exit(std::chrono::seconds wait) {
    for (auto end = std::chrono::steady_clock::now() + wait; std::chrono::steady_clock::now() < end;) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(50ms);
    }
    return -1;
  }

 private:
  std::filesystem::path dir_, log_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

struct Reply {
  unsigned status = 0;
  http::response<http::string_body> raw;
  Json json() const { return Json::parse(raw.body()); }
};

// One connection to the server, kept alive between requests.
class Client {
 public:
  explicit Client(std::uint16_t port) : socket_(io_) { socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port)); }

  Reply send(http::verb verb, const std::string& target, const std::string& body = "",
             const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "localhost");
    for (const auto& [k, v] : headers) req.insert(k, v);  // insert: a name may come twice
    if (!body.empty()) req.body() = body;
    req.prepare_payload();
    http::write(socket_, req);
    return receive();
  }
  Reply get(const std::string& target, const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    return send(http::verb::get, target, "", headers);
  }
  Reply receive() {
    Reply r;
    http::read(socket_, buffer_, r.raw);
    r.status = r.raw.result_int();
    return r;
  }
  void write_raw(const std::string& bytes) { net::write(socket_, net::buffer(bytes)); }
  /// True when the server has closed the connection (reads hit end of stream).
  bool closed_by_server() {
    char c;
    beast::error_code ec;
    socket_.read_some(net::buffer(&c, 1), ec);
    return ec == net::error::eof || ec == net::error::connection_reset;
  }

 private:
  net::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

}  // namespace geotarget::test
