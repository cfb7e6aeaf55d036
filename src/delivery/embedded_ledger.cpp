#include "embedded_ledger.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "file_output.hpp"
#include "geotarget/campaigns.hpp"
#include "geotarget/error.hpp"
#include "geotarget/json_writer.hpp"

namespace geotarget::detail {

namespace {

using nlohmann::json;

constexpr std::string_view kFormat = "geotarget ledger";
constexpr std::int64_t kVersion = 1;

[[noreturn]] void fail(const std::string& path, const std::string& where, const std::string& what) {
  throw Error(path + ": " + where + (where.empty() ? "" : ": ") + what);
}

const json& member(const std::string& path, const std::string& where, const json& object, const char* key) {
  if (!object.is_object()) fail(path, where, "must be an object");
  const auto it = object.find(key);
  if (it == object.end()) fail(path, where + (where.empty() ? "" : ".") + key, "missing");
  return *it;
}

std::string text(const std::string& path, const std::string& where, const json& object, const char* key) {
  const json& v = member(path, where, object, key);
  if (!v.is_string() || v.get_ref<const std::string&>().empty()) fail(path, where + "." + key, "must be a non-empty string");
  return v.get<std::string>();
}

std::int64_t amount(const std::string& path, const std::string& where, const json& object, const char* key) {
  const json& v = member(path, where, object, key);
  if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() > kMaxMoneyCents)
    fail(path, where + "." + key, "must be an integer in [0, " + std::to_string(kMaxMoneyCents) + "]");
  return v.get<std::int64_t>();
}

json parse_file(const std::string& path) {
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) throw Error(path + ": cannot read (" + ec.message() + ")", ErrorCode::io);
  if (size > kMaxLedgerBytes)
    throw Error(path + ": " + std::to_string(size) + " bytes, above the limit of " + std::to_string(kMaxLedgerBytes),
                ErrorCode::limit_exceeded);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot read", ErrorCode::io);
  json doc = json::parse(in, nullptr, false);
  if (doc.is_discarded()) fail(path, "", "not valid JSON (a ledger file is written by geotarget serve)");
  return doc;
}

void read_areas(const std::string& path, const std::string& where, const json& areas, const std::string& campaign,
                std::vector<LedgerEntry>& out) {
  if (!areas.is_array()) fail(path, where, "must be an array");
  if (areas.size() > kMaxLedgerAreas)
    throw Error(path + ": " + where + ": " + std::to_string(areas.size()) + " areas, above the limit of " +
                    std::to_string(kMaxLedgerAreas),
                ErrorCode::limit_exceeded);
  std::set<std::string> seen;
  for (std::size_t i = 0; i < areas.size(); ++i) {
    const std::string at = where + "[" + std::to_string(i) + "]";
    LedgerEntry e;
    e.account.campaign_id = campaign;
    e.account.area_id = text(path, at, areas[i], "area_id");
    e.account.planned_cents = amount(path, at, areas[i], "planned_cents");
    e.spend.spent_cents = amount(path, at, areas[i], "spent_cents");
    e.spend.conversions = amount(path, at, areas[i], "conversions");
    if (e.spend.spent_cents > e.account.planned_cents) fail(path, at + ".spent_cents", "is above planned_cents");
    if (!seen.insert(e.account.area_id).second) fail(path, at + ".area_id", "repeats an area of the campaign");
    out.push_back(std::move(e));
  }
}

}  // namespace

std::vector<LedgerEntry> read_ledger_file(const std::string& path) {
  const json doc = parse_file(path);
  if (text(path, "", doc, "format") != kFormat) fail(path, "format", "must be \"" + std::string(kFormat) + "\"");
  const json& version = member(path, "", doc, "version");
  if (!version.is_number_integer() || version.get<std::int64_t>() != kVersion)
    fail(path, "version", "must be " + std::to_string(kVersion) + " (written by another version of geotarget?)");
  const json& campaigns = member(path, "", doc, "campaigns");
  if (!campaigns.is_array()) fail(path, "campaigns", "must be an array");
  if (campaigns.size() > kMaxCampaigns)
    throw Error(path + ": campaigns: " + std::to_string(campaigns.size()) + ", above the limit of " +
                    std::to_string(kMaxCampaigns),
                ErrorCode::limit_exceeded);
  std::vector<LedgerEntry> entries;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < campaigns.size(); ++i) {
    const std::string at = "campaigns[" + std::to_string(i) + "]";
    const std::string id = text(path, at, campaigns[i], "id");
    if (!seen.insert(id).second) fail(path, at + ".id", "repeats a campaign");
    read_areas(path, at + ".areas", member(path, at, campaigns[i], "areas"), id, entries);
  }
  return entries;
}

void write_ledger_file(const std::string& path, std::span<const LedgerEntry> entries) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().key("format").string(kFormat).key("version").integer(kVersion).key("campaigns").begin_array();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::string& campaign = entries[i].account.campaign_id;
    if (i == 0 || entries[i - 1].account.campaign_id != campaign)
      w.begin_object().key("id").string(campaign).key("areas").begin_array();
    const LedgerEntry& e = entries[i];
    w.begin_object().key("area_id").string(e.account.area_id).key("planned_cents").integer(e.account.planned_cents);
    w.key("spent_cents").integer(e.spend.spent_cents).key("conversions").integer(e.spend.conversions).end_object();
    if (i + 1 == entries.size() || entries[i + 1].account.campaign_id != campaign) w.end_array().end_object();
  }
  w.end_array().end_object();
  out += '\n';
  replace_file(path, out);
}

EmbeddedLedger::EmbeddedLedger(std::string path, std::span<const BudgetAccount> accounts, const LedgerOptions& options)
    : path_(std::move(path)),
      accounts_(accounts.begin(), accounts.end()),
      options_(options),
      counters_(std::make_unique<Counter[]>(accounts.size())),
      written_(accounts.size()) {
  std::error_code ec;
  if (std::filesystem::exists(path_, ec)) {
    restore(read_ledger_file(path_));
  } else if (!options_.read_only) {
    write();  // fails now, at start, when the folder cannot be written
  }
}

// Keeps the recorded spend of every campaign whose accounts are the same, in the same order.
void EmbeddedLedger::restore(const std::vector<LedgerEntry>& recorded) {
  std::map<std::string, std::vector<const LedgerEntry*>, std::less<>> by_campaign;
  for (const LedgerEntry& e : recorded) by_campaign[e.account.campaign_id].push_back(&e);
  for (std::size_t first = 0; first < accounts_.size();) {
    const std::string& campaign = accounts_[first].campaign_id;
    std::size_t end = first;
    while (end < accounts_.size() && accounts_[end].campaign_id == campaign) ++end;
    const auto found = by_campaign.find(campaign);
    bool same = found != by_campaign.end() && found->second.size() == end - first;
    for (std::size_t i = first; same && i < end; ++i) {
      const BudgetAccount& was = found->second[i - first]->account;
      same = was.area_id == accounts_[i].area_id && was.planned_cents == accounts_[i].planned_cents;
    }
    if (same) {
      for (std::size_t i = first; i < end; ++i) {
        written_[i] = found->second[i - first]->spend;
        counters_[i].spent.store(written_[i].spent_cents);
        counters_[i].conversions.store(written_[i].conversions);
      }
    } else if (found != by_campaign.end()) {
      reset_.push_back(campaign);
    }
    first = end;
  }
}

bool EmbeddedLedger::try_spend(std::size_t account, std::int64_t cents) noexcept {
  if (options_.read_only) return false;
  std::atomic<std::int64_t>& spent = counters_[account].spent;
  const std::int64_t plan = accounts_[account].planned_cents;
  std::int64_t now = spent.load(std::memory_order_relaxed);
  do {
    if (now + cents > plan) return false;
  } while (!spent.compare_exchange_weak(now, now + cents, std::memory_order_relaxed));
  return true;
}

void EmbeddedLedger::record_conversion(std::size_t account) noexcept {
  counters_[account].conversions.fetch_add(1, std::memory_order_relaxed);
}

AccountSpend EmbeddedLedger::spend(std::size_t account) const noexcept {
  return {counters_[account].spent.load(std::memory_order_relaxed),
          counters_[account].conversions.load(std::memory_order_relaxed)};
}

void EmbeddedLedger::tick(std::chrono::steady_clock::time_point now) {
  if (options_.read_only || (last_write_ && now - *last_write_ < options_.flush_interval)) return;
  last_write_ = now;
  bool changed = false;
  for (std::size_t i = 0; i < accounts_.size() && !changed; ++i) {
    const AccountSpend s = spend(i);
    changed = s.spent_cents != written_[i].spent_cents || s.conversions != written_[i].conversions;
  }
  if (changed) write();
}

void EmbeddedLedger::write() {
  std::vector<LedgerEntry> entries(accounts_.size());
  for (std::size_t i = 0; i < accounts_.size(); ++i) entries[i] = {accounts_[i], spend(i)};
  write_ledger_file(path_, entries);
  for (std::size_t i = 0; i < accounts_.size(); ++i) written_[i] = entries[i].spend;
}

}  // namespace geotarget::detail
