// geotarget: one binary, one subcommand per job. The only place where exceptions from loading
// files become messages: one line on stderr and exit status 2.
#include <algorithm>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "commands.hpp"
#include "geotarget/error.hpp"
#include "geotarget/text.hpp"

namespace {

// " (did you mean 'x'?)", or nothing when no name is that close.
std::string suggestion(std::string_view given, const std::vector<std::string>& names, std::string_view prefix) {
  const std::vector<std::string_view> views(names.begin(), names.end());
  const std::string_view closest = geotarget::closest_name(given, views);
  return closest.empty() ? "" : " (did you mean '" + std::string(prefix) + std::string(closest) + "'?)";
}

// A misspelt subcommand or long option, named with what was probably meant; empty when every
// name on the command line is known (the parse error is then about something else). CLI11
// reports a missing required option before an unknown one ("--ouput" said "--output is
// required"), so names are checked here first.
std::string unknown_name(const CLI::App& app, int argc, char** argv) {
  const CLI::App* at = &app;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg.starts_with("--")) {
      const std::string name(arg.substr(2, arg.find('=') == std::string_view::npos ? arg.npos : arg.find('=') - 2));
      if (at->get_option_no_throw("--" + name)) continue;
      std::vector<std::string> known;
      for (const CLI::Option* o : at->get_options())
        for (const std::string& l : o->get_lnames()) known.push_back(l);
      return "unknown option '--" + name + "' for '" + at->get_name() + "'" + suggestion(name, known, "--");
    }
    const std::vector<const CLI::App*> subcommands = at->get_subcommands({});
    if (arg.starts_with("-") || subcommands.empty()) continue;
    const auto sub = std::find_if(subcommands.begin(), subcommands.end(),
                                  [&](const CLI::App* s) { return s->get_name() == arg; });
    if (sub == subcommands.end()) {
      std::vector<std::string> known;
      for (const CLI::App* s : subcommands) known.push_back(s->get_name());
      return "unknown command '" + std::string(arg) + "'" + suggestion(arg, known, "");
    }
    at = *sub;
  }
  return {};
}

}  // namespace

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
  geotarget::cli::add_simulate_command(app, exit_code);
  geotarget::cli::add_mmdb_command(app, exit_code);
  geotarget::cli::add_bench_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (const std::string unknown = unknown_name(app, argc, argv); !unknown.empty()) {
      std::cerr << "geotarget: " << unknown << "; see geotarget --help\n";
      return 2;
    }
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
