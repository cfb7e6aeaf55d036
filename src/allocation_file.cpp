// Reading OUT.json of `geotarget allocate` (docs/formats.md, "Regional budget report").
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "geotarget/error.hpp"
#include "report_model.hpp"

namespace geotarget::detail {

namespace {

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

bool is_binding(const std::string& b) {
  return b == "none" || b == "min" || b == "max" || b == "merged" || b == "excluded";
}

AllocatedArea read_area(const Fields& f) {
  AllocatedArea a;
  a.area_id = f.text("area_id");
  a.level = f.text("level");
  if (PlaceLevel level; !parse_place_level(a.level, level)) f.fail("level", "unknown level '" + a.level + "'");
  a.name = f.optional_text("name");
  a.audience = f.count("audience");
  a.budget_cents = f.count("budget_cents");
  a.offer = f.optional_text("offer");
  a.expected_response = f.number("expected_response");
  a.marginal_return = f.optional_number("marginal_return");
  a.binding = f.text("binding");
  if (!is_binding(a.binding)) f.fail("binding", "must be none, min, max, merged or excluded, not '" + a.binding + "'");
  a.merged_into = f.optional_text("merged_into");
  if (a.binding == "merged" && a.merged_into.empty()) f.fail("merged_into", "missing for a merged area");
  a.reason = f.optional_text("reason");
  return a;
}

AllocatedCampaign read_campaign(const std::string& file, const Fields& f) {
  AllocatedCampaign c;
  c.id = f.text("id");
  c.name = f.optional_text("name");
  c.method = f.optional_text("method");
  c.level = f.optional_text("level");
  c.budget_cents = f.count("budget_cents");
  c.unspent_cents = f.count("unspent_cents");
  c.min_audience = f.count("min_audience");
  c.lambda = f.optional_number("lambda");
  const json& areas = f.array("areas");
  std::int64_t allocated = 0;
  for (std::size_t i = 0; i < areas.size(); ++i) {
    c.areas.push_back(read_area(Fields(file, f.path("areas") + "[" + std::to_string(i) + "]", areas[i])));
    allocated += c.areas.back().budget_cents;
  }
  if (allocated + c.unspent_cents != c.budget_cents)
    f.fail("areas", "area budgets " + std::to_string(allocated) + " + unspent_cents " + std::to_string(c.unspent_cents) +
                        " do not add up to budget_cents " + std::to_string(c.budget_cents));
  return c;
}

json parse_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot read");
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return json::parse(text.str());
  } catch (const json::parse_error& e) {
    throw Error(path + ": not valid JSON (" + e.what() + ")");
  }
}

}  // namespace

Allocation read_allocation(const std::string& path) {
  const json root = parse_file(path);
  Fields f(path, "", root);
  Allocation a;
  a.path = path;
  a.currency = f.text("currency");
  a.geodata = f.optional_text("geodata");
  const json& campaigns = f.array("campaigns");
  for (std::size_t i = 0; i < campaigns.size(); ++i)
    a.campaigns.push_back(read_campaign(path, Fields(path, "campaigns[" + std::to_string(i) + "]", campaigns[i])));
  return a;
}

}  // namespace geotarget::detail
