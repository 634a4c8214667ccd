#include "core/version.h"

namespace hearsay {
const char* version() { return HEARSAY_VERSION_STRING; }
}  // namespace hearsay
