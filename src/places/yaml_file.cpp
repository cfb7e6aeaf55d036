#include "yaml_file.hpp"

#include "geotarget/error.hpp"

namespace geotarget::detail {

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

}  // namespace geotarget::detail
