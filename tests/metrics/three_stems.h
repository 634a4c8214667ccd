// The factorization the localisation tests share: a 3 s clip of three stems ("bursts", "sweep",
// "tones", tests/support/signals.h) cut into segments at 1 s and 2 s, whose geometry is known.
#pragma once

#include <memory>

#include <gtest/gtest.h>

#include "factorizations/factorization.h"
#include "tests/support/signals.h"

namespace hearsay::metrics::testing {

class ThreeStems : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto clip = hearsay::testing::stem_clip(3.0, 22050, 7);
    factorization_ = factorizations::factorizer_registry()
                         .create("stems", {{"segments", 3}})
                         ->factorize({clip.mix, clip.stems}, front_end_);
  }

  FrontEnd front_end_{FrontEndOptions{}};
  std::unique_ptr<factorizations::Factorization> factorization_;
};

}  // namespace hearsay::metrics::testing
