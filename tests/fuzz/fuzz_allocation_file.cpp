// libFuzzer: arbitrary bytes as an allocation JSON file (the output of `geotarget allocate`,
// the input of `geotarget report`) through read_allocation_file. Reading must validate: throw
// geotarget::Error naming the field, or return the allocation; nothing may crash.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "geotarget/allocation_file.hpp"
#include "geotarget/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path =
      (std::filesystem::temp_directory_path() / ("geotarget-fuzz-allocation-" + std::to_string(::getpid()) + ".json"))
          .string();
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    const geotarget::AllocationFile a = geotarget::read_allocation_file(path);
    // What validated adds up: areas plus unspent are the budget, per campaign.
    for (const auto& c : a.campaigns) {
      std::int64_t sum = c.unspent_cents;
      for (const auto& area : c.areas) sum += area.budget_cents;
      if (sum != c.budget_cents) __builtin_trap();
    }
  } catch (const geotarget::Error&) {
  }
  return 0;
}
