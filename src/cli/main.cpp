// geotarget: one binary, one subcommand per job. The only place where exceptions from loading
// files become messages: one line on stderr and exit status 2.
#include <iostream>

#include "commands.hpp"
#include "geotarget/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{"geotarget: geo-targeting engine for location-based micromarketing"};
  app.require_subcommand(1);
  app.set_version_flag("--version", GEOTARGET_VERSION);
  int exit_code = 0;
  geotarget::cli::add_ip_command(app, exit_code);
  geotarget::cli::add_locate_command(app, exit_code);
  geotarget::cli::add_map_command(app, exit_code);
  geotarget::cli::add_allocate_command(app, exit_code);
  geotarget::cli::add_report_command(app, exit_code);
  geotarget::cli::add_serve_command(app, exit_code);
  geotarget::cli::add_mmdb_command(app, exit_code);
  geotarget::cli::add_bench_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  } catch (const geotarget::Error& e) {
    std::cerr << "geotarget: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "geotarget: internal error: " << e.what() << '\n';
    return 2;
  }
  return exit_code;
}
