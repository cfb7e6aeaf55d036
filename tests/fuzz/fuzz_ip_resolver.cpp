// libFuzzer: arbitrary bytes as an MMDB file. Opening must throw geotarget::Error or succeed,
// and lookups on what opened must answer; nothing may crash or read out of bounds (ASan).
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "geotarget/error.hpp"
#include "geotarget/ip_resolver.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/geotarget-fuzz-" + std::to_string(::getpid()) + ".mmdb";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  try {
    geotarget::IpResolver r(path);
    for (const char* ip : {"1.1.1.1", "81.2.69.160", "2001:218::1", "::1.2.3.4", "255.255.255.254"})
      (void)r.lookup(ip);
  } catch (const geotarget::Error&) {
  }
  return 0;
}
