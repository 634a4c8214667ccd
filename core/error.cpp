#include "core/error.h"

#include <new>

namespace hearsay {

std::string error_type_name(const std::exception& error) {
  if (dynamic_cast<const IoError*>(&error)) return "IoError";
  if (dynamic_cast<const ConfigError*>(&error)) return "ConfigError";
  if (dynamic_cast<const ShapeError*>(&error)) return "ShapeError";
  if (dynamic_cast<const UnsupportedModelError*>(&error)) return "UnsupportedModelError";
  if (dynamic_cast<const Error*>(&error)) return "Error";
  if (dynamic_cast<const std::bad_alloc*>(&error)) return "std::bad_alloc";
  return "std::exception";
}

}  // namespace hearsay
