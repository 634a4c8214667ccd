// hearsay list [methods|factorizations|metrics|networks] [--markdown]: every registered method,
// factorization, metric and built-in network with its options (type, default, allowed values, meaning), from the same
// declarations that parse them.
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "factorizations/factorization.h"
#include "methods/explainer.h"
#include "metrics/metric.h"
#include "models/network_registry.h"

namespace hearsay::cli {

namespace {

struct ListArgs {
  std::string what = "all";
  bool markdown = false;
};

template <class T>
void print_registry(const Registry<T>& registry, bool markdown) {
  for (const auto& name : registry.names()) {
    if (markdown) {
      std::cout << "#### `" << name << "`\n\n" << registry.summary(name) << "\n\n";
    } else {
      std::cout << name << ": " << registry.summary(name) << "\n";
    }
    print_option_docs(std::cout, registry.option_docs(name), markdown);
    if (markdown) std::cout << "\n";
  }
}

}  // namespace

void print_option_docs(std::ostream& out, const std::vector<OptionDoc>& docs, bool markdown) {
  if (markdown) {
    out << "| option | type | default | allowed | meaning |\n|---|---|---|---|---|\n";
    for (const auto& d : docs)
      out << "| `" << d.name << "` | " << d.type << " | `" << d.default_value.dump() << "` | " << d.allowed << " | "
          << d.description << " |\n";
    return;
  }
  for (const auto& d : docs) {
    out << "    " << d.name << " = " << d.default_value.dump() << "  (" << d.type;
    if (!d.allowed.empty()) out << ", " << d.allowed;
    out << ")  " << d.description << "\n";
  }
}

void add_list_command(CLI::App& app, const GlobalOptions&) {
  auto args = std::make_shared<ListArgs>();
  CLI::App* cmd = app.add_subcommand(
      "list", "List the explanation methods, factorizations, metrics and built-in networks with their options");
  cmd->add_option("what", args->what, "methods, factorizations, metrics, networks or all")
      ->check(CLI::IsMember({"methods", "factorizations", "metrics", "networks", "all"}));
  cmd->add_flag("--markdown", args->markdown, "Print Markdown tables (as in docs/reference.md)");
  cmd->callback([args] {
    const bool all = args->what == "all";
    if (all || args->what == "methods") {
      std::cout << (args->markdown ? "### Methods\n\n" : "Methods\n");
      print_registry(methods::explainer_registry(), args->markdown);
    }
    if (all || args->what == "factorizations") {
      std::cout << (args->markdown ? "### Factorizations\n\n" : "\nFactorizations\n");
      print_registry(factorizations::factorizer_registry(), args->markdown);
    }
    if (all || args->what == "metrics") {
      std::cout << (args->markdown ? "### Metrics\n\n" : "\nMetrics\n");
      print_registry(metrics::metric_registry(), args->markdown);
    }
    if (all || args->what == "networks") {
      std::cout << (args->markdown ? "### Networks\n\n" : "\nNetworks\n");
      print_registry(models::network_registry(), args->markdown);
    }
  });
}

}  // namespace hearsay::cli
