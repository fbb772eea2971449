// `stamp`: the headless command-line twin of STAMP Studio.
#include <iostream>
#include <string>
#include <vector>

#include "commands.h"

using namespace stamp::app::cli;

static std::vector<Command> allCommands() {
  return {infoCommand(), demoDataCommand(), tokenizeCommand(), embedCommand(), localizeCommand(), evaluateCommand(), runTensorsCommand(),
          convertWeightsCommand(), trainCommand(), pretrainGenesCommand(), buildCorpusCommand(), figureCommand()};
}

static void printOverview(std::ostream& os) {
  os << "usage: stamp <command> [options]\n\nSTAMP Studio command-line tool. Commands:\n";
  for (const auto& c : allCommands()) {
    std::string n = "  " + c.name;
    n.resize(22, ' ');
    os << n << c.summary.substr(0, c.summary.find('\n')) << "\n";
  }
  os << "\n`stamp <command> --help` describes a command.\n";
}

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    printOverview(std::cerr);
    return kUsage;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    printOverview(std::cout);
    return kOk;
  }
  for (const auto& c : allCommands()) {
    if (c.name != args[0]) continue;
    Args a = Args::parse({args.begin() + 1, args.end()}, c.options, c.minPositional, c.maxPositional);
    if (a.helpRequested()) {
      printHelp(c, false);
      return kOk;
    }
    if (!a.error().empty()) return usageError(c, a.error());
    try {
      return c.run(a);
    } catch (const std::exception& e) {  // the last line of defence: never a crash for the user
      return fail(std::string("unexpected error: ") + e.what());
    }
  }
  std::cerr << "stamp: unknown command '" << args[0] << "'\n";
  printOverview(std::cerr);
  return kUsage;
}
