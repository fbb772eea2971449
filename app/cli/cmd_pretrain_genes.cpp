// stamp pretrain-genes: spatial-aware pre-training of the STAMP gene encoder (MLM + spatial).
#include "commands.h"

namespace stamp::app::cli {

int runTrainingCommand(Args& a, const std::string& mode);  // cmd_train.cpp
std::vector<OptionSpec> trainingOptions();                 // cmd_train.cpp

static int runPretrain(Args& a) { return runTrainingCommand(a, "pretrain"); }

Command pretrainGenesCommand() {
  return {"pretrain-genes", "pre-train the STAMP gene encoder (MLM + spatial neighbour loss) from a run file",
          "--config RUN.json | --resume DIR | --print-config", trainingOptions(), 0, 0, runPretrain};
}

}  // namespace stamp::app::cli
