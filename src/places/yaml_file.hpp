// Internal: reading the project's YAML files (geodata manifest, campaigns, service config), the
// one way: errors name the file, the line and the field ("campaigns.yaml:12:
// campaigns[0].budget: must be a number, not 'lots'"), unknown keys are errors with a
// suggestion, and file names are plain local paths.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace geotarget::detail {

/// Parses the YAML file at `path`. Throws geotarget::Error "PATH: cannot read the WHAT" when it
/// cannot be read, "PATH:LINE: reason" when it is not valid YAML.
YAML::Node load_yaml_file(const std::string& path, std::string_view what);

/// "PATH:LINE" of a node, for error messages.
std::string yaml_where(const std::string& path, const YAML::Node& node);

/// Typed fields of one YAML file. `field` arguments are the dotted path of the mapping in the
/// file ("campaigns[0].allocation", "" at the top); every error names FIELD.KEY.
class YamlReader {
 public:
  explicit YamlReader(std::string path) : path_(std::move(path)) {}

  /// Throws "PATH:LINE: FIELD: WHY".
  [[noreturn]] void fail(const YAML::Node& at, const std::string& field, const std::string& why) const;
  /// A scalar; "" when absent (an error when `required`).
  [[nodiscard]] std::string text(const YAML::Node& map, const char* key, const std::string& field,
                                 bool required) const;
  /// A finite number; `fallback` when absent.
  [[nodiscard]] double number(const YAML::Node& map, const char* key, const std::string& field,
                              double fallback) const;
  /// A whole number of at least `min`; `fallback` when absent.
  [[nodiscard]] std::int64_t whole_number(const YAML::Node& map, const char* key, const std::string& field,
                                          std::int64_t fallback, std::int64_t min) const;
  /// true or false; `fallback` when absent.
  [[nodiscard]] bool boolean(const YAML::Node& map, const char* key, const std::string& field, bool fallback) const;
  /// A file named relative to this file's folder; "" when absent (an error when `required`).
  [[nodiscard]] std::string file(const YAML::Node& map, const char* key, const std::string& field,
                                 bool required) const;
  /// The same for a scalar node given directly (a list item).
  [[nodiscard]] std::string file(const YAML::Node& name, const std::string& field) const;
  /// Every key of `map` must be one of `known`; otherwise "FIELD.KEY: unknown setting (did you
  /// mean 'x'?)". A mapping is required.
  void only_keys(const YAML::Node& map, std::initializer_list<std::string_view> known, const std::string& field) const;

  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

/// "field.key", or "key" at the top.
[[nodiscard]] std::string field_of(const std::string& field, std::string_view key);

/// Why `name` cannot be read as a plain local file ("" when it can): GDAL virtual file systems
/// (/vsi...) and URLs (scheme://) are refused, so that no config or campaigns file makes the
/// engine read from the network or from inside archives it did not choose.
[[nodiscard]] std::string not_a_local_file(std::string_view name);

}  // namespace geotarget::detail
