// libFuzzer: arbitrary bytes as a ledger file (written by `geotarget serve`, read at start and
// reload and by the report) through open_ledger, read-only. Reading must validate: throw
// geotarget::Error naming the field, or open a ledger whose every account is within its plan.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "geotarget/budget_ledger.hpp"
#include "geotarget/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path =
      (std::filesystem::temp_directory_path() / ("geotarget-fuzz-ledger-" + std::to_string(::getpid()) + ".ledger"))
          .string();
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  static const std::vector<geotarget::BudgetAccount> accounts = {{"c", "A", 500}, {"c", "B", 300}, {"d", "A", 100}};
  try {
    const auto ledger = geotarget::open_ledger(path, accounts, {.read_only = true});
    for (std::size_t i = 0; i < accounts.size(); ++i) {
      const geotarget::AccountSpend s = ledger->spend(i);
      if (s.spent_cents < 0 || s.spent_cents > accounts[i].planned_cents || s.conversions < 0) __builtin_trap();
    }
  } catch (const geotarget::Error&) {
  }
  return 0;
}
