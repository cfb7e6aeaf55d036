// geotarget locate [--geodata M] LAT LON, or "lat,lon" lines on stdin: the places of a point.
#include <charconv>
#include <cmath>
#include <iostream>
#include <optional>

#include "commands.hpp"
#include "places_json.hpp"
#include "geotarget/error.hpp"

namespace geotarget::cli {

namespace {

using Json = nlohmann::ordered_json;

std::string_view trim(std::string_view s) {
  const char* space = " \t\r\n";
  std::size_t b = s.find_first_not_of(space);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(space) - b + 1);
}

std::optional<double> parse_number(std::string_view text) {
  text = trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

// The error for a coordinate pair, or empty when it is usable. Names the offending value.
std::string coordinate_error(std::string_view lat_text, std::string_view lon_text,
                             std::optional<double> lat, std::optional<double> lon) {
  if (!lat) return "latitude '" + std::string(trim(lat_text)) + "' is not a number";
  if (!lon) return "longitude '" + std::string(trim(lon_text)) + "' is not a number";
  if (!(*lat >= -90 && *lat <= 90))
    return "latitude " + std::string(trim(lat_text)) + " is outside [-90, 90]";
  if (!(*lon >= -180 && *lon <= 180))
    return "longitude " + std::string(trim(lon_text)) + " is outside [-180, 180]";
  return {};
}

// One answer line: the places, or an error object naming the bad value.
Json answer(const PlaceIndex& index, std::string_view lat_text, std::string_view lon_text) {
  std::optional<double> lat = parse_number(lat_text), lon = parse_number(lon_text);
  std::string error = coordinate_error(lat_text, lon_text, lat, lon);
  if (!error.empty()) {
    std::string code = error.rfind("latitude", 0) == 0 ? "invalid_latitude" : "invalid_longitude";
    return Json{{"input", std::string(trim(lat_text)) + "," + std::string(trim(lon_text))},
                {"error", code}, {"message", error}};
  }
  PlaceChain chain;
  (void)index.locate(*lat, *lon, chain);  // validated above
  return Json{{"lat", *lat}, {"lon", *lon}, {"places", places_json(chain)}};
}

}  // namespace

std::string default_geodata() {
  if (const char* env = std::getenv("GEOTARGET_GEODATA"); env && *env) return env;
  return GEOTARGET_DEFAULT_GEODATA;
}

void add_locate_command(CLI::App& app, int& exit_code) {
  struct Args {
    std::string geodata;
    std::vector<std::string> coordinates;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("locate", "Places (country ▸ region ▸ district ▸ town, postal) of points");
  cmd->add_option("--geodata", args->geodata, "Geodata manifest (default: geodata/default.yaml)");
  cmd->add_option("coordinates", args->coordinates, "LAT LON; without them, lat,lon lines on stdin")
      ->expected(0, 2);
  cmd->callback([args, &exit_code] {
    if (args->coordinates.size() == 1) throw Error("locate: give both LAT and LON");
    auto index = PlaceIndex::load(args->geodata.empty() ? default_geodata() : args->geodata);
    if (args->coordinates.size() == 2) {
      Json out = answer(*index, args->coordinates[0], args->coordinates[1]);
      if (out.contains("error")) throw Error("locate: " + out["message"].get<std::string>());
      std::cout << out.dump() << '\n';
      exit_code = 0;
      return;
    }
    std::size_t rejected = 0, line_number = 0;
    for (std::string line; std::getline(std::cin, line);) {
      ++line_number;
      if (trim(line).empty()) continue;
      std::size_t comma = line.find(',');
      std::string_view text(line);
      Json out = comma == std::string::npos
                     ? Json{{"input", std::string(trim(text))}, {"error", "invalid_input"},
                            {"message", "line " + std::to_string(line_number) + ": expected lat,lon"}}
                     : answer(*index, text.substr(0, comma), text.substr(comma + 1));
      rejected += out.contains("error");
      std::cout << out.dump(-1, ' ', false, Json::error_handler_t::replace) << '\n';
    }
    if (rejected > 0) std::cerr << "geotarget locate: " << rejected << " invalid line(s)\n";
    exit_code = rejected > 0 ? 1 : 0;
  });
}

}  // namespace geotarget::cli
