// The C ABI's declarations live in include/switchyard.h; the definitions are the @_cdecl
// functions of the Swift target CSwitchyard. This file only gives the header a C target.
#include "switchyard.h"
