// OpenMP's waiting as the executables set it (core/parallel.h): a short spin by default, PASSIVE when
// several MPI ranks share the machine, and the user's own setting left alone.
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "core/parallel.h"

namespace hearsay {
namespace {

std::pair<std::string, std::string> setting(const std::map<std::string, std::string>& vars) {
  return omp_wait_setting([&](const char* name) -> const char* {
    const auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
}

TEST(OmpWaitSetting, AShortSpinUnlessTheUserChoseOrRanksShareTheMachine) {
  using Pair = std::pair<std::string, std::string>;
  EXPECT_EQ(setting({}), (Pair{"GOMP_SPINCOUNT", kOmpSpinCount}));
  EXPECT_EQ(setting({{"OMPI_COMM_WORLD_LOCAL_SIZE", "1"}}), (Pair{"GOMP_SPINCOUNT", kOmpSpinCount}));
  EXPECT_EQ(setting({{"OMPI_COMM_WORLD_LOCAL_SIZE", "3"}}), (Pair{"OMP_WAIT_POLICY", "PASSIVE"}));
  EXPECT_EQ(setting({{"OMP_WAIT_POLICY", "ACTIVE"}}), Pair{});
  EXPECT_EQ(setting({{"GOMP_SPINCOUNT", "0"}, {"OMPI_COMM_WORLD_LOCAL_SIZE", "3"}}), Pair{});
}

}  // namespace
}  // namespace hearsay
