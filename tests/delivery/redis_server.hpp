// A real redis-server for the tests: started on a free loopback port with its files in a fresh
// test folder and no persistence (--save '' --appendonly no), stopped (and restarted on the
// same port) at will, killed when the fixture ends. `query` talks to it directly with hiredis,
// so the tests read what Redis holds without the code under test.
#pragma once

#include <hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace geotarget::test {

/// The redis-server program on PATH (or /usr/bin); empty when it is not installed.
inline std::filesystem::path redis_server_program() {
  std::string path = std::getenv("PATH") != nullptr ? std::getenv("PATH") : "";
  path += ":/usr/bin:/usr/sbin";
  for (std::size_t begin = 0; begin <= path.size();) {
    const std::size_t end = std::min(path.find(':', begin), path.size());
    const std::filesystem::path candidate = std::filesystem::path(path.substr(begin, end - begin)) / "redis-server";
    if (end > begin && access(candidate.c_str(), X_OK) == 0) return candidate;
    begin = end + 1;
  }
  return {};
}

/// A loopback TCP port that nothing listens on right now.
inline std::uint16_t free_loopback_port() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
  socklen_t length = sizeof address;
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  close(fd);
  return ntohs(address.sin_port);
}

class RedisServer {
 public:
  /// Without `start_now`, the port is chosen and nothing listens on it until start(). With a
  /// `password`, the server requires it (requirepass) and query() gives it.
  explicit RedisServer(const std::string& name, bool start_now = true, std::string password = "")
      : program_(redis_server_program()), dir_(fresh_dir(name + "-" + std::to_string(getpid()))),
        port_(free_loopback_port()), password_(std::move(password)) {
    if (!program_.empty() && start_now) start();
  }
  ~RedisServer() { stop(SIGKILL); }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  /// False when redis-server is not installed (callers skip loudly).
  [[nodiscard]] bool available() const { return !program_.empty(); }
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::string address() const { return "redis://127.0.0.1:" + std::to_string(port_); }

  /// Starts it on the same port, empty (nothing persists), and waits until it answers PING.
  void start() {
    const std::string port = std::to_string(port_), dir = dir_.string(), log = (dir_ / "redis.log").string();
    pid_ = fork();
    if (pid_ == 0) {
      execl(program_.c_str(), program_.c_str(), "--port", port.c_str(), "--bind", "127.0.0.1", "--dir", dir.c_str(),
            "--logfile", log.c_str(), "--save", "", "--appendonly", "no", "--daemonize", "no", "--requirepass",
            password_.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 200; ++i) {
      if (query({"PING"}) == "PONG") return;
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        FAIL("redis-server exited at start: " << read_file(dir_ / "redis.log"));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    FAIL("redis-server did not answer PING within 5 s");
  }
  /// Stops it (SIGTERM: a clean shutdown; SIGKILL: a crash); what it held is gone.
  void stop(int signal = SIGTERM) {
    if (pid_ <= 0) return;
    kill(pid_, SIGCONT);
    kill(pid_, signal);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  /// Freezes it (SIGSTOP): connections stay open and nothing answers. resume() thaws it.
  void pause() const { kill(pid_, SIGSTOP); }
  void resume() const { kill(pid_, SIGCONT); }

  /// One command on a fresh connection: the answer as text (integers in decimal, nil as "(nil)",
  /// an array as its elements joined by '\n', an error as "ERR: ..."), or "(down)".
  [[nodiscard]] std::string query(const std::vector<std::string>& args) const {
    redisContext* context = redisConnectWithTimeout("127.0.0.1", port_, timeval{1, 0});
    if (context == nullptr || context->err != 0) {
      if (context != nullptr) redisFree(context);
      return "(down)";
    }
    redisSetTimeout(context, timeval{1, 0});
    if (!password_.empty())
      if (auto* auth = static_cast<redisReply*>(redisCommand(context, "AUTH %s", password_.c_str()))) freeReplyObject(auth);
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    for (const auto& a : args) {
      argv.push_back(a.data());
      lengths.push_back(a.size());
    }
    auto* reply = static_cast<redisReply*>(
        redisCommandArgv(context, static_cast<int>(argv.size()), argv.data(), lengths.data()));
    std::string text = reply == nullptr ? "(down)" : text_of(*reply);
    if (reply != nullptr) freeReplyObject(reply);
    redisFree(context);
    return text;
  }
  /// HGETALL as a map (empty when the hash does not exist).
  [[nodiscard]] std::map<std::string, std::string> hash(const std::string& key) const {
    const std::vector<std::string> flat = lines_of(query({"HGETALL", key}));
    std::map<std::string, std::string> fields;
    for (std::size_t i = 0; i + 1 < flat.size(); i += 2) fields[flat[i]] = flat[i + 1];
    return fields;
  }

 private:
  static std::string text_of(const redisReply& reply) {
    switch (reply.type) {
      case REDIS_REPLY_INTEGER: return std::to_string(reply.integer);
      case REDIS_REPLY_NIL: return "(nil)";
      case REDIS_REPLY_ERROR: return "ERR: " + std::string(reply.str, reply.len);
      case REDIS_REPLY_ARRAY: {
        std::string joined;
        for (std::size_t i = 0; i < reply.elements; ++i) joined += text_of(*reply.element[i]) + "\n";
        return joined;
      }
      default: return std::string(reply.str, reply.len);
    }
  }

  std::filesystem::path program_, dir_;
  std::uint16_t port_;
  std::string password_;
  pid_t pid_ = -1;
};

}  // namespace geotarget::test
