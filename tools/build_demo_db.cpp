// Builds the demo IP database from geodata/demo-ip.csv with the project's own MMDB writer, at
// build time and without the CLI (the tests need it when GEOTARGET_BUILD_CLI is off). The same
// bytes as `geotarget mmdb build demo-ip.csv -o demo-ip.mmdb --type geotarget-Demo-City`.
//
//   geotarget_build_demo_db geodata/demo-ip.csv build/geodata/demo-ip.mmdb
#include <geotarget/error.hpp>
#include <geotarget/mmdb_writer.hpp>
#include <iostream>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: geotarget_build_demo_db DEMO-IP.csv OUT.mmdb\n";
    return 2;
  }
  geotarget::MmdbBuildOptions options;
  options.database_type = "geotarget-Demo-City";
  options.description = "geotarget demo database (synthetic network assignments)";
  options.build_epoch = 1767225600;  // fixed: the same input gives the same bytes
  try {
    const geotarget::MmdbBuildReport report = geotarget::build_mmdb(argv[1], argv[2], options);
    for (const auto& line : report.rejected) std::cerr << line << '\n';
    return report.rejected.empty() ? 0 : 1;
  } catch (const geotarget::Error& e) {
    std::cerr << "geotarget_build_demo_db: " << e.what() << '\n';
    return 2;
  }
}
