// Must NOT compile: the ip module comes before places, so a target that links geotarget::ip
// alone cannot see places' headers. Built only by the `module_direction` test, which expects
// the compiler to report this include as missing.
#include "geotarget/place_index.hpp"
