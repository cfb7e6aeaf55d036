#include "geotarget/lat_lng.hpp"

#include "text.hpp"

namespace geotarget {

std::string_view describe(CoordinateStatus s) noexcept {
  switch (s) {
    case CoordinateStatus::ok: return "ok";
    case CoordinateStatus::invalid_latitude: return "invalid_latitude";
    case CoordinateStatus::invalid_longitude: return "invalid_longitude";
  }
  return "invalid_latitude";
}

CoordinateStatus check(const LatLng& p) noexcept {
  if (!p.lat_valid()) return CoordinateStatus::invalid_latitude;
  if (!p.lon_valid()) return CoordinateStatus::invalid_longitude;
  return CoordinateStatus::ok;
}

bool parse_coordinate(std::string_view text, double& out) noexcept {
  return detail::parse_double(detail::trim(text), out);
}

CoordinateStatus parse_lat_lng(std::string_view lat, std::string_view lon, LatLng& out) noexcept {
  LatLng p;
  if (!parse_coordinate(lat, p.lat)) return CoordinateStatus::invalid_latitude;
  if (!parse_coordinate(lon, p.lon)) return CoordinateStatus::invalid_longitude;
  const CoordinateStatus s = check(p);
  if (s == CoordinateStatus::ok) out = p;
  return s;
}

bool split_lat_lng(std::string_view text, std::string_view& lat, std::string_view& lon) noexcept {
  text = detail::trim(text);
  std::size_t cut = text.find_first_of(",;");
  std::size_t next = cut + 1;
  if (cut == std::string_view::npos) {
    cut = text.find_first_of(" \t");
    if (cut == std::string_view::npos) return false;
    next = text.find_first_not_of(" \t", cut);
  }
  lat = detail::trim(text.substr(0, cut));
  lon = detail::trim(text.substr(next));
  return !lat.empty() && !lon.empty() && lon.find_first_of(",; \t") == std::string_view::npos;
}

std::string explain(CoordinateStatus status, std::string_view lat, std::string_view lon, std::string_view lat_name,
                    std::string_view lon_name) {
  if (status == CoordinateStatus::ok) return {};
  const bool is_lat = status == CoordinateStatus::invalid_latitude;
  const std::string name(is_lat ? lat_name : lon_name);
  const std::string text(detail::trim(is_lat ? lat : lon));
  double v = 0;
  if (!parse_coordinate(text, v)) return name + " '" + text + "' is not a number";
  return name + " " + text + (is_lat ? " is outside [-90, 90]" : " is outside [-180, 180]");
}

}  // namespace geotarget
