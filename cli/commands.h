// Subcommands of the `hearsay` executable. Each file adds one subcommand to the app; main.cpp lists
// them. Commands are thin: parse options, call the libraries, print.
#pragma once

#include <iosfwd>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/options.h"

namespace hearsay::cli {

/// Options every subcommand shares (set before the subcommand runs).
struct GlobalOptions {
  int threads = 0;  ///< 0: one per core (hearsay's OpenMP loops and LibTorch alike)
};

/// Prints documented options, one per line ("name = default  (type, allowed)  meaning"), or as a
/// Markdown table.
void print_option_docs(std::ostream& out, const std::vector<OptionDoc>& docs, bool markdown);

void add_info_command(CLI::App& app, const GlobalOptions& global);
void add_list_command(CLI::App& app, const GlobalOptions& global);
void add_synth_command(CLI::App& app, const GlobalOptions& global);
void add_dataset_command(CLI::App& app, const GlobalOptions& global);
void add_train_command(CLI::App& app, const GlobalOptions& global);
void add_evaluate_command(CLI::App& app, const GlobalOptions& global);
void add_predict_command(CLI::App& app, const GlobalOptions& global);
void add_explain_command(CLI::App& app, const GlobalOptions& global);
void add_attack_command(CLI::App& app, const GlobalOptions& global);
void add_bench_command(CLI::App& app, const GlobalOptions& global);
void add_report_command(CLI::App& app, const GlobalOptions& global);
void add_tune_command(CLI::App& app, const GlobalOptions& global);

}  // namespace hearsay::cli
