// Scoring: confusion matrix, accuracy, recall, JSON and text, and evaluate_model on a dataset.
#include <cmath>

#include <gtest/gtest.h>

#include "core/error.h"
#include "datasets/in_memory_dataset.h"
#include "models/evaluation.h"
#include "tests/models/toy_model.h"
#include "tests/support/test_support.h"

namespace hearsay::models {
namespace {

datasets::Example example(const std::string& id, int label, Audio audio) {
  datasets::Example e;
  e.info.id = id;
  e.info.label = label;
  e.audio = std::move(audio);
  return e;
}

TEST(Evaluation, CountsAccuracyRecallAndConfusion) {
  Evaluation e({"a", "b", "c"});
  e.add(0, 0);
  e.add(0, 1);
  e.add(1, 1);
  e.add(1, 1);
  EXPECT_EQ(e.examples(), 4);
  EXPECT_DOUBLE_EQ(e.accuracy(), 0.75);
  const auto recall = e.recall();
  EXPECT_DOUBLE_EQ(recall[0], 0.5);
  EXPECT_DOUBLE_EQ(recall[1], 1.0);
  EXPECT_TRUE(std::isnan(recall[2]));
  EXPECT_EQ(e.confusion()(0, 1), 1);
  EXPECT_EQ(e.confusion()(1, 1), 2);
  const auto j = e.to_json();
  EXPECT_EQ(j["confusion"], nlohmann::json({{1, 1, 0}, {0, 2, 0}, {0, 0, 0}}));
  EXPECT_TRUE(j["per_class"][2]["recall"].is_null());
  EXPECT_EQ(j["per_class"][1]["support"], 2);
  const std::string text = e.to_text();
  EXPECT_NE(text.find("accuracy  75.0% on 4 examples"), std::string::npos) << text;
  EXPECT_NE(text.find("rows: true class"), std::string::npos);
  EXPECT_THROW_WITH(e.add(3, 0), ShapeError, "outside the 3 classes");
  EXPECT_TRUE(std::isnan(Evaluation({"a"}).accuracy()));
}

TEST(Evaluation, ScoresWholeTracksMatchingClassesByNameWithNotes) {
  const testing::ToyModel model;  // "loud" when the mean log-mel is > 0
  // The dataset lists the classes in the other order; loud noise, quiet noise at 16 kHz, a short
  // loud clip, and an unlabelled clip.
  std::vector<datasets::Example> examples;
  examples.push_back(example("loud.0", 1, Audio::mono(hearsay::testing::noise(8000, 1, 1.0f), 8000)));
  examples.push_back(example("quiet.0", 0, Audio::mono(hearsay::testing::noise(16000, 2, 1e-4f), 16000)));
  examples.push_back(example("loud.short", 1, Audio::mono(hearsay::testing::noise(300, 3, 1.0f), 8000)));
  examples.push_back(example("unknown", -1, Audio::mono(hearsay::testing::noise(8000, 4, 1.0f), 8000)));
  const datasets::InMemoryDataset data({"quiet", "loud"}, std::move(examples));
  const Evaluation e = evaluate_model(model, data, {0, 1, 2, 3});
  EXPECT_EQ(e.classes(), model.class_names());
  EXPECT_EQ(e.examples(), 3);
  EXPECT_EQ(e.confusion()(0, 0), 2);  // model class 0 = loud
  EXPECT_EQ(e.confusion()(1, 1), 1);
  ASSERT_EQ(e.notes.size(), 2u);
  EXPECT_EQ(e.notes[0], "1 clip at 16000 Hz resampled to 8000 Hz");
  EXPECT_NE(e.notes[1].find("1 clip shorter than the model input"), std::string::npos) << e.notes[1];

  const datasets::InMemoryDataset other({"loud", "jazz"}, {});
  EXPECT_THROW_WITH(evaluate_model(model, other, {}), ConfigError, "'jazz'", "loud, quiet");
}

}  // namespace
}  // namespace hearsay::models
