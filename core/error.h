// Errors thrown by hearsay libraries. Every message names what was wrong (the file, the option, the
// layer) and, where there is a closed set, the valid choices. Libraries never call exit().
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace hearsay {

/// Base of every error hearsay throws on purpose.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

/// A file could not be read or written, or its content is not what it claims to be.
class IoError : public Error {
 public:
  using Error::Error;
};

/// An option, a configuration file or a command-line value is unknown or out of range.
class ConfigError : public Error {
 public:
  using Error::Error;
};

/// Sizes that must agree do not (samples vs frames, mask length vs components, batch shapes).
class ShapeError : public Error {
 public:
  using Error::Error;
};

/// The model cannot do what a method needs (no layers, an unsupported layer type, no gradients).
class UnsupportedModelError : public Error {
 public:
  using Error::Error;
};

/// The kind of an error for records and reports: "IoError", "ConfigError", "ShapeError",
/// "UnsupportedModelError", "Error" for another hearsay::Error, "std::bad_alloc" for an allocation
/// that failed, "std::exception" for anything else.
std::string error_type_name(const std::exception& error);

namespace detail {
template <class... Parts>
std::string concat(Parts&&... parts) {
  std::ostringstream out;
  (out << ... << std::forward<Parts>(parts));
  return out.str();
}
}  // namespace detail

/// Builds a message from any streamable parts: hearsay::message("bad value ", x, " for 'hop'").
template <class... Parts>
std::string message(Parts&&... parts) {
  return detail::concat(std::forward<Parts>(parts)...);
}

}  // namespace hearsay

/// Throws hearsay::Error with the streamed message parts when `cond` is false.
#define HEARSAY_CHECK(cond, ...) HEARSAY_CHECK_AS(::hearsay::Error, cond, __VA_ARGS__)

/// Throws `ErrorType` (a hearsay::Error subclass) with the streamed message parts when `cond` is false.
#define HEARSAY_CHECK_AS(ErrorType, cond, ...)                     \
  do {                                                             \
    if (!(cond)) throw ErrorType(::hearsay::message(__VA_ARGS__)); \
  } while (false)
