// Internal: reading the project's YAML files (geodata manifest, campaigns, service config) with
// errors that name the file and the line, in one way.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>

namespace geotarget::detail {

/// Parses the YAML file at `path`. Throws geotarget::Error "PATH: cannot read the WHAT" when it
/// cannot be read, "PATH:LINE: reason" when it is not valid YAML.
YAML::Node load_yaml_file(const std::string& path, std::string_view what);

/// "PATH:LINE" of a node, for error messages.
std::string yaml_where(const std::string& path, const YAML::Node& node);

}  // namespace geotarget::detail
