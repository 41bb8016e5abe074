// Debian's zlib (zlib1g-dev): inflate for gzip- and zlib-compressed blobs in the decoded view.
#include <zlib.h>
