#include "yaml_file.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "geotarget/error.hpp"
#include "geotarget/text.hpp"

namespace geotarget::detail {

namespace fs = std::filesystem;

YAML::Node load_yaml_file(const std::string& path, std::string_view what) {
  try {
    return YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw Error(path + ": cannot read the " + std::string(what), ErrorCode::io);
  } catch (const YAML::Exception& e) {
    throw Error(path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

std::string yaml_where(const std::string& path, const YAML::Node& node) {
  return path + ":" + std::to_string(node.Mark().line + 1);
}

std::string field_of(const std::string& field, std::string_view key) {
  return field.empty() ? std::string(key) : field + "." + std::string(key);
}

std::string not_a_local_file(std::string_view name) {
  if (name.rfind("/vsi", 0) == 0) return "GDAL virtual file systems (/vsi...) are not allowed; name a plain file";
  if (name.find("://") != std::string_view::npos) return "URLs are not allowed; name a local file";
  return {};
}

void YamlReader::fail(const YAML::Node& at, const std::string& field, const std::string& why) const {
  throw Error(yaml_where(path_, at) + ": " + (field.empty() ? "" : field + ": ") + why);
}

std::string YamlReader::text(const YAML::Node& map, const char* key, const std::string& field, bool required) const {
  const YAML::Node v = map[key];
  if (!v) {
    if (required) fail(map, field_of(field, key), "missing");
    return {};
  }
  if (!v.IsScalar()) fail(v, field_of(field, key), "must be text");
  return v.Scalar();
}

double YamlReader::number(const YAML::Node& map, const char* key, const std::string& field, double fallback) const {
  const YAML::Node v = map[key];
  if (!v) return fallback;
  try {
    const double d = v.as<double>();
    if (std::isfinite(d)) return d;
  } catch (const YAML::Exception&) {
  }
  fail(v, field_of(field, key), "must be a number, not '" + (v.IsScalar() ? v.Scalar() : "a list or map") + "'");
}

std::int64_t YamlReader::whole_number(const YAML::Node& map, const char* key, const std::string& field,
                                      std::int64_t fallback, std::int64_t min) const {
  const YAML::Node v = map[key];
  if (!v) return fallback;
  std::int64_t n = 0;
  try {
    n = v.as<std::int64_t>();
  } catch (const YAML::Exception&) {
    fail(v, field_of(field, key), "must be a whole number");
  }
  if (n < min) fail(v, field_of(field, key), "must be at least " + std::to_string(min));
  return n;
}

bool YamlReader::boolean(const YAML::Node& map, const char* key, const std::string& field, bool fallback) const {
  const YAML::Node v = map[key];
  if (!v) return fallback;
  try {
    return v.as<bool>();
  } catch (const YAML::Exception&) {
    fail(v, field_of(field, key), "must be true or false");
  }
}

std::string YamlReader::file(const YAML::Node& map, const char* key, const std::string& field, bool required) const {
  const YAML::Node v = map[key];
  if (!v) {
    if (required) fail(map, field_of(field, key), "missing");
    return {};
  }
  return file(v, field_of(field, key));
}

std::string YamlReader::file(const YAML::Node& name, const std::string& field) const {
  if (!name.IsScalar() || name.Scalar().empty()) fail(name, field, "must be a file name");
  if (const std::string why = not_a_local_file(name.Scalar()); !why.empty())
    fail(name, field, "'" + name.Scalar() + "': " + why);
  const fs::path p(name.Scalar());
  return p.is_absolute() ? p.string() : (fs::path(path_).parent_path() / p).lexically_normal().string();
}

void YamlReader::only_keys(const YAML::Node& map, std::initializer_list<std::string_view> known,
                           const std::string& field) const {
  if (!map.IsMap()) fail(map, field, "must be a mapping");
  for (const auto& kv : map) {
    const std::string key = kv.first.Scalar();
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    const std::string_view closest = closest_name(key, std::span<const std::string_view>(known.begin(), known.size()));
    fail(kv.first, field_of(field, key),
         "unknown setting" + (closest.empty() ? std::string() : " (did you mean '" + std::string(closest) + "'?)"));
  }
}

}  // namespace geotarget::detail
