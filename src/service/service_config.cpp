// The YAML config file of `geotarget serve` (docs/operations.md).
#include <yaml-cpp/yaml.h>

#include "geotarget/decision_service.hpp"
#include "geotarget/error.hpp"
#include "yaml_file.hpp"

namespace geotarget {

ServiceOptions load_service_config(const std::string& path) {
  const YAML::Node root = detail::load_yaml_file(path, "config file");
  if (!root.IsMap()) throw Error(path + ": the config must be a mapping of settings");
  const detail::YamlReader r(path);
  r.only_keys(root,
              {"listen", "db", "geodata", "campaigns", "allocation", "ledger", "ledger_flush_ms", "ledger_slice_share", "threads", "admin_token_file", "trusted_proxies", "max_batch",
               "max_connections", "max_header_bytes", "max_body_bytes", "request_timeout_ms", "access_log",
               "cors_origins"},
              "");
  ServiceOptions o;
  if (const std::string listen = r.text(root, "listen", "", false); !listen.empty()) o.listen = listen;
  if (const YAML::Node db = root["db"]; db && db.IsSequence()) {
    for (const auto& file : db) o.sources.ip_databases.push_back(r.file(file, "db"));
    if (o.sources.ip_databases.empty()) r.fail(db, "db", "an empty list names no database");
  } else if (std::string file = r.file(root, "db", "", false); !file.empty()) {
    o.sources.ip_databases.push_back(std::move(file));
  }
  o.sources.geodata = r.file(root, "geodata", "", false);
  o.sources.campaigns = r.file(root, "campaigns", "", false);
  o.allocation = r.file(root, "allocation", "", false);
  if (const std::string ledger = r.text(root, "ledger", "", false); ledger.starts_with("redis://"))
    o.ledger = ledger;
  else
    o.ledger = r.file(root, "ledger", "", false);
  o.ledger_options.flush_interval =
      std::chrono::milliseconds(r.whole_number(root, "ledger_flush_ms", "", o.ledger_options.flush_interval.count(), 10));
  o.ledger_options.slice_share = r.number(root, "ledger_slice_share", "", o.ledger_options.slice_share);
  if (!(o.ledger_options.slice_share > 0 && o.ledger_options.slice_share <= 1))
    r.fail(root["ledger_slice_share"], "ledger_slice_share", "a share of the plan above 0 and at most 1");
  o.admin_token_file = r.file(root, "admin_token_file", "", false);
  o.threads = static_cast<int>(r.whole_number(root, "threads", "", o.threads, 0));
  o.max_batch = static_cast<std::size_t>(r.whole_number(root, "max_batch", "", o.max_batch, 1));
  o.max_connections = static_cast<std::size_t>(r.whole_number(root, "max_connections", "", o.max_connections, 1));
  o.max_header_bytes = static_cast<std::uint32_t>(r.whole_number(root, "max_header_bytes", "", o.max_header_bytes, 1024));
  o.max_body_bytes = static_cast<std::uint64_t>(r.whole_number(root, "max_body_bytes", "", o.max_body_bytes, 1024));
  o.request_timeout = std::chrono::milliseconds(r.whole_number(root, "request_timeout_ms", "", o.request_timeout.count(), 100));
  if (const YAML::Node n = root["trusted_proxies"]) {
    if (!n.IsSequence()) r.fail(n, "trusted_proxies", "must be a list of CIDR networks");
    for (const auto& c : n) o.trusted_proxies.push_back(c.Scalar());
  }
  o.access_log = r.boolean(root, "access_log", "", o.access_log);
  if (const YAML::Node n = root["cors_origins"]) {
    if (!n.IsSequence()) r.fail(n, "cors_origins", "must be a list of origins such as https://shop.example, or [\"*\"]");
    for (const auto& c : n) o.cors_origins.push_back(c.Scalar());
  }
  return o;
}

}  // namespace geotarget
