#pragma once

namespace hearsay {
/// The project version, e.g. "0.1.0" (from CMake's project()).
const char* version();
}  // namespace hearsay
