#include "core/committed_block.h"

#include "base/limits.h"
#include "codec/codec.h"

namespace nuri::core {

void AppendCommittedBlock(std::string& out, const Block& block,
                          const std::vector<Receipt>& receipts) {
  codec::Writer w;
  w.PutBytes(EncodeBlock(block));
  w.PutBytes(EncodeReceipts(receipts));
  out += w.bytes();
}

base::Result<std::vector<CommittedBlock>> DecodeCommittedBlocks(std::string_view bytes) {
  codec::Reader r(bytes);
  std::vector<CommittedBlock> blocks;
  while (r.ok() && r.remaining() > 0) {
    const std::string block_bytes = r.GetBytes(base::kBlockSizeBytesMax, "block");
    const std::string receipt_bytes = r.GetBytes(base::kBlockSizeBytesMax, "receipts");
    if (!r.ok()) break;
    auto block = DecodeBlock(block_bytes);
    if (!block) return base::Error(block.error());
    auto receipts = DecodeReceipts(receipt_bytes);
    if (!receipts) return base::Error(receipts.error());
    if (receipts->size() != block->transactions.size()) {
      return base::Error(base::Status::Corruption(
          "block " + std::to_string(block->header.height) + " has " +
          std::to_string(block->transactions.size()) + " transactions and " +
          std::to_string(receipts->size()) + " receipts"));
    }
    blocks.push_back({*std::move(block), *std::move(receipts)});
  }
  if (auto status = r.Finish(); !status.ok()) return base::Error(status);
  return blocks;
}

}  // namespace nuri::core
