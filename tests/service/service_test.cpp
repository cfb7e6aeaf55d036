// `geotarget serve` as users run it: the real binary on a loopback port, driven over HTTP.
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "geotarget/allocation_file.hpp"
#include "serve_process.hpp"
#include "test_support.hpp"

using namespace geotarget;
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Json = nlohmann::json;
using namespace std::chrono_literals;
using test::Client;
using test::Reply;
using test::Server;

namespace {

const char* kCampaigns = R"yaml(currency: USD
campaigns:
  - id: west
    budget: 1000
    priority: 10
    target: {include: [US-CA], exclude: [US-06075]}
    offers: [{id: west-10, text: "10% off"}]
  - id: us-members
    budget: 1000
    priority: 5
    target: {include: [US]}
    segment: "tier in ('gold', 'silver')"
    offers:
      - {id: gold-20, segment: "tier == 'gold'"}
      - {id: member-5}
)yaml";


// A plain socket connected to the server (for many connections, or a read that can time out),
// or -1 when the connection was refused: a server shedding load may refuse one.
int try_connect(std::uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) return fd;
  close(fd);
  return -1;
}


// What the server sends until it closes the connection (end of stream or reset); `timed_out`
// when it has done neither within `wait`.
std::string read_until_closed(int fd, std::chrono::milliseconds wait, bool& timed_out) {
  std::string received;
  const auto end = std::chrono::steady_clock::now() + wait;
  timed_out = true;
  for (auto now = std::chrono::steady_clock::now(); now < end; now = std::chrono::steady_clock::now()) {
    pollfd p{fd, POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - now);
    if (poll(&p, 1, static_cast<int>(left.count()) + 1) <= 0) continue;
    char buf[4096];
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      timed_out = false;
      break;
    }
    received.append(buf, static_cast<std::size_t>(n));
  }
  return received;
}

// User plus system CPU time a process has used, from /proc/PID/stat.
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));  // after the command name
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 13; ++i) fields >> field;  // state ... cmajflt: fields 3 to 13
  fields >> utime >> stime;
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::string campaigns_file(const std::filesystem::path& dir) {
  return test::write_file(dir / "campaigns.yaml", kCampaigns).string();
}

Server& shared_server() {
  static const auto dir = test::fresh_dir("service-files-" + std::to_string(getpid()));
  static Server server({"--campaigns", campaigns_file(dir), "--trusted-proxy", "127.0.0.1/32",
                        "--admin-token-file", test::write_file(dir / "token", "s3cret-token-0123456789\n").string()});
  return server;
}

}  // namespace

TEST_CASE("GET /v1/decide answers location, places and today's campaigns, the address truncated") {
  Client c(shared_server().port());
  Reply r = c.get("/v1/decide?ip=63.140.7.9");  // demo database: Los Angeles
  REQUIRE(r.status == 200);
  CHECK(r.raw[http::field::content_type] == "application/json");
  Json j = r.json();
  CHECK(j["ip"] == "63.140.7.0/24");
  CHECK(r.raw.body().find("63.140.7.9") == std::string::npos);
  CHECK(j["found"] == true);
  CHECK(j["location"]["city"] == "Los Angeles");
  CHECK(j["places"]["region"]["id"] == "US-CA");
  CHECK(j["places"]["district"]["id"] == "US-06037");
  CHECK(j["time_zone"] == "America/Los_Angeles");
  REQUIRE(j["campaigns"].size() == 2);
  CHECK(j["campaigns"][0]["id"] == "west");
  CHECK(j["campaigns"][0]["offer"] == "west-10");
  CHECK(j["campaigns"][0]["area_id"] == "US-06037");
  CHECK(j["campaigns"][0]["priority"] == 10);
  CHECK(j["campaigns"][1]["id"] == "us-members");
  CHECK(j["campaigns"][1]["offer"] == "member-5");
  // Demo Chicago record (41.8781,-87.6298): Chicago Loop, GeoNames 8436065, 0.72 km away.
  const Json loop = c.get("/v1/decide?ip=24.12.1.1").json();
  CHECK(loop["places"]["town"]["id"] == "GN-4887398");
  CHECK(loop["places"]["neighbourhood"]["id"] == "GN-8436065");

  Json gold = c.get("/v1/decide?ip=63.140.7.9&segment=tier%3Agold").json();
  CHECK(gold["campaigns"][1]["offer"] == "gold-20");
  Json bronze = c.get("/v1/decide?ip=63.140.7.9&segment=tier:bronze").json();
  CHECK(bronze["campaigns"].size() == 1);

  Json sf = c.get("/v1/decide?ip=63.141.1.1").json();  // San Francisco: excluded from `west`
  CHECK(sf["places"]["district"]["id"] == "US-06075");
  CHECK(sf["campaigns"].size() == 1);

  Json v6 = c.get("/v1/decide?ip=2a00:1450::1").json();
  CHECK(v6["ip"] == "2a00:1450::/48");
  CHECK(v6["places"]["country"]["id"] == "IE");

  Json miss = c.get("/v1/decide?ip=192.168.1.20").json();
  CHECK(miss["found"] == false);
  CHECK(miss["reason"] == "private_use");
  CHECK(miss["campaigns"].empty());
  CHECK(c.get("/v1/decide?ip=8.8.8.8").json()["reason"] == "not_found");
}

TEST_CASE("malformed requests are 400 with a JSON error, and the connection keeps serving") {
  Client c(shared_server().port());
  Reply bad_ip = c.get("/v1/decide?ip=300.1.2.3");
  CHECK(bad_ip.status == 400);
  CHECK(bad_ip.json()["error"] == "invalid_ip");
  CHECK(c.get("/v1/decide?ip=1.2.3.4&segment=tier").json()["error"] == "invalid_segment");
  CHECK(c.get("/v1/decide?ip=%zz").json()["error"] == "invalid_query");
  CHECK(c.get("/v1/locate?lat=91&lon=0").json()["error"] == "invalid_latitude");
  CHECK(c.get("/v1/locate?lat=40&lon=abc").json()["error"] == "invalid_longitude");
  CHECK(c.get("/v1/locate?lat=40").json()["error"] == "invalid_longitude");
  CHECK(c.get("/v1/decide?ip=63.140.7.9").status == 200);
}

TEST_CASE("unknown paths are 404, wrong methods 405 with Allow") {
  Client c(shared_server().port());
  CHECK(c.get("/v2/decide").status == 404);
  CHECK(c.get("/").status == 404);
  Reply wrong = c.send(http::verb::delete_, "/v1/decide");
  CHECK(wrong.status == 405);
  CHECK(wrong.raw[http::field::allow] == "GET, POST");
  CHECK(c.send(http::verb::post, "/healthz", "{}").status == 405);
  CHECK(c.get("/admin/reload").status == 405);
}

TEST_CASE("POST /v1/decide answers a batch in order, a bad item does not spoil the others") {
  Client c(shared_server().port());
  Reply r = c.send(http::verb::post, "/v1/decide",
                   R"([{"ip": "63.140.7.9"}, {"ip": "nonsense"}, {"ip": "63.140.7.9", "segment": {"tier": "gold"}},
                       {"segment": "tier:gold"}, {"ip": "66.0.1.2", "segment": "tier:silver"}])");
  REQUIRE(r.status == 200);
  Json j = r.json();
  REQUIRE(j.size() == 5);
  CHECK(j[0]["location"]["city"] == "Los Angeles");
  CHECK(j[1]["error"] == "invalid_ip");
  CHECK(j[1]["index"] == 1);
  CHECK(j[2]["campaigns"][1]["offer"] == "gold-20");
  CHECK(j[3]["error"] == "invalid_request");
  CHECK(j[4]["places"]["district"]["id"] == "US-36061");  // New York County
  CHECK(j[4]["campaigns"][0]["id"] == "us-members");

  CHECK(c.send(http::verb::post, "/v1/decide", "[{\"ip\": ").json()["error"] == "invalid_json");
  CHECK(c.send(http::verb::post, "/v1/decide", "{\"ip\": \"1.2.3.4\"}").json()["error"] == "invalid_batch");
  std::string big = "[";
  for (int i = 0; i < 1001; ++i) big += std::string(i ? "," : "") + "{\"ip\":\"63.140.7.9\"}";
  Reply too_many = c.send(http::verb::post, "/v1/decide", big + "]");
  CHECK(too_many.status == 413);
  CHECK(too_many.json()["error"] == "batch_too_large");
}

TEST_CASE("GET /v1/locate answers places and campaigns for a point") {
  Client c(shared_server().port());
  Json j = c.get("/v1/locate?lat=34.05&lon=-118.25").json();
  CHECK(j["places"]["district"]["id"] == "US-06037");
  CHECK(j["time_zone"] == "America/Los_Angeles");
  REQUIRE(j["campaigns"].size() == 2);
  CHECK(j["campaigns"][0]["id"] == "west");
  // New York City Hall: town New York City, neighbourhood Financial District (GeoNames 8436473).
  Json hall = c.get("/v1/locate?lat=40.7128&lon=-74.0060").json();
  CHECK(hall["places"]["town"]["id"] == "GN-5128581");
  CHECK(hall["places"]["neighbourhood"]["id"] == "GN-8436473");
  Json sea = c.get("/v1/locate?lat=0&lon=-140").json();  // the Pacific is no place
  CHECK(sea["places"].empty());
  CHECK(sea["time_zone"].is_null());
  CHECK(sea["campaigns"].empty());
}

TEST_CASE("oversized headers are 431 and oversized bodies 413") {
  Client big_header(shared_server().port());
  Reply h = big_header.get("/v1/decide?ip=63.140.7.9", {{"X-Padding", std::string(20000, 'a')}});
  CHECK(h.status == 431);
  Client big_body(shared_server().port());
  Reply b = big_body.send(http::verb::post, "/v1/decide", std::string(2 << 20, ' '));
  CHECK(b.status == 413);
  Client garbage(shared_server().port());
  garbage.write_raw("GARBAGE\r\n\r\n");
  CHECK(garbage.receive().status == 400);
}

TEST_CASE("Transfer-Encoding not ending in chunked, or beside Content-Length, is 400 and closes") {
  // Each of these once answered the request with an empty body and read the next bytes as a
  // request of their own: a request smuggled past any proxy that framed the body otherwise.
  const std::string smuggled = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string length = "Content-Length: " + std::to_string(smuggled.size()) + "\r\n";
  const std::string head = "GET /v1/decide?ip=63.140.7.9 HTTP/1.1\r\nHost: x\r\n";
  for (const std::string& request :
       {head + "Transfer-Encoding: xchunked\r\n\r\n" + smuggled,
        head + "Transfer-Encoding: chunked, identity\r\n\r\n" + smuggled,
        head + "Transfer-Encoding: gzip\r\n\r\n" + smuggled,
        head + "Transfer-Encoding: gzip\r\n" + length + "\r\n" + smuggled,
        head + length + "Transfer-Encoding: chunked\r\n\r\n" + smuggled,
        head + "Transfer-Encoding: chunked\r\n" + length + "\r\n" + smuggled,
        head + "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n" + smuggled,
        std::string("GET /v1/decide?ip=63.140.7.9 HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")}) {
    INFO(request);
    Client c(shared_server().port());
    c.write_raw(request);
    Reply r = c.receive();
    CHECK(r.status == 400);
    CHECK_FALSE(r.raw.keep_alive());
    CHECK(c.closed_by_server());
  }

  Client chunked(shared_server().port());
  const std::string body = R"([{"ip": "63.140.7.9"}, {"ip": "66.0.1.2"}])";
  auto chunk = [](std::string_view s) {
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", s.size());
    return size + std::string(s) + "\r\n";
  };
  chunked.write_raw("POST /v1/decide HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
                    chunk(body.substr(0, 10)) + chunk(body.substr(10)) + "0\r\n\r\n");
  Reply r = chunked.receive();
  REQUIRE(r.status == 200);
  CHECK(r.raw.keep_alive());
  CHECK(r.json()[1]["places"]["district"]["id"] == "US-36061");
  CHECK(chunked.get("/healthz").status == 200);
}

TEST_CASE("responses on the wire: Content-Length frames each body, 204 has none, pipelined requests answer in order") {
  // The server writes responses itself (not Beast's serializer): read here as bytes, framed by
  // RFC 9112 alone.
  const int fd = try_connect(shared_server().port());
  REQUIRE(fd >= 0);
  const std::string requests =
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
      "OPTIONS /v1/decide HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /v1/decide?ip=63.140.7.9 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
      "GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  REQUIRE(send(fd, requests.data(), requests.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(requests.size()));
  bool timed_out = false;
  const std::string wire = read_until_closed(fd, 5000ms, timed_out);
  close(fd);
  CHECK_FALSE(timed_out);

  struct Message {
    std::string head, body;
  };
  std::vector<Message> answers;
  const std::regex length_field("\r\nContent-Length: ([0-9]+)\r\n", std::regex::icase);
  for (std::size_t at = 0; at < wire.size();) {
    const std::size_t end = wire.find("\r\n\r\n", at);
    REQUIRE(end != std::string::npos);
    Message m{wire.substr(at, end + 2 - at), {}};
    std::smatch length;
    if (std::regex_search(m.head, length, length_field)) m.body = wire.substr(end + 4, std::stoul(length[1]));
    at = end + 4 + m.body.size();
    answers.push_back(m);
  }
  REQUIRE(answers.size() == 4);
  CHECK(answers[0].head.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(Json::parse(answers[0].body)["status"] == "ok");
  CHECK(answers[1].head.starts_with("HTTP/1.1 204 No Content\r\n"));
  CHECK(answers[1].head.find("Content-Length") == std::string::npos);
  CHECK(answers[1].head.find("\r\nAllow: GET, POST, OPTIONS\r\n") != std::string::npos);
  CHECK(answers[2].head.starts_with("HTTP/1.0 200 OK\r\n"));
  CHECK(answers[2].head.find("\r\nConnection: keep-alive\r\n") != std::string::npos);
  CHECK(Json::parse(answers[2].body)["ip"] == "63.140.7.0/24");
  CHECK(answers[3].head.starts_with("HTTP/1.1 404 Not Found\r\n"));
  CHECK(answers[3].head.find("\r\nConnection: close\r\n") != std::string::npos);
  CHECK(Json::parse(answers[3].body)["error"] == "not_found");
}

TEST_CASE("without ip: the peer, or X-Forwarded-For only from a trusted proxy") {
  Client c(shared_server().port());  // the peer, 127.0.0.1, is the trusted proxy here
  Json j = c.get("/v1/decide", {{"X-Forwarded-For", "198.51.100.7, 63.140.7.9"}}).json();
  CHECK(j["ip"] == "63.140.7.0/24");
  CHECK(j["location"]["city"] == "Los Angeles");
  CHECK(c.get("/v1/decide").json()["reason"] == "loopback");
  CHECK(c.get("/v1/decide", {{"X-Forwarded-For", "junk"}}).json()["error"] == "invalid_forwarded_for");

  // Several header lines are one list in order (RFC 9110): the client wrote the first one, the
  // trusted proxy appended the second with the client's real address.
  Json two = c.get("/v1/decide", {{"X-Forwarded-For", "63.140.7.9"}, {"X-Forwarded-For", "66.0.1.2"}}).json();
  CHECK(two["places"]["district"]["id"] == "US-36061");  // New York County, not Los Angeles
  Json hop = c.get("/v1/decide", {{"X-Forwarded-For", "198.51.100.7, 63.140.7.9"}, {"X-Forwarded-For", "127.0.0.1"}}).json();
  CHECK(hop["ip"] == "63.140.7.0/24");  // a trusted hop at the end of a line steps into the line before
  CHECK(c.get("/v1/decide", {{"X-Forwarded-For", "63.140.7.9"}, {"X-Forwarded-For", "junk"}}).json()["error"] ==
        "invalid_forwarded_for");

  Server untrusting({}, "service-untrusting");
  Client u(untrusting.port());
  Json ignored = u.get("/v1/decide", {{"X-Forwarded-For", "63.140.7.9"}}).json();
  CHECK(ignored["ip"] == "127.0.0.0/24");
  CHECK(ignored["reason"] == "loopback");
}

TEST_CASE("/healthz and /metrics report the snapshot and the traffic") {
  Client c(shared_server().port());
  Json h = c.get("/healthz").json();
  CHECK(h["status"] == "ok");
  CHECK(h["records"].get<int>() > 0);
  c.get("/v1/decide?ip=63.140.7.9");
  c.get("/v1/decide?ip=bad");
  Reply m = c.get("/metrics");
  REQUIRE(m.status == 200);
  CHECK(m.raw[http::field::content_type].starts_with("text/plain; version=0.0.4"));
  const std::string& text = m.raw.body();
  for (const char* metric : {"geotarget_http_requests_total{endpoint=\"decide\",code=\"200\"}",
                             "geotarget_http_requests_total{endpoint=\"decide\",code=\"400\"}",
                             "geotarget_http_request_duration_seconds_bucket{endpoint=\"decide\",le=\"+Inf\"}",
                             "geotarget_lookups_total{result=\"found\"}", "geotarget_decision_cache_hits_total",
                             "geotarget_reloads_total{result=\"ok\"}", "geotarget_snapshot_age_seconds",
                             "geotarget_decision_table_bytes", "geotarget_open_connections"})
    CHECK(text.find(metric) != std::string::npos);
  std::smatch found;
  REQUIRE(std::regex_search(text, found, std::regex("geotarget_lookups_total\\{result=\"found\"\\} ([0-9]+)")));
  const long before = std::stol(found[1]);
  c.get("/v1/decide?ip=63.140.7.9");
  const std::string after_text = c.get("/metrics").raw.body();
  REQUIRE(std::regex_search(after_text, found, std::regex("geotarget_lookups_total\\{result=\"found\"\\} ([0-9]+)")));
  CHECK(std::stol(found[1]) == before + 1);
}

TEST_CASE("POST /admin/reload needs the bearer token, reloads never fail a request in flight") {
  Server& s = shared_server();
  Client c(s.port());
  CHECK(c.send(http::verb::post, "/admin/reload").status == 401);
  CHECK(c.send(http::verb::post, "/admin/reload", "", {{"Authorization", "Bearer wrong"}}).status == 403);
  const int generation = c.get("/healthz").json()["generation"];

  std::atomic<bool> done{false};
  std::atomic<int> ok{0}, failed{0};
  auto hammer = [&] {
    Client k(s.port());
    for (int i = 0; i < 20000 && !done; ++i) {
      Reply r = k.get("/v1/decide?ip=63.140.7.9");
      (r.status == 200 && r.json()["campaigns"].size() == 2 ? ok : failed)++;
    }
  };
  std::thread a(hammer), b(hammer);
  for (int i = 0; i < 3; ++i) {
    Reply r = c.send(http::verb::post, "/admin/reload", "", {{"Authorization", "Bearer s3cret-token-0123456789"}});
    CHECK(r.status == 200);
    CHECK(r.json()["generation"] == generation + i + 1);
  }
  done = true;
  a.join();
  b.join();
  CHECK(failed == 0);
  CHECK(ok > 0);
  CHECK(c.get("/healthz").json()["generation"] == generation + 3);
}

TEST_CASE("a snapshot that fails to load leaves the old one serving, SIGHUP reloads") {
  const auto dir = test::fresh_dir("service-reload-files-" + std::to_string(getpid()));
  const std::string campaigns = campaigns_file(dir);
  Server s({"--campaigns", campaigns, "--admin-token-file", test::write_file(dir / "token", "another-token-0123456789").string()},
           "service-reload");
  Client c(s.port());
  const std::vector<std::pair<std::string, std::string>> auth = {{"Authorization", "Bearer another-token-0123456789"}};
  test::write_file(campaigns, "campaigns:\n  - id: broken\n    budget: -5\n");
  Reply failed = c.send(http::verb::post, "/admin/reload", "", auth);
  CHECK(failed.status == 500);
  CHECK(failed.json()["error"] == "reload_failed");
  CHECK(failed.json()["detail"].get<std::string>().find("campaigns.yaml") != std::string::npos);
  CHECK(c.get("/healthz").json()["generation"] == 1);
  CHECK(c.get("/v1/decide?ip=63.140.7.9").json()["campaigns"].size() == 2);  // the old snapshot

  campaigns_file(dir);
  s.signal(SIGHUP);
  int generation = 1;
  for (int i = 0; i < 300 && generation == 1; ++i) {
    std::this_thread::sleep_for(100ms);
    generation = c.get("/healthz").json()["generation"];
  }
  CHECK(generation == 2);
  CHECK(s.log().find("reload failed, the previous snapshot keeps serving") != std::string::npos);
}

TEST_CASE("SIGTERM: idle connections close, a request in flight is answered, exit status 0") {
  Server s({}, "service-shutdown");
  Client idle(s.port());
  CHECK(idle.get("/healthz").status == 200);
  Client busy(s.port());
  busy.write_raw("GET /v1/decide?ip=63.140.7.9 HTTP/1.1\r\nHost: x\r\n");  // half a request
  // The server must have read those bytes before the signal, or the connection is idle to it;
  // 200 ms was not always enough on a loaded 2-core machine.
  std::this_thread::sleep_for(1000ms);
  s.signal(SIGTERM);
  CHECK(idle.closed_by_server());
  busy.write_raw("\r\n");
  Reply r = busy.receive();
  CHECK(r.status == 200);
  CHECK_FALSE(r.raw.keep_alive());
  CHECK(s.wait_exit(30s) == 0);
}

TEST_CASE("slow clients time out, connections are capped, logs never hold a full address") {
  const auto dir = test::fresh_dir("service-limits-files-" + std::to_string(getpid()));
  const auto config = test::write_file(dir / "serve.yaml",
                                       "request_timeout_ms: 300\nmax_connections: 2\naccess_log: true\n");
  Server s({"--config", config.string()}, "service-limits");
  Client slow(s.port());
  slow.write_raw("GET /healthz HTTP/1.1\r\n");
  std::this_thread::sleep_for(700ms);
  CHECK(slow.closed_by_server());

  Client first(s.port()), second(s.port());
  CHECK(first.get("/v1/decide?ip=63.140.7.9").status == 200);
  CHECK(second.get("/v1/decide?ip=63.140.200.201").status == 200);
  Client third(s.port());
  CHECK(third.closed_by_server());

  const std::string log = s.log();
  CHECK(log.find("63.140.7.0/24 GET /v1/decide 200") != std::string::npos);
  CHECK(log.find("63.140.7.9") == std::string::npos);
  CHECK(log.find("63.140.200.201") == std::string::npos);
}

TEST_CASE("out of file descriptors: the accept loop backs off and sheds extra connections with 503") {
  Server s({}, "service-fds", 64);
  std::vector<int> held;
  // More than 64 descriptors hold; a connection refused while the server sheds load counts too.
  for (int i = 0; i < 100; ++i)
    if (const int fd = try_connect(s.port()); fd >= 0) held.push_back(fd);
  std::this_thread::sleep_for(300ms);
  const double cpu_before = cpu_seconds(s.pid());
  std::this_thread::sleep_for(1s);
  const double cpu = cpu_seconds(s.pid()) - cpu_before;
  CHECK(cpu < 0.3);  // a loop retrying accept() burns a core per worker

  const std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  bool timed_out = false;
  if (const int extra = try_connect(s.port()); extra >= 0) {  // refused is shedding too
    (void)send(extra, request.data(), request.size(), MSG_NOSIGNAL);  // the server may have closed it already
    const std::string answer = read_until_closed(extra, 3000ms, timed_out);
    CHECK_FALSE(timed_out);
    CHECK((answer.empty() || answer.starts_with("HTTP/1.1 503")));
    close(extra);
  }

  for (int fd : held) close(fd);
  unsigned status = 0;
  for (int i = 0; i < 50 && status != 200; ++i) {
    std::this_thread::sleep_for(100ms);
    const int fd = try_connect(s.port());
    if (fd < 0) continue;
    (void)send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    const std::string healthz = read_until_closed(fd, 500ms, timed_out);
    if (healthz.starts_with("HTTP/1.1 200")) status = 200;
    close(fd);
  }
  CHECK(status == 200);
}

TEST_CASE("unknown query parameters are ignored and counted, request text is never echoed or logged") {
  const auto dir = test::fresh_dir("service-privacy-files-" + std::to_string(getpid()));
  Server s({"--config", test::write_file(dir / "serve.yaml", "access_log: true\n").string()}, "service-privacy");
  Client c(s.port());
  std::vector<Reply> replies;
  replies.push_back(c.get("/v1/decide/9.9.9.9"));
  CHECK(replies.back().status == 404);
  replies.push_back(c.get("/v1/decide?ip=9.9.9.9&9.9.9.8=1"));
  CHECK(replies.back().status == 200);
  CHECK(replies.back().json()["ip"] == "9.9.9.0/24");
  replies.push_back(c.get("/v1/locate?lat=34.05&lon=-118.25&_=123"));  // a cache-buster
  CHECK(replies.back().status == 200);
  replies.push_back(c.send(http::verb::post, "/v1/decide", R"([{"ip": "63.140.7.9", "segment": {"9.9.9.9": [1]}}])"));
  CHECK(replies.back().json()[0]["error"] == "invalid_segment");
  Client odd(s.port());
  odd.write_raw("9.9.9.9 /v1/decide HTTP/1.1\r\nHost: x\r\n\r\n");  // a method is any token
  replies.push_back(odd.receive());
  CHECK(replies.back().status == 405);
  CHECK(c.get("/metrics").raw.body().find("geotarget_http_unknown_parameters_total 2\n") != std::string::npos);

  for (const Reply& r : replies) {
    CHECK(r.raw.body().find("9.9.9.9") == std::string::npos);
    CHECK(r.raw.body().find("9.9.9.8") == std::string::npos);
  }
  const std::string log = s.log();
  CHECK(log.find("9.9.9.9") == std::string::npos);
  CHECK(log.find("9.9.9.8") == std::string::npos);
  CHECK(log.find("127.0.0.0/24 GET other 404") != std::string::npos);
  CHECK(log.find("9.9.9.0/24 GET /v1/decide 200") != std::string::npos);
}

TEST_CASE("serve with --db twice: several databases serve as one, the first that has the address answers") {
  const auto dir = test::fresh_dir("service-two-dbs-files-" + std::to_string(getpid()));
  test::write_file(dir / "v6.csv",
                   "network,latitude,longitude,country_code,state1,city,postcode,timezone\n"
                   "2a03::/16,52.52,13.405,DE,Berlin,Berlin,10115,Europe/Berlin\n"
                   "63.140.7.0/24,40.7128,-74.006,US,New York,New York,10007,America/New_York\n");
  auto built = test::run_cli({"mmdb", "build", (dir / "v6.csv").string(), "-o", (dir / "v6.mmdb").string()});
  REQUIRE(built.exit_code == 0);
  Server s({"--db", (dir / "v6.mmdb").string()}, "service-two-dbs");  // after the demo database
  Client c(s.port());
  Json berlin = c.get("/v1/decide?ip=2a03:1::1").json();  // only in the second
  CHECK(berlin["found"] == true);
  CHECK(berlin["location"]["city"] == "Berlin");
  CHECK(berlin["ip"] == "2a03:1::/48");
  Json la = c.get("/v1/decide?ip=63.140.7.9").json();  // in both: the demo database's answer
  CHECK(la["location"]["city"] == "Los Angeles");
  CHECK(c.get("/healthz").json().dump().find("v6.mmdb") == std::string::npos);  // paths stay private
}

TEST_CASE("bad configuration stops the service with one line naming the field") {
  const auto dir = test::fresh_dir("service-config-" + std::to_string(getpid()));
  auto r = test::run_cli({"serve", "--config", test::write_file(dir / "a.yaml", "max_batch: 0\n").string()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("a.yaml:1: max_batch: must be at least 1") != std::string::npos);
  r = test::run_cli({"serve", "--config", test::write_file(dir / "b.yaml", "listen_on: x\n").string()});
  CHECK(r.err.find("b.yaml:1: listen_on: unknown setting") != std::string::npos);
  r = test::run_cli({"serve", "--listen", "127.0.0.1:0", "--trusted-proxy", "10.0.0.0/33"});
  CHECK(r.err.find("'10.0.0.0/33' is not an address or CIDR network") != std::string::npos);
  r = test::run_cli({"serve", "--listen", "nowhere:80"});
  CHECK(r.err.find("listen") != std::string::npos);
  r = test::run_cli({"serve", "--config", test::write_file(dir / "c.yaml", "db: []\n").string()});
  CHECK(r.err.find("c.yaml:1: db: an empty list names no database") != std::string::npos);
  r = test::run_cli({"serve", "--config", test::write_file(dir / "d.yaml", "db: [/vsicurl/http://x/a.mmdb]\n").string()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("d.yaml:1: db") != std::string::npos);
  r = test::run_cli({"serve", "--listen", "127.0.0.1:0", "--db", (dir / "absent.mmdb").string()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("absent.mmdb") != std::string::npos);
}

TEST_CASE("CORS: configured origins may call decide and locate from a web page, others get no CORS headers") {
  Server s({"--cors-origin", "https://shop.example"}, "service-cors");
  Client c(s.port());
  const std::vector<std::pair<std::string, std::string>> shop = {{"Origin", "https://shop.example"}};
  Reply r = c.get("/v1/decide?ip=63.140.7.9&_=1733131", shop);  // a cache-buster is ignored
  CHECK(r.status == 200);
  CHECK(r.raw[http::field::access_control_allow_origin] == "https://shop.example");
  CHECK(r.raw[http::field::vary] == "Origin");
  r = c.send(http::verb::options, "/v1/decide", "", {{"Origin", "https://shop.example"},
                                                      {"Access-Control-Request-Method", "POST"}});
  CHECK(r.status == 204);
  CHECK(r.raw[http::field::access_control_allow_origin] == "https://shop.example");
  CHECK(r.raw[http::field::access_control_allow_methods] == "GET, POST");
  CHECK(r.raw[http::field::access_control_allow_headers] == "Content-Type");
  r = c.get("/v1/locate?lat=40.78&lon=-73.97", {{"Origin", "https://evil.example"}});
  CHECK(r.status == 200);
  CHECK(r.raw.find(http::field::access_control_allow_origin) == r.raw.end());
  r = c.get("/metrics", shop);  // not an endpoint for web pages
  CHECK(r.raw.find(http::field::access_control_allow_origin) == r.raw.end());
}

TEST_CASE("/healthz and the load log warn when no campaign is active today") {
  const auto dir = test::fresh_dir("service-inactive-files-" + std::to_string(getpid()));
  const auto campaigns = test::write_file(dir / "old.yaml",
      "campaigns:\n  - id: last-year\n    budget: 10\n    dates: {start: 2001-01-01, end: 2001-12-31}\n"
      "    target: {include: [US]}\n").string();
  Server s({"--campaigns", campaigns}, "service-inactive");
  Client c(s.port());
  const Json h = c.get("/healthz").json();
  CHECK(h["campaigns"] == 1);
  CHECK(h["campaigns_active_today"] == 0);
  REQUIRE(h["warnings"].size() == 1);
  CHECK_THAT(h["warnings"][0].get<std::string>(), Catch::Contains("no campaign is active today"));
  CHECK_THAT(s.log(), Catch::Contains("0 of 1 campaigns active today") &&
                          Catch::Contains("warning: no campaign is active today"));
  const Json shared = Client(shared_server().port()).get("/healthz").json();
  CHECK(shared["warnings"].empty());
}

namespace {

// How often `text` occurs in the server's log.
std::size_t occurrences(const std::string& log, const std::string& text) {
  std::size_t n = 0;
  for (std::size_t at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++n;
  return n;
}

// Polls the log until `text` occurs `times` times (at most 30 s).
bool wait_for_log(const Server& s, const std::string& text, std::size_t times = 1) {
  for (int i = 0; i < 300; ++i) {
    if (occurrences(s.log(), text) >= times) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

// Points `link` at `target`, atomically (a new link renamed over the old one).
void point_link(const std::filesystem::path& link, const std::filesystem::path& target) {
  const auto temporary = link.string() + ".new";
  std::filesystem::remove(temporary);
  std::filesystem::create_symlink(target, temporary);
  std::filesystem::rename(temporary, link);
}

// The write end of a FIFO, opened once a reader waits on it (at most 30 s); -1 if none came.
int writer_once_read(const std::filesystem::path& fifo) {
  for (int i = 0; i < 300; ++i) {
    const int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);  // ENXIO while nobody reads
    if (fd >= 0) return fd;
    std::this_thread::sleep_for(100ms);
  }
  return -1;
}

}  // namespace

TEST_CASE("SIGTERM while the first snapshot loads stops serve at once, exit status 0") {
  const auto dir = test::fresh_dir("service-load-term-files-" + std::to_string(getpid()));
  // A FIFO nobody writes to: loading the campaigns blocks on it for as long as the test wants.
  const auto fifo = dir / "campaigns.yaml";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  Server s({"--campaigns", fifo.string()}, "service-load-term", 0, false);
  REQUIRE(wait_for_log(s, "geotarget serve: loading"));
  std::this_thread::sleep_for(500ms);
  s.signal(SIGTERM);
  CHECK(s.wait_exit(5s) == 0);  // before: SIGTERM stayed pending until the load ended (never)
  CHECK_THAT(s.log(), Catch::Contains("SIGTERM while loading, stopped"));
  CHECK(s.log().find("listening") == std::string::npos);
}

TEST_CASE("SIGHUPs during a reload are coalesced into one more and SIGTERM during a reload stops serve") {
  const auto dir = test::fresh_dir("service-reload-signals-files-" + std::to_string(getpid()));
  const auto real = std::filesystem::path(campaigns_file(dir)), fifo = dir / "pipe.yaml", link = dir / "current.yaml";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  point_link(link, real);
  Server s({"--campaigns", link.string()}, "service-reload-signals");
  Client c(s.port());
  point_link(link, fifo);  // the next reload blocks reading the campaigns
  s.signal(SIGHUP);
  REQUIRE(wait_for_log(s, "SIGHUP, reloading"));
  const int writer = writer_once_read(fifo);  // the reload is reading the campaigns now
  REQUIRE(writer >= 0);
  for (int i = 0; i < 3; ++i) {
    s.signal(SIGHUP);
    std::this_thread::sleep_for(100ms);
  }
  REQUIRE(wait_for_log(s, "SIGHUP, reloading", 4));  // the signal thread is not held by the reload
  CHECK(c.get("/healthz").json()["generation"] == 1);  // serving the old snapshot meanwhile
  point_link(link, real);
  const std::string text = kCampaigns;  // the blocked reload reads this and completes
  CHECK(::write(writer, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  ::close(writer);
  REQUIRE(wait_for_log(s, "reloaded snapshot", 2));  // it, then one for the three coalesced SIGHUPs
  std::this_thread::sleep_for(1500ms);
  CHECK(occurrences(s.log(), "reloaded snapshot") == 2);
  CHECK(c.get("/healthz").json()["generation"] == 3);

  point_link(link, fifo);
  s.signal(SIGHUP);
  REQUIRE(wait_for_log(s, "SIGHUP, reloading", 5));
  const int blocked = writer_once_read(fifo);  // held open, never written: the reload waits
  REQUIRE(blocked >= 0);
  s.signal(SIGTERM);
  CHECK(s.wait_exit(5s) == 0);  // without waiting for the blocked reload
  ::close(blocked);
  CHECK_THAT(s.log(), Catch::Contains("SIGTERM, finishing requests in flight"));
}

TEST_CASE("campaigns that target stores answer the nearest store with its distance") {
  const auto dir = test::fresh_dir("service-stores-files-" + std::to_string(getpid()));
  // The demo database puts 63.140.7.9 at 34.0522, -118.2437 (Los Angeles).
  test::write_file(dir / "stores.csv", "id,name,lat,lon\nla-far,Pasadena,34.1478,-118.1445\nla-1,Downtown,34.0407,-118.2468\n");
  const auto campaigns = test::write_file(dir / "campaigns.yaml",
      "campaigns:\n"
      "  - {id: chain, budget: 100, priority: 2, level: store, target: {stores: stores.csv, radius_km: 20}}\n"
      "  - {id: state, budget: 100, priority: 1, target: {include: [US-CA]}}\n");
  Server s({"--campaigns", campaigns.string()}, "service-stores");
  Client c(s.port());
  const Json answer = c.get("/v1/decide?ip=63.140.7.9").json();
  REQUIRE(answer["campaigns"].size() == 2);
  const Json& chain = answer["campaigns"][0];
  CHECK(chain["id"] == "chain");
  CHECK(chain["store"]["id"] == "la-1");
  CHECK(chain["store"]["name"] == "Downtown");
  CHECK(chain["store"]["km"] == 1.3);  // 1.3073 km (Vincenty)
  CHECK(chain["area_id"] == "la-1");    // level: store, the area is the store's catchment
  CHECK(answer["campaigns"][1].count("store") == 0);
  const Json point = c.get("/v1/locate?lat=34.1400&lon=-118.1500").json();
  REQUIRE(point["campaigns"].size() >= 1);
  CHECK(point["campaigns"][0]["store"]["id"] == "la-far");
}

namespace {

// A campaigns file running from yesterday to tomorrow (UTC), spending as fast as visitors come
// (pacing asap, so that every decision spends), and its allocation by the real allocator.
struct BudgetFiles {
  std::string campaigns, allocation;
};

std::string iso_day(std::int64_t offset_days) {
  const auto day = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()) + std::chrono::days{offset_days};
  const std::chrono::year_month_day ymd{day};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return text;
}

BudgetFiles budget_files(const std::filesystem::path& dir, const std::string& budget, const std::string& cost) {
  const std::string text = "currency: USD\ncampaigns:\n"
                           "  - id: ny-paced\n    budget: " + budget + "\n    cost_per_decision: " + cost +
                           "\n    pacing: asap\n    priority: 10\n    dates: {start: " + iso_day(-1) + ", end: " + iso_day(1) +
                           "}\n    target: {include: [US-NY]}\n    offers: [{id: ny-offer}]\n"
                           "    allocation: {method: proportional}\n"
                           "  - id: everywhere\n    budget: 1\n    priority: 1\n    target: {include: [US]}\n"
                           "    offers: [{id: everywhere-offer}]\n";
  BudgetFiles f{test::write_file(dir / "campaigns.yaml", text).string(), (dir / "alloc.json").string()};
  const CampaignSet set = load_campaigns(f.campaigns);
  AllocationFile allocation;
  std::vector<AllocationArea> areas(2);
  areas[0].id = "US-36061";
  areas[1].id = "US-36047";
  for (AllocationArea& a : areas) a.audience = 10;  // district, the default level
  allocation.campaigns.push_back(allocate_budget(set.campaigns[0], areas));
  write_allocation_file(allocation, f.allocation);
  return f;
}

std::vector<std::string> campaign_ids(const Json& decision) {
  std::vector<std::string> ids;
  for (const Json& c : decision["campaigns"]) ids.push_back(c["id"].get<std::string>());
  return ids;
}

Json budget_area(Client& c, const std::string& area) {
  const Json budget = c.get("/v1/budget").json();
  for (const Json& a : budget["campaigns"][0]["areas"])
    if (a["area_id"] == area) return a;
  return Json();
}

}  // namespace

TEST_CASE("budget: decisions spend from the visitor's area, an area without budget is not offered, the next candidate is") {
  const auto dir = test::fresh_dir("budget-spend-files-" + std::to_string(getpid()));
  const BudgetFiles f = budget_files(dir, "2.00", "0.25");  // 1.00 per district: four decisions each
  Server s({"--campaigns", f.campaigns, "--allocation", f.allocation}, "budget-spend");
  Client c(s.port());
  for (int i = 0; i < 4; ++i)
    CHECK(campaign_ids(c.get("/v1/decide?ip=66.0.0." + std::to_string(i)).json()) == std::vector<std::string>{"ny-paced", "everywhere"});
  CHECK(campaign_ids(c.get("/v1/decide?ip=66.0.0.9").json()) == std::vector<std::string>{"everywhere"});
  CHECK(campaign_ids(c.get("/v1/decide?ip=66.1.0.1").json()) == std::vector<std::string>{"ny-paced", "everywhere"});  // Kings
  const Json budget = c.get("/v1/budget").json();
  REQUIRE(budget["campaigns"].size() == 1);
  CHECK(budget["campaigns"][0]["id"] == "ny-paced");
  CHECK(budget["campaigns"][0]["planned_cents"] == 200);
  CHECK(budget["campaigns"][0]["spent_cents"] == 125);
  CHECK(budget_area(c, "US-36061")["spent_cents"] == 100);
  CHECK(budget_area(c, "US-36047")["spent_cents"] == 25);
  CHECK(budget_area(c, "US-36061")["time_zone"] == "America/New_York");

  const Reply counted = c.send(http::verb::post, "/v1/events", R"({"offer_id":"ny-offer","ip":"66.1.77.1"})");
  CHECK(counted.status == 202);
  CHECK(counted.json()["counted"] == true);
  CHECK(c.send(http::verb::post, "/v1/events", R"({"offer_id":"ny-offer","ip":"24.12.0.1"})").json()["counted"] == false);
  CHECK(c.send(http::verb::post, "/v1/events", R"({"offer_id":7})").status == 400);
  CHECK(budget_area(c, "US-36047")["conversions"] == 1);
  const std::string metrics = c.get("/metrics").raw.body();
  CHECK_THAT(metrics, Catch::Contains("geotarget_budget_spent_cents{campaign=\"ny-paced\",area=\"US-36061\"} 100\n"));
  CHECK_THAT(metrics, Catch::Contains("geotarget_budget_conversions{campaign=\"ny-paced\",area=\"US-36047\"} 1\n"));
  CHECK_THAT(metrics, Catch::Contains("geotarget_events_total{result=\"counted\"} 1\n"));
  CHECK_THAT(metrics, Catch::Contains("geotarget_events_total{result=\"unattributed\"} 1\n"));
  CHECK(s.log().find("66.1.77.1") == std::string::npos);
}

TEST_CASE("embedded ledger across kill -9: flushed spend survives, at most one flush interval of it is lost") {
  const auto dir = test::fresh_dir("budget-kill-files-" + std::to_string(getpid()));
  const BudgetFiles f = budget_files(dir, "1000.00", "0.01");
  const std::string ledger = (dir / "spend.ledger").string();
  const std::vector<std::string> args = {"--campaigns", f.campaigns, "--allocation", f.allocation, "--ledger", ledger};
  {
    Server s(args, "budget-kill");
    Client c(s.port());
    for (int i = 0; i < 50; ++i) REQUIRE(c.get("/v1/decide?ip=66.0.1." + std::to_string(i)).json()["campaigns"].size() == 2);
    std::this_thread::sleep_for(2500ms);  // more than one flush interval (1 s)
    s.signal(SIGKILL);
    REQUIRE(s.wait_exit(5s) == 128 + SIGKILL);
  }
  std::int64_t recorded = 0;
  {
    Server s(args, "budget-kill");
    Client c(s.port());
    CHECK(budget_area(c, "US-36061")["spent_cents"] == 50);  // all of it was flushed before the kill
    for (int i = 0; i < 30; ++i) REQUIRE(c.get("/v1/decide?ip=66.0.2." + std::to_string(i)).json()["campaigns"].size() == 2);
    s.signal(SIGKILL);  // at once: what was spent since the last flush may be lost
    REQUIRE(s.wait_exit(5s) == 128 + SIGKILL);
  }
  Server s(args, "budget-kill");
  Client c(s.port());
  recorded = budget_area(c, "US-36061")["spent_cents"].get<std::int64_t>();
  CHECK(recorded >= 50);  // the 30 decisions took well under one flush interval: they may all be lost
  CHECK(recorded <= 80);  // never more than was spent
  CHECK(test::read_file(ledger).find("\"spent_cents\":" + std::to_string(recorded)) != std::string::npos);
}
