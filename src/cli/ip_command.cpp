// geotarget ip [--db FILE] [ADDR ...]: one JSON object a line per address.
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.hpp"
#include "places_json.hpp"
#include "geotarget/ip_resolver.hpp"

namespace geotarget::cli {

namespace {

using Json = nlohmann::ordered_json;

Json number_or_null(double v) { return std::isnan(v) ? Json(nullptr) : Json(v); }

Json text_or_null(std::string_view v) { return v.empty() ? Json(nullptr) : Json(std::string(v)); }

Json location_json(const Location& l) {
  return Json{{"lat", number_or_null(l.lat)},
              {"lon", number_or_null(l.lon)},
              {"accuracy_km", number_or_null(l.accuracy_km)},
              {"country", text_or_null(l.country)},
              {"region", text_or_null(l.region)},
              {"city", text_or_null(l.city)},
              {"postal", text_or_null(l.postal)},
              {"time_zone", text_or_null(l.time_zone)}};
}

// The answer for one input line. The address itself is only ever echoed truncated (/24, /48);
// text that is not an address is echoed as given, since it identifies no visitor.
Json answer(const IpResolver& resolver, const PlaceIndex* places, std::string_view text) {
  IpAddress ip;
  if (!parse_ip(text, ip)) return Json{{"ip", std::string(text)}, {"error", "invalid_ip"}};
  IpLookup r = resolver.lookup(ip);
  Json out{{"ip", ip.to_private_string()}, {"found", r.status == LookupStatus::found}};
  if (r.status == LookupStatus::found) {
    out["prefix_length"] = r.prefix_length;
    out["location"] = location_json(*r.location);
    PlaceChain chain;
    if (places && r.location->has_coordinates() &&
        places->locate(r.location->lat, r.location->lon, chain) == LocateStatus::ok)
      out["places"] = places_json(chain);
  } else if (r.status == LookupStatus::special_range) {
    out["reason"] = std::string(describe(r.address_class));
  } else {
    out["reason"] = std::string(describe(r.status));
  }
  return out;
}

std::string_view trim(std::string_view s) {
  const char* space = " \t\r\n";
  std::size_t b = s.find_first_not_of(space);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(space) - b + 1);
}

}  // namespace

std::string default_database() {
  if (const char* env = std::getenv("GEOTARGET_DB"); env && *env) return env;
  return GEOTARGET_DEFAULT_DB;
}

void add_ip_command(CLI::App& app, int& exit_code) {
  struct Args {
    std::string db, geodata;
    std::vector<std::string> addresses;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("ip", "Resolve IP addresses to locations (JSON lines)");
  cmd->add_option("--db", args->db, "MMDB database (default: $GEOTARGET_DB or the demo database)");
  cmd->add_option("--geodata", args->geodata, "Geodata manifest: add the places of each location");
  cmd->add_option("addresses", args->addresses, "Addresses; read from stdin (one a line) if none");
  cmd->callback([args, &exit_code] {
    IpResolver resolver(args->db.empty() ? default_database() : args->db);
    std::shared_ptr<const PlaceIndex> places;
    if (!args->geodata.empty()) places = PlaceIndex::load(args->geodata);
    std::size_t invalid = 0;
    auto handle = [&](std::string_view text) {
      Json out = answer(resolver, places.get(), text);
      invalid += out.contains("error");
      std::cout << out.dump(-1, ' ', false, Json::error_handler_t::replace) << '\n';
    };
    if (!args->addresses.empty()) {
      for (const auto& a : args->addresses) handle(trim(a));
    } else {
      for (std::string line; std::getline(std::cin, line);) {
        if (!trim(line).empty()) handle(trim(line));
      }
    }
    std::cout.flush();
    if (invalid > 0) std::cerr << "geotarget ip: " << invalid << " invalid address(es)\n";
    exit_code = invalid > 0 ? 1 : 0;
  });
}

}  // namespace geotarget::cli
