// geotarget report --allocation OUT.json -o DIR [--geodata M] [--title T] [--min-audience N] [--spend LEDGER] [--pdf]
#include <iostream>

#include "commands.hpp"
#include "geotarget/report.hpp"

namespace geotarget::cli {

void add_report_command(CLI::App& app, int& exit_code) {
  struct Args {
    ReportOptions options;
    std::string allocation, out_dir, chromium = "/usr/bin/chromium";
    bool pdf = false;
  };
  auto args = std::make_shared<Args>();
  auto& o = args->options;
  CLI::App* cmd = app.add_subcommand("report", "Write the regional budget report of an allocation (HTML, CSV, JSON, GeoPackage)");
  cmd->add_option("--allocation", args->allocation, "Allocation JSON written by geotarget allocate")->required()->check(CLI::ExistingFile);
  cmd->add_option("-o,--output", args->out_dir, "Folder for report.html, report.csv, report.json, report.gpkg")->required();
  cmd->add_option("--geodata", o.geodata, "Geodata manifest (default: the allocation's, else geodata/default.yaml)");
  cmd->add_option("--title", o.title, "Page title")->capture_default_str();
  cmd->add_option("--min-audience", o.min_audience_shown,
                  "Hide areas below this audience even where a campaign's min_audience is lower")->check(CLI::NonNegativeNumber);
  cmd->add_option("--top", o.chart_areas, "Areas in each bar chart")->capture_default_str()->check(CLI::Range(1, 1000));
  cmd->add_option("--spend", o.spend,
                  "Plan against actual: the allocation's spend ledger (its ledger file, or redis://HOST:PORT), read only");
  cmd->add_flag("--pdf", args->pdf, "Also write report.pdf (A4, one campaign a page), printed by headless Chromium");
  cmd->add_option("--chromium", args->chromium, "Chromium for --pdf")->capture_default_str();
  cmd->callback([args, &exit_code] {
    args->options.default_geodata = default_geodata();
    if (args->pdf) args->options.pdf_browser = args->chromium;
    ReportSummary s = write_report(args->allocation, args->out_dir, args->options);
    std::cerr << "geotarget report: " << s.campaigns << " campaigns, " << s.areas_shown << " areas shown, " << s.areas_hidden
              << " below the minimum audience (in \"other areas\"), " << s.areas_unmapped << " not in the geodata; "
              << args->out_dir << "/report.html (" << (s.html_bytes + 1023) / 1024 << " KiB)"
              << (s.pdf ? " and report.pdf" : "") << '\n';
    exit_code = 0;
  });
}

}  // namespace geotarget::cli
