// geotarget locate [--geodata M] LAT LON, or "lat,lon" lines on stdin: the places of a point.
#include <cctype>
#include <cstdlib>
#include <utility>
#include <iostream>

#include "commands.hpp"
#include "geotarget/answers_json.hpp"
#include "geotarget/error.hpp"
#include "geotarget/lat_lng.hpp"
#include "geotarget/text.hpp"

namespace geotarget::cli {

namespace {

// {"input", "error", "message"} for a line that gives no usable point.
void write_rejected(JsonWriter& w, std::string_view input, std::string_view code, const std::string& message) {
  w.begin_object().key("input").input_text(trim(input)).key("error").string(code);
  w.key("message").input_text(message).end_object();
}

// One answer line: the places, or an error object naming the bad value. False when rejected.
bool answer(JsonWriter& w, const PlaceIndex& index, const PlacesJson& places, std::string_view lat_text,
            std::string_view lon_text) {
  LatLng point;
  const CoordinateStatus status = parse_lat_lng(lat_text, lon_text, point);
  if (status != CoordinateStatus::ok) {
    write_rejected(w, std::string(trim(lat_text)) + "," + std::string(trim(lon_text)), describe(status),
                   explain(status, lat_text, lon_text));
    return false;
  }
  PlaceChain chain;
  (void)index.locate(point, chain);  // validated above
  w.begin_object().key("lat").number(point.lat).key("lon").number(point.lon).key("places");
  places.write(w, chain);
  w.key("time_zone").string_or_null(answer_time_zone(chain, nullptr));
  w.end_object();
  return true;
}

}  // namespace

std::string default_geodata() {
  if (const char* env = std::getenv("GEOTARGET_GEODATA"); env && *env) return env;
  return GEOTARGET_DEFAULT_GEODATA;
}

namespace {

// A first line naming the columns ("lat,lon", "latitude longitude") rather than giving a point.
bool is_header(std::string_view lat, std::string_view lon) {
  const auto lower = [](std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  const std::string a = lower(lat), b = lower(lon);
  return (a == "lat" || a == "latitude") && (b == "lon" || b == "lng" || b == "long" || b == "longitude");
}

// Points from stdin, one a line, in the forms split_lat_lng accepts, after an optional header.
// Returns the number of rejected lines.
std::size_t locate_lines(std::istream& in, const PlaceIndex& index, const PlacesJson& places) {
  std::size_t rejected = 0, line_number = 0;
  bool first = true;
  std::string out;
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    if (trim(line).empty()) continue;
    std::string_view lat, lon;
    const bool split = split_lat_lng(line, lat, lon);
    if (std::exchange(first, false) && split && is_header(lat, lon)) continue;
    out.clear();
    JsonWriter w(out);
    if (!split) {
      write_rejected(w, line, "invalid_input", "line " + std::to_string(line_number) + ": expected lat,lon or lat lon");
      ++rejected;
    } else {
      rejected += answer(w, index, places, lat, lon) ? 0 : 1;
    }
    std::cout << out << '\n';
  }
  return rejected;
}

// LAT LON as two arguments, or "LAT,LON" / "LAT LON" as one.
void point_of(const std::vector<std::string>& args, std::string_view& lat, std::string_view& lon) {
  if (args.size() == 2) {
    lat = args[0], lon = args[1];
  } else if (!split_lat_lng(args[0], lat, lon)) {
    throw Error("locate: give LAT LON, or one LAT,LON, not '" + args[0] + "'", ErrorCode::invalid_option);
  }
  LatLng point;
  if (const CoordinateStatus s = parse_lat_lng(lat, lon, point); s != CoordinateStatus::ok)
    throw Error("locate: " + explain(s, lat, lon), ErrorCode::invalid_option);
}

}  // namespace

void add_locate_command(CLI::App& app, int& exit_code) {
  struct Args {
    std::string geodata;
    std::vector<std::string> coordinates;
    bool from_sources = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("locate", "Places (country ▸ region ▸ district ▸ town ▸ neighbourhood, postal) of points");
  cmd->add_option("--geodata", args->geodata, "Geodata manifest (default: geodata/default.yaml)");
  cmd->add_flag("--from-sources", args->from_sources,
                "Build the place index from the geodata sources; neither map nor write the compiled index");
  // At least one when given, so that `--` before a negative latitude belongs to this command.
  cmd->add_option("coordinates", args->coordinates,
                  "LAT LON or LAT,LON; without them, points on stdin (lat,lon or lat lon a line, optional header)")
      ->expected(1, 2);
  cmd->callback([args, &exit_code] {
    std::string_view lat, lon;
    if (!args->coordinates.empty()) point_of(args->coordinates, lat, lon);
    PlaceIndexOptions options;
    options.compiled_index = !args->from_sources;
    auto index = PlaceIndex::load(args->geodata.empty() ? default_geodata() : args->geodata, options);
    const PlacesJson places(*index);
    if (!args->coordinates.empty()) {
      std::string out;
      JsonWriter w(out);
      (void)answer(w, *index, places, lat, lon);
      std::cout << out << '\n';
      exit_code = 0;
      return;
    }
    const std::size_t rejected = locate_lines(std::cin, *index, places);
    if (rejected > 0) std::cerr << "geotarget locate: " << rejected << " invalid line(s)\n";
    exit_code = rejected > 0 ? 1 : 0;
  });
}

}  // namespace geotarget::cli
