// The built-in architectures' registry, declared without LibTorch so that code which only lists
// them (the CLI's `hearsay list networks`) stays torch-free. Building a network needs
// models/networks.h.
#pragma once

#include "core/registry.h"

namespace hearsay::models {

class NetworkBuilder;

/// The built-in architectures by name: "fcn", "short_chunk_cnn", "vgg_small". create(name, options)
/// validates the options (ConfigError naming an unknown option or architecture); option_docs(name)
/// lists them.
const Registry<NetworkBuilder>& network_registry();

}  // namespace hearsay::models
