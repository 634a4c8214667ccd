// libFuzzer target: model.json (models/model_config.h), which users write by hand to bring a
// TorchScript file. Only the torch-free reader is linked: hearsay::models_api, never LibTorch.
// The file is read as `hearsay` reads it (read_model_config), and what parses is written back and
// read again, since hearsay rewrites model.json for the models it trains.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_input.h"
#include "models/model_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = hearsay::fuzz::write_input("model.json", data, size);
  hearsay::fuzz::expect_only_hearsay_errors([&] {
    const hearsay::models::ModelConfig config = hearsay::models::read_model_config(path);
    hearsay::models::model_config_from_json(hearsay::models::to_json(config), path);
  });
  return 0;
}
