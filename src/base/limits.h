// Every limit of the system, in one place, unit last. Relations between limits are checked here
// at compile time. Decoders, the API and the node read these; tests may pass smaller values where
// a component takes its limits as parameters.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nuri::base {

// Identifiers.
inline constexpr std::size_t kAccountNameLengthMax = 48;
inline constexpr std::size_t kOrgIdLengthMax = 24;
inline constexpr std::size_t kAccountIdLengthMax = kAccountNameLengthMax + 1 + kOrgIdLengthMax;
inline constexpr std::size_t kTokenIdLengthMax = 24;
inline constexpr std::size_t kChainIdLengthMax = 32;
inline constexpr std::size_t kDisplayNameLengthMax = 128;
inline constexpr std::size_t kMemoLengthMax = 256;

// Transactions.
inline constexpr std::size_t kAccountKeysMax = 8;
inline constexpr std::size_t kSignaturesPerTransactionMax = 16;
inline constexpr std::size_t kTransactionSizeBytesMax = 16 * 1024;
inline constexpr std::int64_t kValidUntilAheadMillisMax = 24LL * 60 * 60 * 1000;

// Blocks.
inline constexpr std::size_t kBlockTransactionsMax = 2000;
inline constexpr std::size_t kBlockSizeBytesMax =
    kBlockTransactionsMax * kTransactionSizeBytesMax + 64 * 1024;

// Mempool and API.
inline constexpr std::size_t kMempoolTransactionsMax = 200000;
inline constexpr std::size_t kHttpBodySizeBytesMax = 4 * 1024 * 1024;
inline constexpr std::size_t kHttpBatchTransactionsMax = 4096;
inline constexpr std::size_t kJsonDepthMax = 16;

// Key files.
inline constexpr std::size_t kKeyFileSizeBytesMax = 4096;

static_assert(kAccountIdLengthMax < 128);
static_assert(kTransactionSizeBytesMax < kHttpBodySizeBytesMax);
static_assert(kSignaturesPerTransactionMax >= kAccountKeysMax);
static_assert(kBlockTransactionsMax <= kMempoolTransactionsMax);

}  // namespace nuri::base
