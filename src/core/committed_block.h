// A committed block as a node serves it to those who follow the chain from outside it (the
// audit indexer): the block with its certificate, and the receipts of its transactions.
// Grammar (docs/formats/block.md, "Committed blocks"): a run of (block:bytes receipts:bytes),
// one pair per block, heights rising.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "core/block.h"
#include "core/receipt.h"

namespace nuri::core {

struct CommittedBlock {
  Block block;
  std::vector<Receipt> receipts;
};

// Appends one block and its receipts to `out`.
void AppendCommittedBlock(std::string& out, const Block& block,
                          const std::vector<Receipt>& receipts);
// Strict: every block and receipt must decode, and each block's receipts be as many as its
// transactions. Checks no hash: that is the reader's to do against what it already holds.
base::Result<std::vector<CommittedBlock>> DecodeCommittedBlocks(std::string_view bytes);

}  // namespace nuri::core
