// Chart.js (Debian's libjs-chart.js, MIT licence), compiled into hearsay so that every report.html
// carries its own copy and opens offline. The bytes come from the package at build time
// (cmake/EmbedFile.cmake); nothing is downloaded.
#pragma once

#include <string_view>

namespace hearsay::bench {

/// The text of chart.min.js.
std::string_view chartjs_source();

}  // namespace hearsay::bench
