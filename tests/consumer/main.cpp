// Resolves one address against the database given as argv[1]; prints "city country".
#include <geotarget/ip_resolver.hpp>
#include <iostream>

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  geotarget::IpResolver resolver(argv[1]);
  geotarget::IpLookup r = resolver.lookup(argv[2]);
  if (r.status != geotarget::LookupStatus::found) return 1;
  std::cout << r.location->city << ' ' << r.location->country << '\n';
  return 0;
}
