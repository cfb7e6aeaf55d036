#include "geotarget/allocation_file.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "audience.hpp"
#include "csv_reader.hpp"
#include "file_output.hpp"
#include "geotarget/error.hpp"

namespace geotarget {

using namespace detail;  // the CSV escape, the audience count, the file writer

namespace {

// ------------------------------------------------------------------ reading

using nlohmann::json;

// The fields of one JSON object; every error names the file and the field's path.
class Fields {
 public:
  Fields(const std::string& file, std::string where, const json& object) : file_(file), where_(std::move(where)), object_(object) {
    if (!object_.is_object()) fail("", "must be an object");
  }

  [[nodiscard]] std::string text(const char* key) const {
    const json& v = required(key);
    if (!v.is_string()) fail(key, "must be a string");
    return v.get<std::string>();
  }
  /// A string, or "" for null or absent.
  [[nodiscard]] std::string optional_text(const char* key) const {
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return {};
    if (!it->is_string()) fail(key, "must be a string or null");
    return it->get<std::string>();
  }
  [[nodiscard]] std::int64_t count(const char* key) const {
    const json& v = required(key);
    if (!v.is_number_integer() || v.get<std::int64_t>() < 0) fail(key, "must be a non-negative integer");
    return v.get<std::int64_t>();
  }
  /// Cents: an integer in [0, kMaxMoneyCents].
  [[nodiscard]] std::int64_t money(const char* key) const {
    const std::int64_t v = count(key);
    if (v > kMaxMoneyCents) fail(key, "is above the maximum of " + std::to_string(kMaxMoneyCents) + " cents");
    return v;
  }
  /// A non-negative integer, or 0 for null or absent.
  [[nodiscard]] std::int64_t optional_count(const char* key) const {
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return 0;
    if (!it->is_number_integer() || it->get<std::int64_t>() < 0) fail(key, "must be a non-negative integer");
    return it->get<std::int64_t>();
  }
  [[nodiscard]] double number(const char* key) const {
    const json& v = required(key);
    if (!v.is_number()) fail(key, "must be a number");
    return v.get<double>();
  }
  [[nodiscard]] double optional_number(const char* key) const {
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return 0;
    if (!it->is_number()) fail(key, "must be a number");
    return it->get<double>();
  }
  /// True when the key is present and not null.
  [[nodiscard]] bool has(const char* key) const {
    auto it = object_.find(key);
    return it != object_.end() && !it->is_null();
  }
  [[nodiscard]] bool optional_bool(const char* key) const {
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return false;
    if (!it->is_boolean()) fail(key, "must be true or false");
    return it->get<bool>();
  }
  /// An array, or nullptr for null or absent.
  [[nodiscard]] const json* optional_array(const char* key) const {
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return nullptr;
    if (!it->is_array()) fail(key, "must be an array");
    return &*it;
  }
  /// An object, or nullptr for null or absent.
  [[nodiscard]] const json* optional_object(const char* key) const {
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return nullptr;
    if (!it->is_object()) fail(key, "must be an object");
    return &*it;
  }
  [[nodiscard]] const json& array(const char* key) const {
    const json& v = required(key);
    if (!v.is_array()) fail(key, "must be an array");
    return v;
  }
  [[nodiscard]] std::string path(const char* key) const { return where_.empty() ? key : where_ + "." + key; }
  [[noreturn]] void fail(const char* key, const std::string& why) const {
    std::string field = *key ? path(key) : where_;
    throw Error(file_ + ": " + (field.empty() ? "" : field + ": ") + why);
  }

 private:
  const json& required(const char* key) const {
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) fail(key, "missing");
    return *it;
  }
  const std::string& file_;
  std::string where_;
  const json& object_;
};

// A store catchment's circle: lat, lon and radius_km together, on a store area only.
RadiusArea read_catchment(const Fields& f, const AreaAllocation& a) {
  if (a.level != PlaceLevel::store) f.fail("lat", "a circle (lat, lon, radius_km) belongs to a store area only");
  RadiusArea circle{{f.number("lat"), f.number("lon")}, f.number("radius_km"), a.name, a.area_id};
  if (!circle.centre.is_valid()) f.fail("lat", "lat and lon must be valid coordinates");
  if (!(circle.km > 0 && circle.km <= 20'100)) f.fail("radius_km", "must be a positive distance in km, at most 20,100");
  return circle;
}

AreaAllocation read_area(const Fields& f) {
  AreaAllocation a;
  a.area_id = f.text("area_id");
  const std::string level = f.text("level");
  if (!parse_area_level(level, a.level)) f.fail("level", "unknown level '" + level + "'");
  a.name = f.optional_text("name");
  a.audience = f.count("audience");
  a.budget_cents = f.money("budget_cents");
  a.offer = f.optional_text("offer");
  a.expected_response = f.number("expected_response");
  a.expected_conversions = f.optional_number("expected_conversions");
  a.marginal_return = f.optional_number("marginal_return");
  const std::string binding = f.text("binding");
  if (!parse_binding(binding, a.binding))
    f.fail("binding", "must be none, min, max, merged or excluded, not '" + binding + "'");
  a.merged_into = f.optional_text("merged_into");
  if (a.binding == Binding::merged && a.merged_into.empty()) f.fail("merged_into", "missing for a merged area");
  a.reason = f.optional_text("reason");
  if (f.has("lat") || f.has("lon") || f.has("radius_km")) a.catchment = read_catchment(f, a);
  return a;
}

ResponseSpec read_response(const Fields& f) {
  ResponseSpec r;
  const std::string model = f.text("model");
  if (model == "hyperbolic") r.model = ResponseModel::hyperbolic;
  else if (model != "exponential") f.fail("model", "must be exponential or hyperbolic, not '" + model + "'");
  r.conversion_rate = f.number("conversion_rate");
  r.value_per_conversion = f.number("value_per_conversion");
  r.cost_per_reach = f.number("cost_per_reach");
  if (!(r.conversion_rate > 0 && r.conversion_rate <= 1)) f.fail("conversion_rate", "must be in (0, 1]");
  if (!(r.value_per_conversion > 0)) f.fail("value_per_conversion", "must be positive");
  if (!(r.cost_per_reach > 0)) f.fail("cost_per_reach", "must be positive");
  return r;
}

// A ring as [[lon, lat], ...]: at least 4 valid positions.
Ring read_ring(const std::string& file, const std::string& where, const json& ring) {
  auto fail = [&](const std::string& why) { throw Error(file + ": " + where + ": " + why); };
  if (!ring.is_array() || ring.size() < 4) fail("a ring must be an array of at least 4 [lon, lat] positions");
  if (ring.size() > kMaxZoneVertices) fail("more than " + std::to_string(kMaxZoneVertices) + " vertices");
  Ring out;
  out.reserve(ring.size());
  for (const json& v : ring) {
    if (!v.is_array() || v.size() != 2 || !v[0].is_number() || !v[1].is_number()) fail("a position must be [lon, lat]");
    const LatLng p{v[1].get<double>(), v[0].get<double>()};
    if (!p.is_valid()) fail("a position is outside [-180, 180] x [-90, 90]");
    out.push_back({p.lon, p.lat});
  }
  return out;
}

TargetAreas read_target(const std::string& file, const Fields& f) {
  TargetAreas t;
  if (const json* places = f.optional_array("include"))
    for (std::size_t i = 0; i < places->size(); ++i) {
      if (!(*places)[i].is_string()) f.fail("include", "must be an array of place ids");
      t.places.push_back((*places)[i].get<std::string>());
    }
  if (const json* radius = f.optional_array("radius"))
    for (std::size_t i = 0; i < radius->size(); ++i) {
      const Fields c(file, f.path("radius") + "[" + std::to_string(i) + "]", (*radius)[i]);
      RadiusArea a{{c.number("lat"), c.number("lon")}, c.number("km"), c.optional_text("name"), c.optional_text("id")};
      if (!a.centre.is_valid()) c.fail("lat", "lat and lon must be valid coordinates");
      if (!(a.km > 0 && a.km <= 20'100)) c.fail("km", "must be a positive distance in km, at most 20,100");
      t.radius.push_back(std::move(a));
    }
  if (const json* polygons = f.optional_array("polygons"))
    for (std::size_t i = 0; i < polygons->size(); ++i) {
      const std::string where = f.path("polygons") + "[" + std::to_string(i) + "]";
      const json& rings = (*polygons)[i];
      if (!rings.is_array() || rings.empty()) throw Error(file + ": " + where + ": a polygon must be an array of rings");
      Polygon polygon;
      for (std::size_t k = 0; k < rings.size(); ++k)
        polygon.push_back(read_ring(file, where + "[" + std::to_string(k) + "]", rings[k]));
      t.polygons.push_back(std::move(polygon));
    }
  return t;
}

// The campaign settings written since the efficiency floor (docs/formats.md); all optional.
void read_settings(const std::string& file, const Fields& f, CampaignAllocation& c) {
  const std::string reason = f.optional_text("unspent_reason");
  if (!reason.empty() && !parse_unspent_reason(reason, c.unspent_reason))
    f.fail("unspent_reason", "must be saturated, max_per_area or null, not '" + reason + "'");
  if (c.unspent_cents == 0) c.unspent_reason = UnspentReason::none;
  c.target_marginal_return = f.optional_number("target_marginal_return");
  c.spend_all = f.optional_bool("spend_all");
  c.min_per_area_cents = f.has("min_per_area_cents") ? f.money("min_per_area_cents") : 0;
  c.max_per_area_cents = f.has("max_per_area_cents") ? f.money("max_per_area_cents") : -1;
  if (const json* response = f.optional_object("response")) c.response = read_response(Fields(file, f.path("response"), *response));
  if (const json* offers = f.optional_array("offers"))
    for (std::size_t i = 0; i < offers->size(); ++i) {
      const Fields o(file, f.path("offers") + "[" + std::to_string(i) + "]", (*offers)[i]);
      c.offers.push_back({o.text("id"), o.optional_text("text")});
    }
  if (const json* target = f.optional_object("target")) c.target = read_target(file, Fields(file, f.path("target"), *target));
}

CampaignAllocation read_campaign(const std::string& file, const Fields& f) {
  CampaignAllocation c;
  c.campaign_id = f.text("id");
  c.name = f.optional_text("name");
  c.method = f.optional_text("method");
  if (const std::string level = f.optional_text("level"); !level.empty() && !parse_area_level(level, c.level))
    f.fail("level", "unknown level '" + level + "'");
  c.budget_cents = f.money("budget_cents");
  c.unspent_cents = f.money("unspent_cents");
  c.min_audience = f.count("min_audience");
  c.lambda = f.optional_number("lambda");
  c.targeted_customers = static_cast<std::size_t>(f.optional_count("targeted_customers"));
  c.customers_without_area = static_cast<std::size_t>(f.optional_count("customers_without_area"));
  read_settings(file, f, c);
  const json& areas = f.array("areas");
  // Every term is at least 0, so once the sum passes budget_cents it can never add up: stop
  // there, before it can overflow.
  std::int64_t allocated = 0;
  bool over = false;
  for (std::size_t i = 0; i < areas.size(); ++i) {
    c.areas.push_back(read_area(Fields(file, f.path("areas") + "[" + std::to_string(i) + "]", areas[i])));
    const std::int64_t budget = c.areas.back().budget_cents;
    over = over || budget > c.budget_cents - allocated;
    if (!over) allocated += budget;
  }
  if (over || c.unspent_cents != c.budget_cents - allocated)
    f.fail("areas", "area budgets " + (over ? "over " + std::to_string(c.budget_cents) : std::to_string(allocated)) +
                        " + unspent_cents " + std::to_string(c.unspent_cents) + " do not add up to budget_cents " +
                        std::to_string(c.budget_cents));
  return c;
}

json parse_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot read", ErrorCode::io);
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return json::parse(text.str());
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number like 1e999
    throw Error(path + ": not valid JSON (" + e.what() + ")");
  }
}

// ------------------------------------------------------------------ writing

using Ordered = nlohmann::ordered_json;

Ordered null_if_empty(const std::string& s) { return s.empty() ? Ordered(nullptr) : Ordered(s); }

Ordered area_json(const AreaAllocation& a) {
  Ordered j{{"area_id", a.area_id},
                 {"level", std::string(describe(a.level))},
                 {"name", a.name},
                 {"audience", a.audience},
                 {"budget_cents", a.budget_cents},
                 {"offer", null_if_empty(a.offer)},
                 {"expected_response", a.expected_response},
                 {"expected_conversions", a.expected_conversions},
                 {"marginal_return", a.marginal_return},
                 {"binding", std::string(describe(a.binding))},
                 {"merged_into", null_if_empty(a.merged_into)},
                 {"reason", null_if_empty(a.reason)}};
  if (a.catchment) {
    j["lat"] = a.catchment->centre.lat;
    j["lon"] = a.catchment->centre.lon;
    j["radius_km"] = a.catchment->km;
  }
  return j;
}

Ordered response_json(const std::optional<ResponseSpec>& r) {
  if (!r) return nullptr;
  return Ordered{{"model", r->model == ResponseModel::exponential ? "exponential" : "hyperbolic"},
                 {"conversion_rate", r->conversion_rate},
                 {"value_per_conversion", r->value_per_conversion},
                 {"cost_per_reach", r->cost_per_reach}};
}

Ordered target_json(const TargetAreas& t) {
  Ordered radius = Ordered::array(), polygons = Ordered::array();
  for (const RadiusArea& r : t.radius)
    radius.push_back(Ordered{{"lat", r.centre.lat}, {"lon", r.centre.lon}, {"km", r.km}, {"name", null_if_empty(r.name)}, {"id", null_if_empty(r.id)}});
  for (const Polygon& p : t.polygons) {
    Ordered rings = Ordered::array();
    for (const Ring& ring : p) {
      Ordered positions = Ordered::array();
      for (const auto& v : ring) positions.push_back(Ordered::array({v[0], v[1]}));
      rings.push_back(std::move(positions));
    }
    polygons.push_back(std::move(rings));
  }
  return Ordered{{"include", t.places}, {"radius", std::move(radius)}, {"polygons", std::move(polygons)}};
}

Ordered campaign_json(const CampaignAllocation& c) {
  Ordered areas = Ordered::array(), offers = Ordered::array();
  for (const auto& area : c.areas) areas.push_back(area_json(area));
  for (const OfferLabel& o : c.offers) offers.push_back(Ordered{{"id", o.id}, {"text", o.text}});
  return Ordered{{"id", c.campaign_id},
                 {"name", c.name},
                 {"method", c.method},
                 {"level", std::string(describe(c.level))},
                 {"budget_cents", c.budget_cents},
                 {"unspent_cents", c.unspent_cents},
                 {"unspent_reason", c.unspent_reason == UnspentReason::none ? Ordered(nullptr)
                                                                             : Ordered(std::string(describe(c.unspent_reason)))},
                 {"lambda", c.lambda},
                 {"target_marginal_return", c.target_marginal_return},
                 {"spend_all", c.spend_all},
                 {"min_audience", c.min_audience},
                 {"min_per_area_cents", c.min_per_area_cents},
                 {"max_per_area_cents", c.max_per_area_cents < 0 ? Ordered(nullptr) : Ordered(c.max_per_area_cents)},
                 {"response", response_json(c.response)},
                 {"offers", std::move(offers)},
                 {"target", target_json(c.target)},
                 {"targeted_customers", c.targeted_customers},
                 {"customers_without_area", c.customers_without_area},
                 {"areas", std::move(areas)}};
}

std::string allocation_json(const AllocationFile& a) {
  Ordered campaigns = Ordered::array();
  for (const auto& c : a.campaigns) campaigns.push_back(campaign_json(c));
  Ordered out{{"currency", a.currency},
              {"geodata", null_if_empty(a.geodata)},
              {"generated_by", a.generated_by},
              {"campaigns", std::move(campaigns)}};
  return out.dump(2, ' ', false, Ordered::error_handler_t::replace) + "\n";
}

std::string allocation_csv(const AllocationFile& a) {
  std::string out =
      "campaign_id,area_id,level,name,audience,budget_cents,offer,expected_response,expected_conversions,"
      "marginal_return,binding,merged_into,reason\n";
  char numbers[96];
  for (const auto& c : a.campaigns) {
    for (const auto& area : c.areas) {
      out += csv_escape(c.campaign_id) + ',' + csv_escape(area.area_id) + ',' + std::string(describe(area.level)) +
             ',' + csv_escape(area.name) + ',' + std::to_string(area.audience) + ',' +
             std::to_string(area.budget_cents) + ',' + csv_escape(area.offer) + ',';
      std::snprintf(numbers, sizeof numbers, "%.6f,%.6f,%.9g", area.expected_response, area.expected_conversions,
                    area.marginal_return);
      out += numbers;
      out += ',' + std::string(describe(area.binding)) + ',' + csv_escape(area.merged_into) + ',' +
             csv_escape(area.reason) + '\n';
    }
    // The unspent budget as a row of its own, so that a campaign's rows sum to its budget.
    if (c.unspent_cents > 0)
      out += csv_escape(c.campaign_id) + ",unspent,,unspent budget,0," + std::to_string(c.unspent_cents) +
             ",,0.000000,0.000000,0,unspent,," + std::string(describe(c.unspent_reason)) + '\n';
  }
  return out;
}

// The circles of a store campaign's catchments, found by store id (unique: load_campaigns).
void add_catchments(const Campaign& campaign, CampaignAllocation& allocation) {
  std::map<std::string_view, const RadiusArea*> by_id;
  for (const RadiusArea& store : campaign.include.radius) by_id.emplace(store.id, &store);
  for (AreaAllocation& area : allocation.areas)
    if (auto it = by_id.find(area.area_id); area.level == PlaceLevel::store && it != by_id.end()) area.catchment = *it->second;
}

}  // namespace

AllocationFile allocate_customers(const CampaignSet& set, const std::string& mapped_csv, const PlaceIndex& index) {
  std::vector<CampaignAudience> audience = count_audience(mapped_csv, set, index);
  AllocationFile out;
  out.currency = set.currency;
  for (std::size_t i = 0; i < set.campaigns.size(); ++i) {
    CampaignAllocation a = allocate_budget(set.campaigns[i], audience[i].areas);
    a.targeted_customers = audience[i].targeted;
    a.customers_without_area = audience[i].without_area;
    if (a.level == PlaceLevel::store) add_catchments(set.campaigns[i], a);
    out.campaigns.push_back(std::move(a));
  }
  return out;
}

AllocationFile read_allocation_file(const std::string& path) {
  const json root = parse_file(path);
  Fields f(path, "", root);
  AllocationFile a;
  a.currency = f.text("currency");
  if (!is_currency_code(a.currency))
    f.fail("currency", "must be an ISO 4217 code of three capital letters (USD, EUR, ILS)");
  a.geodata = f.optional_text("geodata");
  a.generated_by = f.optional_text("generated_by");
  const json& campaigns = f.array("campaigns");
  for (std::size_t i = 0; i < campaigns.size(); ++i)
    a.campaigns.push_back(read_campaign(path, Fields(path, "campaigns[" + std::to_string(i) + "]", campaigns[i])));
  return a;
}

std::string allocation_csv_path(const std::string& json_path) {
  return std::filesystem::path(json_path).replace_extension(".csv").string();
}

void write_allocation_file(const AllocationFile& allocation, const std::string& json_path) {
  const std::string csv_path = allocation_csv_path(json_path);
  if (csv_path == json_path || same_file(csv_path, json_path))
    throw Error(json_path + ": the allocation JSON and its CSV would be the same file; name the output .json");
  replace_file(json_path, allocation_json(allocation));
  replace_file(csv_path, allocation_csv(allocation));
}

}  // namespace geotarget
