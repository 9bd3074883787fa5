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

// Programs (docs/programs.md).
inline constexpr std::size_t kProgramIdLengthMax = 64;
inline constexpr std::size_t kRuleIdLengthMax = 16;
inline constexpr std::size_t kRulesPerProgramMax = 32;
inline constexpr std::size_t kCategoriesPerRuleMax = 256;
inline constexpr std::size_t kMerchantsPerRuleMax = 256;
inline constexpr std::size_t kManagersPerProgramMax = 16;
inline constexpr std::size_t kTranchesPerRuleMax = 12;
inline constexpr std::size_t kMilestoneLengthMax = 64;
inline constexpr std::size_t kBudgetCodeLengthMax = 32;
inline constexpr std::size_t kPurposeLengthMax = 256;
inline constexpr std::size_t kJustificationLengthMax = 512;
inline constexpr std::uint32_t kAttendeesMax = 10000;
inline constexpr std::size_t kHolidaysPerYearMax = 366;

// Blocks.
inline constexpr std::size_t kBlockTransactionsMax = 2000;
inline constexpr std::size_t kBlockSizeBytesMax =
    kBlockTransactionsMax * kTransactionSizeBytesMax + 64 * 1024;

// State entries (a validator set of kValidatorsMax is the largest value).
inline constexpr std::size_t kStateKeySizeBytesMax = 1024;
inline constexpr std::size_t kStateValueSizeBytesMax = 256 * 1024;

// Mempool and API.
inline constexpr std::size_t kMempoolTransactionsMax = 200000;
inline constexpr std::size_t kHttpBodySizeBytesMax = 4 * 1024 * 1024;
inline constexpr std::size_t kHttpBatchTransactionsMax = 4096;
inline constexpr std::size_t kJsonDepthMax = 16;

// Audit reads over many blocks: blocks read under one shared lock of the ledger (so that a long
// read never holds off commits for long), the days of one export, and the size of its answer.
inline constexpr std::size_t kBlocksPerLockMax = 16;
// An account's index entries read under one shared lock, and how many of its transactions a
// statement reads at most (those of its period and every one since; its XML is bounded by
// kExportSizeBytesMax too).
inline constexpr std::size_t kIndexEntriesPerLockMax = 4096;
inline constexpr std::size_t kStatementTransactionsMax = 200000;
inline constexpr int kExportDaysMax = 92;
inline constexpr std::size_t kExportSizeBytesMax = 256 * 1024 * 1024;

// Key files.
inline constexpr std::size_t kKeyFileSizeBytesMax = 4096;

static_assert(kAccountIdLengthMax < 128);
static_assert(kTransactionSizeBytesMax < kHttpBodySizeBytesMax);
static_assert(kSignaturesPerTransactionMax >= kAccountKeysMax);
static_assert(kBlockTransactionsMax <= kMempoolTransactionsMax);
// A definition with every list full would not fit in one transaction: the transaction size
// bounds the whole, these bound each part.
static_assert(kMilestoneLengthMax <= kDisplayNameLengthMax);

}  // namespace nuri::base
