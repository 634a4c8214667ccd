#include "datasets/dataset.h"

#include "core/error.h"

namespace hearsay::datasets::detail {

void check_example(const ExampleInfo& info, size_t num_classes, std::set<std::string>& ids) {
  HEARSAY_CHECK_AS(ShapeError, info.label >= -1 && info.label < static_cast<int>(num_classes), "example '", info.id,
                   "': label ", info.label, " is not an index into ", num_classes, " classes");
  HEARSAY_CHECK_AS(ShapeError, ids.insert(info.id).second, "example id '", info.id, "' appears twice");
}

}  // namespace hearsay::datasets::detail
