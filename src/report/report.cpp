// write_report: read the allocation, load the geodata it was made with, render every output.
#include "geotarget/report.hpp"

#include <filesystem>

#include "embedded_ledger.hpp"
#include "geotarget/budget_ledger.hpp"
#include "geotarget/error.hpp"
#include "report_exports.hpp"
#include "report_html.hpp"
#include "report_model.hpp"
#include "report_pdf.hpp"

namespace geotarget {

namespace {

// The options' override, else the allocation's own manifest (relative to the allocation
// file), else the options' default.
std::string geodata_for(const AllocationFile& allocation, const std::string& path, const ReportOptions& options) {
  if (!options.geodata.empty()) return options.geodata;
  if (allocation.geodata.empty()) {
    if (options.default_geodata.empty()) throw Error(path + ": geodata: missing, and no default manifest");
    return options.default_geodata;
  }
  std::filesystem::path manifest(allocation.geodata);
  if (manifest.is_relative()) manifest = std::filesystem::path(path).parent_path() / manifest;
  return manifest.string();
}

// Reads every budget account's spend from the ledger, which stays as it is (read_only).
detail::SpendBook read_spend(const AllocationFile& allocation, const std::string& address) {
  const std::vector<BudgetAccount> accounts = budget_accounts(allocation);
  const bool remote = address.starts_with("redis://");
  std::error_code ec;
  if (!remote && !std::filesystem::is_regular_file(address, ec))
    throw Error(address + ": no such ledger file (--spend takes the ledger of the allocation, or redis://HOST:PORT)", ErrorCode::io);
  LedgerOptions options;
  options.read_only = true;
  const std::unique_ptr<BudgetLedger> ledger = open_ledger(address, accounts, options);
  if (!ledger->connected()) throw Error(address + ": the ledger cannot be reached: no plan against actual", ErrorCode::io);
  detail::SpendBook book;
  book.source = address;
  for (std::size_t i = 0; i < accounts.size(); ++i) book.by_account[{accounts[i].campaign_id, accounts[i].area_id}] = ledger->spend(i);
  if (const auto* file = dynamic_cast<const detail::EmbeddedLedger*>(ledger.get()))
    book.reset_campaigns.insert(file->reset_campaigns().begin(), file->reset_campaigns().end());
  return book;
}

ReportSummary summary_of(const detail::ReportModel& model) {
  ReportSummary s;
  s.campaigns = model.campaigns.size();
  for (const detail::CampaignView& v : model.campaigns) {
    s.areas_shown += v.areas.size();
    s.areas_hidden += v.other.count;
    for (const detail::ShownArea& a : v.areas) s.areas_unmapped += a.place || a.area->catchment ? 0 : 1;
  }
  return s;
}

}  // namespace

ReportSummary write_report(const std::string& allocation_json, const std::string& out_dir, const ReportOptions& options) {
  const AllocationFile allocation = read_allocation_file(allocation_json);
  std::optional<detail::SpendBook> spend;
  if (!options.spend.empty()) spend = read_spend(allocation, options.spend);
  const detail::ReportModel model =
      detail::build_report_model(allocation, allocation_json, PlaceIndex::load(geodata_for(allocation, allocation_json, options)),
                                 options, spend ? &*spend : nullptr);
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) throw Error(out_dir + ": cannot create the report folder (" + ec.message() + ")", ErrorCode::io);
  const std::filesystem::path dir(out_dir);
  const std::string html = detail::report_html(model, options);
  detail::write_text_file((dir / "report.html").string(), html);
  detail::write_report_csv(model, (dir / "report.csv").string());
  detail::write_report_json(model, (dir / "report.json").string());
  detail::write_report_gpkg(model, (dir / "report.gpkg").string());
  ReportSummary s = summary_of(model);
  s.html_bytes = html.size();
  if (!options.pdf_browser.empty()) {
    detail::print_pdf((dir / "report.html").string(), (dir / "report.pdf").string(), options.pdf_browser, options.pdf_timeout_s);
    s.pdf = true;
  }
  return s;
}

}  // namespace geotarget
