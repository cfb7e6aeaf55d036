// geotarget map INPUT -o OUTPUT [--geodata M] [--rejects FILE] [--threads N] [column flags]
#include <unistd.h>

#include <iostream>
#include <optional>

#include "geotarget/batch_mapper.hpp"
#include "commands.hpp"

namespace geotarget::cli {

void add_map_command(CLI::App& app, int& exit_code) {
  struct Args {
    MapOptions options;
    std::string geodata, delimiter, stores;
  };
  auto args = std::make_shared<Args>();
  auto& o = args->options;
  CLI::App* cmd = app.add_subcommand("map", "Map a customer CSV (coordinates and/or addresses) into places");
  cmd->add_option("input", o.input, "Customer CSV with a header row")->required()->check(CLI::ExistingFile);
  cmd->add_option("-o,--output", o.output, "Output .csv, .gpkg for a GeoPackage, or - for stdout")->required();
  cmd->add_option("--geodata", args->geodata, "Geodata manifest (default: geodata/default.yaml)");
  cmd->add_option("--rejects", o.rejects, "Rejected rows (default: OUTPUT.rejects.csv; rejects.csv with -o -)");
  cmd->add_option("--threads", o.threads, "Worker threads (default: all cores)")->check(CLI::Range(0, 256));
  cmd->add_option("--delimiter", args->delimiter, "Field delimiter: ',', ';', 'tab' (default: detected)");
  cmd->add_option("--stores", args->stores, "Stores file (CSV or any OGR point source): adds geo_store, geo_store_km");
  cmd->add_option("--store-max-km", o.store_max_km, "Nearest store within this many km (default 50)")
      ->check(CLI::Range(0.0, 20000.0));
  auto& c = o.columns;
  cmd->add_option("--lat-column", c.lat, "Latitude column (default: lat, latitude)");
  cmd->add_option("--lon-column", c.lon, "Longitude column (default: lon, lng, long, longitude)");
  cmd->add_option("--address-column", c.address, "Single-line address column (default: address)");
  cmd->add_option("--street-column", c.street, "Street column (default: street)");
  cmd->add_option("--city-column", c.city, "Town column (default: city, town)");
  cmd->add_option("--state-column", c.state, "State column (default: state, region)");
  cmd->add_option("--postal-column", c.postal, "Postal code column (default: postal_code, zip, postcode)");
  cmd->add_option("--country-column", c.country, "Country column (default: country)");
  cmd->callback([args, &exit_code] {
    auto& opt = args->options;
    if (args->delimiter == "tab" || args->delimiter == "\\t") opt.delimiter = '\t';
    else if (args->delimiter.size() == 1) opt.delimiter = args->delimiter[0];
    else if (!args->delimiter.empty()) throw Error("map: --delimiter must be one character or 'tab'");
    opt.progress = ::isatty(2) != 0;
    auto index = PlaceIndex::load(args->geodata.empty() ? default_geodata() : args->geodata);
    GazetteerSource gazetteer(index);
    std::optional<StoreIndex> stores;
    if (!args->stores.empty()) opt.stores = &stores.emplace(load_stores(args->stores));
    MapSummary s = map_customers(opt, *index, gazetteer, std::cerr);
    std::cerr << "geotarget map: " << describe(s) << '\n';
    exit_code = s.rejected > 0 ? 1 : 0;
  });
}

}  // namespace geotarget::cli
