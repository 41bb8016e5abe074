// Debian's libhiredis (libhiredis-dev): the maintained C client for Redis, used by the shared
// strike store (SwitchyardRedis). Only the synchronous API is used.
#include <hiredis/hiredis.h>
