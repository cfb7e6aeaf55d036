// geotarget locate [--geodata M] LAT LON, or "lat,lon" lines on stdin: the places of a point.
#include <cstdlib>
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
  w.end_object();
  return true;
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
    if (args->coordinates.size() == 2) {
      const auto& c = args->coordinates;
      LatLng point;
      if (const CoordinateStatus s = parse_lat_lng(c[0], c[1], point); s != CoordinateStatus::ok)
        throw Error("locate: " + explain(s, c[0], c[1]));
    }
    auto index = PlaceIndex::load(args->geodata.empty() ? default_geodata() : args->geodata);
    const PlacesJson places(*index);
    std::string out;
    if (args->coordinates.size() == 2) {
      JsonWriter w(out);
      (void)answer(w, *index, places, args->coordinates[0], args->coordinates[1]);
      std::cout << out << '\n';
      exit_code = 0;
      return;
    }
    std::size_t rejected = 0, line_number = 0;
    for (std::string line; std::getline(std::cin, line);) {
      ++line_number;
      if (trim(line).empty()) continue;
      out.clear();
      JsonWriter w(out);
      const std::size_t comma = line.find(',');
      const std::string_view text(line);
      if (comma == std::string::npos) {
        write_rejected(w, text, "invalid_input", "line " + std::to_string(line_number) + ": expected lat,lon");
        ++rejected;
      } else {
        rejected += answer(w, *index, places, text.substr(0, comma), text.substr(comma + 1)) ? 0 : 1;
      }
      std::cout << out << '\n';
    }
    if (rejected > 0) std::cerr << "geotarget locate: " << rejected << " invalid line(s)\n";
    exit_code = rejected > 0 ? 1 : 0;
  });
}

}  // namespace geotarget::cli
