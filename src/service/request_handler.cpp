#include "request_handler.hpp"

#include <boost/container/small_vector.hpp>
#include <charconv>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "answers.hpp"
#include "query.hpp"

namespace geotarget::service {

namespace http = boost::beast::http;

namespace {

using Clock = std::chrono::steady_clock;
using Attributes = std::array<std::pair<std::string_view, std::string_view>, 16>;
using Choices = std::array<CampaignChoice, 64>;

/// The outcome of one endpoint: status, body and, for errors, nothing else to do.
struct Reply {
  http::status status = http::status::ok;
  std::string body;
  const char* content_type = "application/json";
};

Reply error(http::status status, std::string_view code, std::string_view detail = {}) {
  Reply r{status, {}};
  write_error(r.body, code, detail.substr(0, 120));
  return r;
}

std::string_view to_view(boost::beast::string_view s) { return {s.data(), s.size()}; }

bool same_token(std::string_view given, const std::string& expected) {
  unsigned char diff = given.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < expected.size(); ++i)
    diff |= static_cast<unsigned char>(expected[i] ^ (i < given.size() ? given[i] : 0));
  return diff == 0;
}

// The visitor behind a trusted proxy, from every X-Forwarded-For line: reading only the first
// would let a client write the hop a proxy is about to append as a line of its own.
ForwardedStatus forwarded_visitor(const TrustedProxies& proxies, const Request& request, const IpAddress& peer,
                                  IpAddress& out) {
  boost::container::small_vector<std::string_view, 4> lines;  // Beast keeps them together, in order
  const auto [first, last] = request.equal_range("X-Forwarded-For");
  for (auto i = first; i != last; ++i) lines.push_back(to_view(i->value()));
  return proxies.visitor(peer, {lines.data(), lines.size()}, out);
}

// The request path's generator for pacing draws: one per thread, seeded from its address and
// the clock (the draws need to be independent, not secret).
std::uint64_t& pacing_random() {
  thread_local std::uint64_t state =
      reinterpret_cast<std::uintptr_t>(&state) ^ static_cast<std::uint64_t>(Clock::now().time_since_epoch().count());
  return state;
}

// Visitor attributes from the `segment` parameter; false with an error reply when malformed.
bool read_segment(const std::string* text, Attributes& storage, VisitorAttributes& out, Reply& failure) {
  std::size_t count = 0, bad = 0;
  if (!parse_visitor_attributes(*text, storage, count, bad)) {
    failure = error(http::status::bad_request, "invalid_segment",
                    "segment: pair " + std::to_string(bad) + " is not column:value (at most 16 pairs)");
    return false;
  }
  out = VisitorAttributes(storage.data(), count);
  return true;
}

class Endpoints {
 public:
  Endpoints(ServiceContext& context, const Request& request, const Query& query)
      : context_(context), request_(request), query_(query) {}

  Reply decide_one(const IpAddress& peer, IpAddress& visitor);
  Reply decide_batch();
  Reply locate();
  Reply budget();
  Reply event(const IpAddress& peer, IpAddress& visitor);
  Reply healthz();
  Reply metrics();

 private:
  void answer(JsonWriter& w, const Snapshot& snapshot, const IpAddress& ip, const VisitorAttributes* visitor);
  void answer_item(JsonWriter& w, const Snapshot& snapshot, const nlohmann::json& item, std::size_t index);

  ServiceContext& context_;
  const Request& request_;
  const Query& query_;
  std::int64_t today_ = DecisionTable::today();
};

void Endpoints::answer(JsonWriter& w, const Snapshot& snapshot, const IpAddress& ip,
                       const VisitorAttributes* visitor) {
  const DecisionTable& table = *snapshot.table;
  const Decision d = table.decide(ip);
  context_.metrics().lookup(d.status);
  context_.metrics().decision_cache(d.status == LookupStatus::found);
  Choices chosen;
  std::size_t n = table.choose(d, today_, visitor, chosen);
  if (snapshot.delivery) n = snapshot.delivery->spend(d, {chosen.data(), n}, pacing_random());
  write_decision(w, ip, d, {chosen.data(), n}, snapshot.places_json);
}

Reply Endpoints::decide_one(const IpAddress& peer, IpAddress& visitor) {
  if (const std::string* ip = query_.get("ip")) {
    if (!parse_ip(*ip, visitor)) {
      context_.metrics().lookup(LookupStatus::invalid_ip);
      return error(http::status::bad_request, "invalid_ip", "ip: not an IPv4 or IPv6 address");
    }
  } else if (forwarded_visitor(context_.trusted_proxies(), request_, peer, visitor) != ForwardedStatus::ok) {
    return error(http::status::bad_request, "invalid_forwarded_for", "X-Forwarded-For: a hop is not an address");
  }
  Attributes storage;
  VisitorAttributes attributes;
  Reply failure;
  const std::string* segment = query_.get("segment");
  if (segment && !read_segment(segment, storage, attributes, failure)) return failure;
  Reply r;
  r.body.reserve(1024);  // one allocation for a typical answer, instead of one per doubling
  JsonWriter w(r.body);
  answer(w, context_.snapshot(), visitor, segment ? &attributes : nullptr);
  return r;
}

void Endpoints::answer_item(JsonWriter& w, const Snapshot& snapshot, const nlohmann::json& item, std::size_t index) {
  auto fail = [&](std::string_view code, std::string_view detail) {
    w.begin_object().key("index").integer(static_cast<std::int64_t>(index)).key("error").string(code);
    w.key("detail").string(detail).end_object();
  };
  IpAddress ip;
  if (!item.is_object() || !item.contains("ip") || !item["ip"].is_string())
    return fail("invalid_request", "each request must be an object with \"ip\" as a string");
  if (!parse_ip(item["ip"].get_ref<const std::string&>(), ip)) {
    context_.metrics().lookup(LookupStatus::invalid_ip);
    return fail("invalid_ip", "ip: not an IPv4 or IPv6 address");
  }
  Attributes storage;
  VisitorAttributes attributes;
  std::vector<std::string> values;  // numbers given in a segment object, as text
  const auto segment = item.find("segment");
  if (segment != item.end() && segment->is_string()) {
    std::size_t count = 0, bad = 0;
    if (!parse_visitor_attributes(segment->get_ref<const std::string&>(), storage, count, bad))
      return fail("invalid_segment", "segment: pair " + std::to_string(bad) + " is not column:value");
    attributes = VisitorAttributes(storage.data(), count);
  } else if (segment != item.end() && segment->is_object() && segment->size() <= storage.size()) {
    values.reserve(segment->size());
    std::size_t count = 0;
    for (const auto& [name, value] : segment->items()) {
      // The column's name is not quoted back: it is the client's text, and may be anything.
      if (!value.is_string() && !value.is_number()) return fail("invalid_segment", "segment: a value is not text or a number");
      values.push_back(value.is_string() ? value.get<std::string>() : value.dump());
      storage[count++] = {name, values.back()};
    }
    attributes = VisitorAttributes(storage.data(), count);
  } else if (segment != item.end()) {
    return fail("invalid_segment", "segment: a \"column:value,...\" string or an object of at most 16 columns");
  }
  answer(w, snapshot, ip, segment != item.end() ? &attributes : nullptr);
}

Reply Endpoints::decide_batch() {
  const nlohmann::json doc = nlohmann::json::parse(request_.body(), nullptr, false);
  if (doc.is_discarded()) return error(http::status::bad_request, "invalid_json", "the body is not valid JSON");
  if (!doc.is_array()) return error(http::status::bad_request, "invalid_batch", "the body must be a JSON array");
  const std::size_t max = context_.config().max_batch;
  if (doc.size() > max)
    return error(http::status::payload_too_large, "batch_too_large", "at most " + std::to_string(max) + " requests");
  Reply r;
  JsonWriter w(r.body);
  const Snapshot& snapshot = context_.snapshot();
  w.begin_array();
  for (std::size_t i = 0; i < doc.size(); ++i) answer_item(w, snapshot, doc[i], i);
  w.end_array();
  return r;
}

Reply Endpoints::locate() {
  const std::string* lat_text = query_.get("lat");
  const std::string* lon_text = query_.get("lon");
  LatLng point;
  switch (parse_lat_lng(lat_text ? *lat_text : "", lon_text ? *lon_text : "", point)) {
    case CoordinateStatus::ok: break;
    case CoordinateStatus::invalid_latitude:
      return error(http::status::bad_request, "invalid_latitude", "lat: a number in [-90, 90]");
    case CoordinateStatus::invalid_longitude:
      return error(http::status::bad_request, "invalid_longitude", "lon: a number in [-180, 180]");
  }
  Attributes storage;
  VisitorAttributes attributes;
  Reply failure;
  const std::string* segment = query_.get("segment");
  if (segment && !read_segment(segment, storage, attributes, failure)) return failure;
  const Snapshot& snapshot = context_.snapshot();
  const DecisionTable& table = *snapshot.table;
  thread_local DecisionTable::PointScratch scratch;
  const Decision d = table.decide_point(point, scratch);
  context_.metrics().decision_cache(false);
  Choices chosen;
  const std::size_t n = table.choose(d, today_, segment ? &attributes : nullptr, chosen);
  Reply r;
  JsonWriter w(r.body);
  w.begin_object().key("lat").number(point.lat).key("lon").number(point.lon).key("places");
  snapshot.places_json.write(w, d.places);
  w.key("time_zone").string_or_null(answer_time_zone(d.places, nullptr));
  w.key("campaigns");
  write_campaigns(w, {chosen.data(), n});
  w.end_object();
  return r;
}

// GET /v1/budget: planned, spent and pace of every campaign and area of the allocation, and the
// overspend bound: what one replica may spend past an area's plan (0 for the embedded ledger;
// N replicas over Redis: N times it, D40).
Reply Endpoints::budget() {
  const Snapshot& s = context_.snapshot();
  Reply r;
  JsonWriter w(r.body);
  w.begin_object();
  if (!s.delivery) {
    w.key("allocation").null().key("campaigns").begin_array().end_array().end_object();
    return r;
  }
  const Delivery& delivery = *s.delivery;
  const auto now = std::chrono::system_clock::now();
  const std::span<const BudgetAccount> accounts = delivery.accounts();
  w.key("allocation").string(context_.config().allocation);
  w.key("ledger_connected").boolean(delivery.ledger()->connected()).key("campaigns").begin_array();
  for (std::size_t first = 0; first < accounts.size();) {
    std::size_t end = first;
    std::int64_t planned = 0, spent = 0, bound = 0;
    for (; end < accounts.size() && accounts[end].campaign_id == accounts[first].campaign_id; ++end) {
      const AccountFigures f = delivery.figures(end, now);
      planned += f.planned_cents;
      spent += f.spent_cents;
      bound += delivery.ledger()->overspend_bound_cents(end);
    }
    w.begin_object().key("id").string(accounts[first].campaign_id).key("planned_cents").integer(planned);
    w.key("spent_cents").integer(spent).key("overspend_bound_cents_per_replica").integer(bound);
    w.key("areas").begin_array();
    for (std::size_t a = first; a < end; ++a) {
      const AccountFigures f = delivery.figures(a, now);
      w.begin_object().key("area_id").string(accounts[a].area_id).key("planned_cents").integer(f.planned_cents);
      w.key("spent_cents").integer(f.spent_cents).key("target_cents").integer(f.target_cents).key("pace").number(f.pace);
      w.key("pass_probability").number(f.pass_probability).key("conversions").integer(f.conversions);
      w.key("time_zone").string(delivery.time_zone(a));
      w.key("overspend_bound_cents_per_replica").integer(delivery.ledger()->overspend_bound_cents(a)).end_object();
    }
    w.end_array().end_object();
    first = end;
  }
  w.end_array().end_object();
  return r;
}

// POST /v1/events: {"offer_id": "...", "ip": "..."} (ip: else the visitor behind the proxies),
// a conversion counted against the visitor's area. The address is used for the lookup only.
Reply Endpoints::event(const IpAddress& peer, IpAddress& visitor) {
  const nlohmann::json doc = nlohmann::json::parse(request_.body(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return error(http::status::bad_request, "invalid_event", "the body must be a JSON object");
  const auto offer = doc.find("offer_id");
  if (offer == doc.end() || !offer->is_string() || offer->get_ref<const std::string&>().empty() ||
      offer->get_ref<const std::string&>().size() > 256)
    return error(http::status::bad_request, "invalid_event", "offer_id: a string of 1 to 256 bytes");
  const auto ip = doc.find("ip");
  if (ip != doc.end()) {
    if (!ip->is_string() || !parse_ip(ip->get_ref<const std::string&>(), visitor))
      return error(http::status::bad_request, "invalid_ip", "ip: not an IPv4 or IPv6 address");
  } else if (forwarded_visitor(context_.trusted_proxies(), request_, peer, visitor) != ForwardedStatus::ok) {
    return error(http::status::bad_request, "invalid_forwarded_for", "X-Forwarded-For: a hop is not an address");
  }
  const Snapshot& s = context_.snapshot();
  const bool counted = s.delivery && s.delivery->record_conversion(s.table->decide(visitor), offer->get_ref<const std::string&>());
  context_.metrics().event(counted);
  Reply r{http::status::accepted, {}};
  JsonWriter(r.body).begin_object().key("counted").boolean(counted).end_object();
  return r;
}

Reply Endpoints::healthz() {
  const Snapshot& s = context_.snapshot();
  const Gauges g = context_.gauges();
  Reply r;
  JsonWriter w(r.body);
  w.begin_object().key("status").string("ok").key("generation").integer(static_cast<std::int64_t>(s.generation));
  w.key("snapshot_age_seconds").number(g.snapshot_age_seconds);
  w.key("database_type").string(s.table->resolver().info().database_type);
  w.key("records").integer(static_cast<std::int64_t>(s.table->stats().records));
  const std::size_t campaigns = s.table->campaigns().campaigns.size();
  const std::size_t active = s.table->active_campaigns(DecisionTable::today());
  w.key("campaigns").integer(static_cast<std::int64_t>(campaigns));
  w.key("campaigns_active_today").integer(static_cast<std::int64_t>(active));
  w.key("warnings").begin_array();
  if (campaigns > 0 && active == 0) w.string("no campaign is active today: every decision answers places only");
  w.end_array().end_object();
  return r;
}

Reply Endpoints::metrics() {
  return Reply{http::status::ok, context_.metrics().render(context_.gauges(), context_.snapshot().delivery.get()),
               "text/plain; version=0.0.4; charset=utf-8"};
}

struct Route {
  std::string_view path;
  Endpoint get, post;  // Endpoint::other: method not allowed
  const char* allow;
};

constexpr std::array<Route, 7> kRoutes = {{
    {"/v1/decide", Endpoint::decide, Endpoint::decide_batch, "GET, POST"},
    {"/v1/locate", Endpoint::locate, Endpoint::other, "GET"},
    {"/v1/budget", Endpoint::budget, Endpoint::other, "GET"},
    {"/v1/events", Endpoint::other, Endpoint::events, "POST"},
    {"/healthz", Endpoint::healthz, Endpoint::other, "GET"},
    {"/metrics", Endpoint::metrics, Endpoint::other, "GET"},
    {"/admin/reload", Endpoint::other, Endpoint::admin_reload, "POST"},
}};

const Route* find_route(std::string_view path) {
  const auto route = std::find_if(kRoutes.begin(), kRoutes.end(), [&](const Route& r) { return r.path == path; });
  return route == kRoutes.end() ? nullptr : &*route;
}

// The query parameters an endpoint reads. Others are ignored (a cache-buster such as `_=123`
// is common) and only counted.
std::span<const std::string_view> parameters(Endpoint endpoint) {
  static constexpr std::array<std::string_view, 2> kDecide = {"ip", "segment"};
  static constexpr std::array<std::string_view, 3> kLocate = {"lat", "lon", "segment"};
  if (endpoint == Endpoint::decide) return kDecide;
  if (endpoint == Endpoint::locate) return kLocate;
  return {};
}

// Sets Access-Control-Allow-Origin when the request's Origin is one the config allows, for the
// endpoints a web page may call. The Origin is echoed only when it equals a configured one.
bool allow_origin(const Request& request, const Route* route, const std::vector<std::string>& allowed, Response& res) {
  const std::string_view origin = to_view(request[http::field::origin]);
  if (origin.empty() || !route || (route->path != "/v1/decide" && route->path != "/v1/locate" && route->path != "/v1/events"))
    return false;
  const bool any = std::find(allowed.begin(), allowed.end(), "*") != allowed.end();
  if (!any && std::find(allowed.begin(), allowed.end(), origin) == allowed.end()) return false;
  res.set(http::field::access_control_allow_origin, any ? std::string("*") : std::string(origin));
  res.set(http::field::vary, "Origin");
  return true;
}

// OPTIONS: 204 with the methods and headers a browser may use, when the origin is allowed.
Reply preflight(bool cors, const Route& route, Response& res) {
  res.set(http::field::allow, std::string(route.allow) + ", OPTIONS");
  if (cors) {
    res.set(http::field::access_control_allow_methods, route.allow);
    res.set(http::field::access_control_allow_headers, "Content-Type");
    res.set(http::field::access_control_max_age, "600");
  }
  return Reply{http::status::no_content, {}, "text/plain"};
}

void fill(Response& res, Reply& r) {
  res.result(r.status);
  res.set(http::field::content_type, r.content_type);
  res.set(http::field::cache_control, "no-store");
  res.body() = std::move(r.body);
}

// Metrics and the access log for one answered request. The log names the visitor only by its
// /24 or /48 network, and the request by its route (the endpoint's path, or `other`) and a
// known method: the path and the query as sent, and a method token, may hold anything,
// an address included.
void finish(ServiceContext& context, Endpoint endpoint, unsigned status, Clock::time_point start,
            const IpAddress& visitor, http::verb verb, std::string_view route) {
  const auto latency = Clock::now() - start;
  context.metrics().request(endpoint, status, latency);
  if (!context.config().access_log) return;
  const std::string_view method = verb == http::verb::unknown ? "other" : to_view(http::to_string(verb));
  std::fprintf(stderr, "%s %.*s %.*s %u %.3fms\n", visitor.to_private_string().c_str(), static_cast<int>(method.size()),
               method.data(), static_cast<int>(route.size()), route.data(), status,
               std::chrono::duration<double, std::milli>(latency).count());
}

}  // namespace

bool RequestHandler::handle(const Request& request, const IpAddress& peer, Response& response,
                            const Deferral& defer) {
  const auto start = Clock::now();
  Query query;
  IpAddress visitor = peer;
  Endpoint endpoint = Endpoint::other;
  Reply reply;
  const bool parsed = query.parse(to_view(request.target())) == Query::Status::ok;  // the path is set either way
  const Route* route = find_route(query.path());
  const bool cors = allow_origin(request, route, context_.config().cors_origins, response);
  if (parsed && route && request.method() == http::verb::options) {
    reply = preflight(cors, *route, response);
  } else if (!parsed) {
    reply = error(http::status::bad_request, "invalid_query", "the query string is malformed or has over 8 parameters");
  } else {
    const bool get = request.method() == http::verb::get, post = request.method() == http::verb::post;
    endpoint = !route ? Endpoint::other : get ? route->get : post ? route->post : Endpoint::other;
    if (endpoint != Endpoint::other) context_.metrics().unknown_parameters(query.count_unknown(parameters(endpoint)));
    Endpoints e(context_, request, query);
    switch (endpoint) {
      case Endpoint::decide: reply = e.decide_one(peer, visitor); break;
      case Endpoint::decide_batch: reply = e.decide_batch(); break;
      case Endpoint::locate: reply = e.locate(); break;
      case Endpoint::budget: reply = e.budget(); break;
      case Endpoint::events: reply = e.event(peer, visitor); break;
      case Endpoint::healthz: reply = e.healthz(); break;
      case Endpoint::metrics: reply = e.metrics(); break;
      case Endpoint::admin_reload: return reload(request, peer, response, defer, start);
      case Endpoint::other:
        if (!route) {
          reply = error(http::status::not_found, "not_found", "no such endpoint");
        } else {
          reply = error(http::status::method_not_allowed, "method_not_allowed", route->allow);
          response.set(http::field::allow, route->allow);
        }
        break;
    }
  }
  fill(response, reply);
  finish(context_, endpoint, static_cast<unsigned>(reply.status), start, visitor, request.method(),
         route ? route->path : "other");
  return true;
}

bool RequestHandler::reload(const Request& request, const IpAddress& peer, Response& response,
                            const Deferral& defer, Clock::time_point start) {
  auto reject = [&](http::status status, std::string_view code, std::string_view detail) {
    Reply r = error(status, code, detail);
    fill(response, r);
    finish(context_, Endpoint::admin_reload, static_cast<unsigned>(status), start, peer, http::verb::post, "/admin/reload");
    return true;
  };
  const std::string& token = context_.token();
  if (token.empty()) return reject(http::status::forbidden, "admin_disabled", "no admin token is configured");
  const std::string_view auth = to_view(request[http::field::authorization]);
  if (!auth.starts_with("Bearer ")) {
    response.set(http::field::www_authenticate, "Bearer realm=\"geotarget\"");
    return reject(http::status::unauthorized, "unauthorized", "Authorization: Bearer <token> required");
  }
  if (!same_token(auth.substr(7), token)) return reject(http::status::forbidden, "forbidden", "wrong token");
  const unsigned version = request.version();
  context_.request_reload([this, later = defer(), start, peer, version](const std::string& failure) {
    Response res{failure.empty() ? http::status::ok : http::status::internal_server_error, version};
    Reply r = failure.empty() ? Reply{} : error(http::status::internal_server_error, "reload_failed", failure);
    if (failure.empty()) {
      const Snapshot& s = context_.snapshot();
      JsonWriter w(r.body);
      w.begin_object().key("reloaded").boolean(true).key("generation").integer(static_cast<std::int64_t>(s.generation));
      w.key("load_seconds").number(s.table->stats().load_seconds).end_object();
    }
    fill(res, r);
    finish(context_, Endpoint::admin_reload, res.result_int(), start, peer, http::verb::post, "/admin/reload");
    later(std::move(res));
  });
  return false;
}

void RequestHandler::rejected(unsigned status) {
  context_.metrics().request(Endpoint::other, status, std::chrono::nanoseconds{0});
}

}  // namespace geotarget::service
