// geotarget ip [--db FILE] [ADDR ...]: one JSON object a line per address.
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"
#include "geotarget/answers_json.hpp"
#include "geotarget/record_places.hpp"
#include "geotarget/ip_resolver.hpp"
#include "geotarget/text.hpp"

namespace geotarget::cli {

namespace {

// The answer for one input line; false when the text is not an address. The address itself is
// only ever echoed truncated (/24, /48); text that is not an address is echoed as given (it
// identifies no visitor), with invalid UTF-8 replaced.
bool answer(JsonWriter& w, const IpResolver& resolver, const PlaceIndex* places, const PlacesJson* places_json,
            std::string_view text) {
  IpAddress ip;
  if (!parse_ip(text, ip)) {
    w.begin_object().key("ip").input_text(text).key("error").string("invalid_ip").end_object();
    return false;
  }
  const IpLookup r = resolver.lookup(ip);
  w.begin_object().key("ip").string(ip.to_private_string()).key("found").boolean(r.status == LookupStatus::found);
  if (r.status == LookupStatus::found) {
    w.key("prefix_length").integer(r.prefix_length).key("location");
    write_location(w, *r.location);
    if (places) {
      PlaceChain chain;
      place_record(*places, *r.location, chain);
      w.key("places");
      places_json->write(w, chain);
    }
  } else if (r.status == LookupStatus::special_range) {
    w.key("reason").string(describe(r.address_class));
  } else {
    w.key("reason").string(describe(r.status));
  }
  w.end_object();
  return true;
}

}  // namespace

std::string default_database() {
  if (const char* env = std::getenv("GEOTARGET_DB"); env && *env) return env;
  return GEOTARGET_DEFAULT_DB;
}

void add_ip_command(CLI::App& app, int& exit_code) {
  struct Args {
    std::string geodata;
    std::vector<std::string> databases, addresses;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("ip", "Resolve IP addresses to locations (JSON lines)");
  cmd->add_option("--db", args->databases,
                  "MMDB database; repeatable, the first that has an address answers (default: $GEOTARGET_DB or the "
                  "demo database)")
      ->allow_extra_args(false);  // one file a --db: addresses after it stay addresses
  cmd->add_option("--geodata", args->geodata, "Geodata manifest: add the places of each location");
  cmd->add_option("addresses", args->addresses, "Addresses; read from stdin (one a line) if none");
  cmd->callback([args, &exit_code] {
    IpResolver resolver(args->databases.empty() ? std::vector<std::string>{default_database()} : args->databases);
    std::shared_ptr<const PlaceIndex> places;
    std::optional<PlacesJson> places_json;
    if (!args->geodata.empty()) {
      places = PlaceIndex::load(args->geodata);
      places_json.emplace(*places);
    }
    std::size_t invalid = 0;
    std::string line_out;
    auto handle = [&](std::string_view text) {
      line_out.clear();
      JsonWriter w(line_out);
      invalid += answer(w, resolver, places.get(), places_json ? &*places_json : nullptr, text) ? 0 : 1;
      std::cout << line_out << '\n';
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
