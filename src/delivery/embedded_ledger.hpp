// Internal: the embedded ledger, a local file of spend per account (the default ledger).
//
// The counters live in memory, one cache line per account, shared by every worker thread
// through atomics: try_spend() is a compare-and-swap that never lets an account's spend pass its
// plan. tick() writes them all to the file through a temporary file renamed over it (readers
// and a crash never see half a file), at most once per flush interval and only when something
// changed. A kill -9 therefore loses the spend made since the last completed write: at most one
// flush interval of it, plus the time one write takes (docs/architecture.md D36).
//
// The file format is in docs/formats.md ("The ledger file"); read_ledger_file() validates it.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "geotarget/budget_ledger.hpp"

namespace geotarget::detail {

/// Most areas one campaign of a ledger file may hold, and most bytes the file may have.
inline constexpr std::size_t kMaxLedgerAreas = 1'000'000;
inline constexpr std::uintmax_t kMaxLedgerBytes = 512ull << 20;

/// One account as a ledger file records it.
struct LedgerEntry {
  BudgetAccount account;
  AccountSpend spend;
};

/// Reads and validates a ledger file. Throws geotarget::Error naming the file and the field
/// ("alloc.ledger: campaigns[2].areas[0].spent_cents: must be a non-negative integer").
std::vector<LedgerEntry> read_ledger_file(const std::string& path);
/// Writes a ledger file through a temporary file renamed over `path`.
void write_ledger_file(const std::string& path, std::span<const LedgerEntry> entries);

class EmbeddedLedger final : public BudgetLedger {
 public:
  /// Opens `path` (writes it at once when missing, unless read_only), keeping the spend of each
  /// campaign whose accounts (area ids and plans, in order) are the same in the file, and
  /// starting the others at zero. Throws geotarget::Error naming the file.
  EmbeddedLedger(std::string path, std::span<const BudgetAccount> accounts, const LedgerOptions& options);

  [[nodiscard]] bool try_spend(std::size_t account, std::int64_t cents) noexcept override;
  void record_conversion(std::size_t account) noexcept override;
  [[nodiscard]] AccountSpend spend(std::size_t account) const noexcept override;
  [[nodiscard]] std::int64_t overspend_bound_cents(std::size_t) const noexcept override { return 0; }
  [[nodiscard]] bool connected() const noexcept override { return true; }
  void tick(std::chrono::steady_clock::time_point now) override;

  /// The campaigns whose recorded spend was dropped at open because their accounts changed.
  [[nodiscard]] const std::vector<std::string>& reset_campaigns() const noexcept { return reset_; }

 private:
  struct alignas(64) Counter {
    std::atomic<std::int64_t> spent{0}, conversions{0};
  };
  void restore(const std::vector<LedgerEntry>& recorded);
  void write();

  std::string path_;
  std::vector<BudgetAccount> accounts_;
  LedgerOptions options_;
  std::unique_ptr<Counter[]> counters_;
  std::vector<AccountSpend> written_;  // as of the last write (ledger thread only)
  /// None before the first tick, which always writes: the clock's epoch is the machine's boot,
  /// which may be less than a flush interval ago.
  std::optional<std::chrono::steady_clock::time_point> last_write_;
  std::vector<std::string> reset_;
};

}  // namespace geotarget::detail
