/* The fallback of iost_build_version(): overridden by a strong definition at link time. */
#include "iost_build_info.h"

__attribute__((weak)) const char *iost_build_version(void) { return "0.0.0+unknown"; }
