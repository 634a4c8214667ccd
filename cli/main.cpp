// The hearsay executable: compare explanation methods on audio classifiers.

#include <cstdio>
#include <filesystem>
#include <new>
#include <string>

#include <c10/util/Exception.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/error.h"
#include "core/file_io.h"
#include "core/parallel.h"
#include "core/version.h"
#include "models/load_model.h"

int main(int argc, char** argv) {
  using namespace hearsay;
  // libgomp's default spin takes the cores other work needs, no spin at all slows every forward pass;
  // a short one, set before libgomp loads (core/parallel.h), unless the user chose.
  use_short_omp_spin(argv);
  CLI::App app("hearsay: compare explanation methods (LIME, KernelSHAP, occlusion, Grad-CAM, ...) on audio classifiers",
               "hearsay");
  app.set_version_flag("--version", std::string("hearsay ") + version());
  app.require_subcommand(1);
  cli::GlobalOptions global;
  app.add_option("--threads", global.threads, "Worker threads (0: one per core)")->check(CLI::NonNegativeNumber);
  app.parse_complete_callback([&global] {
    // More threads than cores only adds switching (and, with OpenMP's barriers, can be many times
    // slower); results do not depend on the count, so capping changes nothing but the time.
    const int cores = hardware_threads();
    if (global.threads > cores) {
      std::fprintf(stderr, "hearsay: note: --threads %d is more than the %d cores here; using %d\n", global.threads,
                   cores, cores);
      global.threads = cores;
    }
    set_num_threads(global.threads);
    models::set_torch_threads(global.threads);
  });

  cli::add_info_command(app, global);
  cli::add_list_command(app, global);
  cli::add_synth_command(app, global);
  cli::add_dataset_command(app, global);
  cli::add_train_command(app, global);
  cli::add_evaluate_command(app, global);
  cli::add_predict_command(app, global);
  cli::add_explain_command(app, global);
  cli::add_attack_command(app, global);
  cli::add_bench_command(app, global);
  cli::add_report_command(app, global);
  cli::add_tune_command(app, global);

  // Name a mistyped subcommand (at any level that needs one: `dataset inf`) instead of CLI11's generic "A subcommand
  // is required".
  const CLI::App* level = &app;
  std::string path = "hearsay";
  // A level whose subcommand is optional (bench; bench merge) takes other words as values.
  for (int i = 1; i < argc && !level->get_subcommands({}).empty() && level->get_require_subcommand_min() > 0; ++i) {
    const std::string word = argv[i];
    if (word == "--threads") {
      ++i;
      continue;
    }
    if (word.rfind("-", 0) == 0) continue;
    const CLI::App* found = nullptr;
    std::string valid;
    for (const CLI::App* sub : level->get_subcommands({})) {
      if (sub->check_name(word)) found = sub;
      valid += (valid.empty() ? "" : ", ") + sub->get_name();
    }
    if (!found) {
      std::fprintf(stderr, "%s: unknown subcommand '%s'; valid subcommands: %s\n", path.c_str(), word.c_str(),
                   valid.c_str());
      return 2;
    }
    path += " " + found->get_name();
    level = found;
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "hearsay: configuration error: %s\n", e.what());
    return 2;
  } catch (const Error& e) {
    std::fprintf(stderr, "hearsay: error: %s\n", e.what());
    return 1;
  } catch (const std::filesystem::filesystem_error& e) {
    // Last resorts: every known cause is turned into a hearsay Error where it happens; these name
    // what they can for the causes nobody has met yet.
    std::fprintf(stderr, "hearsay: internal error: a file operation on '%s' failed: %s\n", e.path1().c_str(),
                 io_error_text(e.code().value()).c_str());
    return 1;
  } catch (const nlohmann::json::exception& e) {
    std::fprintf(stderr, "hearsay: internal error: JSON handling failed: %s\n", e.what());
    return 1;
  } catch (const c10::Error& e) {
    const std::string text = e.what_without_backtrace();
    std::fprintf(stderr, "hearsay: internal error: LibTorch failed: %s\n", text.substr(0, text.find('\n')).c_str());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "hearsay: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hearsay: unexpected error: %s\n", e.what());
    return 1;
  }
  return 0;
}
