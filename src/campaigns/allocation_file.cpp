#include "geotarget/allocation_file.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
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
  a.marginal_return = f.optional_number("marginal_return");
  const std::string binding = f.text("binding");
  if (!parse_binding(binding, a.binding))
    f.fail("binding", "must be none, min, max, merged or excluded, not '" + binding + "'");
  a.merged_into = f.optional_text("merged_into");
  if (a.binding == Binding::merged && a.merged_into.empty()) f.fail("merged_into", "missing for a merged area");
  a.reason = f.optional_text("reason");
  return a;
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
  return Ordered{{"area_id", a.area_id},
                 {"level", std::string(describe(a.level))},
                 {"name", a.name},
                 {"audience", a.audience},
                 {"budget_cents", a.budget_cents},
                 {"offer", null_if_empty(a.offer)},
                 {"expected_response", a.expected_response},
                 {"marginal_return", a.marginal_return},
                 {"binding", std::string(describe(a.binding))},
                 {"merged_into", null_if_empty(a.merged_into)},
                 {"reason", null_if_empty(a.reason)}};
}

Ordered campaign_json(const CampaignAllocation& c) {
  Ordered areas = Ordered::array();
  for (const auto& area : c.areas) areas.push_back(area_json(area));
  return Ordered{{"id", c.campaign_id},
                 {"name", c.name},
                 {"method", c.method},
                 {"level", std::string(describe(c.level))},
                 {"budget_cents", c.budget_cents},
                 {"unspent_cents", c.unspent_cents},
                 {"lambda", c.lambda},
                 {"min_audience", c.min_audience},
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
      "campaign_id,area_id,level,name,audience,budget_cents,offer,expected_response,marginal_return,binding,"
      "merged_into,reason\n";
  char numbers[64];
  for (const auto& c : a.campaigns) {
    for (const auto& area : c.areas) {
      out += csv_escape(c.campaign_id) + ',' + csv_escape(area.area_id) + ',' + std::string(describe(area.level)) +
             ',' + csv_escape(area.name) + ',' + std::to_string(area.audience) + ',' +
             std::to_string(area.budget_cents) + ',' + csv_escape(area.offer) + ',';
      std::snprintf(numbers, sizeof numbers, "%.6f,%.9g", area.expected_response, area.marginal_return);
      out += numbers;
      out += ',' + std::string(describe(area.binding)) + ',' + csv_escape(area.merged_into) + ',' +
             csv_escape(area.reason) + '\n';
    }
  }
  return out;
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
