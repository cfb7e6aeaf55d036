// The YAML config file of `geotarget serve` (docs/operations.md).
#include <yaml-cpp/yaml.h>

#include <filesystem>

#include "geotarget/decision_service.hpp"
#include "geotarget/error.hpp"
#include "yaml_file.hpp"

namespace geotarget {

namespace {

namespace fs = std::filesystem;

class ConfigReader {
 public:
  explicit ConfigReader(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& field, const std::string& why) const {
    throw Error(detail::yaml_where(path_, node) + ": " + field + ": " + why);
  }

  // A path relative to the config file's folder.
  void file(const YAML::Node& root, const char* key, std::string& out) const {
    if (const YAML::Node n = root[key]) {
      if (!n.IsScalar() || n.Scalar().empty()) fail(n, key, "must be a file name");
      fs::path p(n.Scalar());
      out = p.is_absolute() ? p.string() : (fs::path(path_).parent_path() / p).lexically_normal().string();
    }
  }

  template <class T>
  void number(const YAML::Node& root, const char* key, T& out, T min) const {
    if (const YAML::Node n = root[key]) {
      try {
        const T v = n.as<T>();
        if (v < min) fail(n, key, "must be at least " + std::to_string(min));
        out = v;
      } catch (const YAML::BadConversion&) {
        fail(n, key, "must be a whole number");
      }
    }
  }

  void text(const YAML::Node& root, const char* key, std::string& out) const {
    if (const YAML::Node n = root[key]) {
      if (!n.IsScalar()) fail(n, key, "must be text");
      out = n.Scalar();
    }
  }

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

constexpr const char* kKnownKeys[] = {"listen", "db", "geodata", "campaigns", "threads", "admin_token_file",
                                      "trusted_proxies", "max_batch", "max_connections", "max_header_bytes",
                                      "max_body_bytes", "request_timeout_ms", "access_log"};

}  // namespace

ServiceOptions load_service_config(const std::string& path) {
  const YAML::Node root = detail::load_yaml_file(path, "config file");
  if (!root.IsMap()) throw Error(path + ": the config must be a mapping of settings");
  const ConfigReader r(path);
  for (const auto& kv : root) {
    const std::string key = kv.first.Scalar();
    if (std::find(std::begin(kKnownKeys), std::end(kKnownKeys), key) == std::end(kKnownKeys))
      r.fail(kv.first, key, "unknown setting");
  }
  ServiceOptions o;
  r.text(root, "listen", o.listen);
  r.file(root, "db", o.sources.ip_database);
  r.file(root, "geodata", o.sources.geodata);
  r.file(root, "campaigns", o.sources.campaigns);
  r.file(root, "admin_token_file", o.admin_token_file);
  r.number(root, "threads", o.threads, 0);
  r.number(root, "max_batch", o.max_batch, std::size_t{1});
  r.number(root, "max_connections", o.max_connections, std::size_t{1});
  r.number(root, "max_header_bytes", o.max_header_bytes, std::uint32_t{1024});
  r.number(root, "max_body_bytes", o.max_body_bytes, std::uint64_t{1024});
  std::int64_t timeout_ms = o.request_timeout.count();
  r.number(root, "request_timeout_ms", timeout_ms, std::int64_t{100});
  o.request_timeout = std::chrono::milliseconds(timeout_ms);
  if (const YAML::Node n = root["trusted_proxies"]) {
    if (!n.IsSequence()) r.fail(n, "trusted_proxies", "must be a list of CIDR networks");
    for (const auto& c : n) o.trusted_proxies.push_back(c.Scalar());
  }
  if (const YAML::Node n = root["access_log"]) {
    try {
      o.access_log = n.as<bool>();
    } catch (const YAML::BadConversion&) {
      r.fail(n, "access_log", "must be true or false");
    }
  }
  return o;
}

}  // namespace geotarget
