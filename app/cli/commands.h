#pragma once
/// The table of `stamp` subcommands. Each command lives in its own cmd_*.cpp and exposes one
/// `Command xxxCommand()` function listed in main.cpp.
#include "args.h"

namespace stamp::app::cli {

Command infoCommand();
Command demoDataCommand();
Command tokenizeCommand();
Command embedCommand();
Command localizeCommand();
Command evaluateCommand();
Command runTensorsCommand();
Command convertWeightsCommand();
Command trainCommand();
Command pretrainGenesCommand();
Command buildCorpusCommand();
Command figureCommand();

}  // namespace stamp::app::cli
