// Internal: the report's view of an allocation file (geotarget/allocation_file.hpp): the areas that
// may be shown (the privacy rule lives in build_report_model and nowhere else), the "other
// areas" row, totals per region and the merge notes. The HTML page, the map and the exports
// all render this one model.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "geotarget/allocation_file.hpp"
#include "geotarget/budget_ledger.hpp"
#include "geotarget/place_index.hpp"
#include "geotarget/report.hpp"

namespace geotarget::detail {

/// What a spend ledger recorded for the allocation (ReportOptions::spend).
struct SpendBook {
  std::string source;  ///< the ledger's address, as given
  /// Per budget account (budget_accounts()): (campaign id, area id) -> spend and conversions.
  std::map<std::pair<std::string, std::string>, AccountSpend> by_account;
  /// Campaigns whose recorded spend the ledger dropped because their accounts changed since.
  std::set<std::string> reset_campaigns;
};

/// Spent ÷ planned, the share of the plan delivered (1 = on plan); NaN when nothing is planned.
double pace_of(std::int64_t spent_cents, std::int64_t planned_cents);

/// An area that passes the privacy rule, with where it is.
struct ShownArea {
  const AreaAllocation* area = nullptr;
  const Place* place = nullptr;  ///< nullptr when the geodata has no place with this id (stores)
  /// Its region (or country where there are no regions); a store's from its centre.
  std::string region_id, region_name;
  std::string country_id;
  /// The area's merged_into as it may be shown: "other" when the target is itself hidden.
  std::string merged_into;
  /// What it was merged into, as it may be named: "San Mateo (US-06081)", or the hidden
  /// "other areas" text; "" for an area not merged.
  std::string merged_into_label;
  /// The areas rolled up into this one: shown ones by label, hidden ones only counted.
  std::vector<std::string> merged_children;
  std::size_t hidden_children = 0;
  /// What the ledger recorded, for an area that is a budget account; none without a ledger,
  /// and for merged, excluded and zero-budget areas (their budget is elsewhere or nil).
  std::optional<AccountSpend> actual;
  [[nodiscard]] bool rolled_up() const { return !merged_children.empty() || hidden_children > 0; }
};

/// The areas below the privacy threshold, summed.
struct OtherAreas {
  std::size_t count = 0;
  std::int64_t audience = 0, budget_cents = 0;
  double expected_response = 0;
  AccountSpend actual;  ///< with a ledger
};

struct RegionTotal {
  std::string id, name;
  std::size_t areas = 0;
  std::int64_t audience = 0, budget_cents = 0;
  double expected_response = 0;
};

/// One line of "merged areas and why": a shown area by name, or hidden ones as a count.
struct MergeNote {
  std::string merged;  ///< "San Mateo (US-06081)" or "3 areas below the minimum audience"
  std::string into;    ///< "California (US-CA)"
  std::string reason;
};

struct CampaignView {
  const CampaignAllocation* campaign = nullptr;
  std::int64_t threshold = 0;  ///< audiences below this are never shown on their own
  std::vector<ShownArea> areas;  ///< largest budget first, then by id
  OtherAreas other;
  std::vector<RegionTotal> regions;  ///< largest budget first; hidden areas are in `other`
  std::vector<MergeNote> merged;
  std::int64_t spent_cents = 0;
  double expected_response = 0;     ///< expected revenue, currency units
  double expected_conversions = 0;  ///< meaningful only when the campaign has a response
  std::size_t areas_served = 0;     ///< areas with a budget, hidden ones included
  std::size_t areas_rolled_up = 0;  ///< areas merged into a parent, hidden ones included
  std::size_t hidden_stores = 0;    ///< store catchments in `other` (level store)
  std::optional<AccountSpend> actual;  ///< the campaign's spend and conversions, with a ledger
  bool spend_reset = false;  ///< the ledger dropped its spend: its allocation changed since
  /// Return on spend: expected revenue per currency unit planned; 0 when nothing is planned.
  [[nodiscard]] double return_on_spend() const {
    return spent_cents > 0 ? expected_response / (static_cast<double>(spent_cents) / 100) : 0;
  }
};

struct ReportModel {
  const AllocationFile* allocation = nullptr;
  std::string allocation_path;
  std::shared_ptr<const PlaceIndex> places;
  const SpendBook* spend = nullptr;  ///< plan against actual when not null
  std::vector<CampaignView> campaigns;
};

ReportModel build_report_model(const AllocationFile& allocation, const std::string& allocation_path, std::shared_ptr<const PlaceIndex> places,
                               const ReportOptions& options, const SpendBook* spend = nullptr);

/// "USD 2,500.00" (negative amounts do not occur: the allocation is validated).
std::string format_money(std::int64_t cents, const std::string& currency);
/// "1,234".
std::string format_count(std::int64_t n);
/// Text safe inside HTML/SVG elements and double-quoted attributes.
std::string html_escape(const std::string& text);
/// "San Francisco (US-06075)".
std::string area_label(const AreaAllocation& area);
/// Shortest decimal text that reads back as the same double (may use exponents: files only).
std::string number_text(double v);
/// Fixed-point text with `decimals` digits and no exponent, whatever the size: "0.00" for
/// 4.7e-104. `grouped` adds thousands separators ("1,234.50"). For everything on the page.
std::string fixed_text(double v, int decimals, bool grouped = false);
/// The text of an offer id in the campaign ("10% off for gold members"), or the id when the
/// allocation has no text for it.
std::string offer_text(const CampaignAllocation& c, const std::string& offer_id);
/// Why the rest of the budget is unspent, in words ("saturated: the rest would return less than
/// USD 1.00 per USD 1.00"); "" when nothing is.
std::string unspent_reason_text(const CampaignAllocation& c, const std::string& currency);

}  // namespace geotarget::detail
