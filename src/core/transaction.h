// Transaction: the signed envelope and every body of docs/ledger.md.
//
// The envelope names the chain, the signer, a nonce (any number the signer has not used), the
// time after which it may no longer enter a block, a typed body and the signatures. Signatures
// cover the canonical bytes of everything but the signatures; the transaction id is the SHA-256
// of those bytes, so adding a co-signature (an approval) does not change the id. What is signed
// is "nuri/tx/v1" followed by the id. Value types; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/status.h"
#include "core/amount.h"
#include "core/block.h"
#include "core/ids.h"
#include "core/program.h"
#include "core/roles.h"
#include "core/time.h"
#include "crypto/hash.h"
#include "crypto/keys.h"

namespace nuri::core {

inline constexpr std::uint8_t kTransactionVersion = 1;

struct MerchantRecord {
  std::string mcc;          // ISO 18245, four digits
  std::string business_no;  // business registration number, e.g. 101-81-00001
  std::string name;
  bool operator==(const MerchantRecord&) const = default;
};

struct RegisterOrg {
  OrgId org;
  OrgKind kind = OrgKind::kMinistry;
  std::string name;
  bool operator==(const RegisterOrg&) const = default;
};

struct RegisterAccount {
  AccountId account;
  std::vector<crypto::PublicKey> keys;
  std::uint8_t quorum = 1;
  RoleSet roles;
  std::optional<MerchantRecord> merchant;
  bool operator==(const RegisterAccount&) const = default;
};

struct SetRoles {
  AccountId account;
  RoleSet roles;
  bool operator==(const SetRoles&) const = default;
};

struct SetKeys {
  AccountId account;
  std::vector<crypto::PublicKey> keys;
  std::uint8_t quorum = 1;
  bool operator==(const SetKeys&) const = default;
};

struct Freeze {
  AccountId account;
  bool operator==(const Freeze&) const = default;
};

struct Unfreeze {
  AccountId account;
  bool operator==(const Unfreeze&) const = default;
};

struct DefineToken {
  TokenId token;
  AccountId issuer;
  std::string name;
  bool operator==(const DefineToken&) const = default;
};

struct Mint {
  TokenId token;
  AccountId to;
  Amount amount;
  bool operator==(const Mint&) const = default;
};

struct Burn {
  TokenId token;
  Amount amount;
  bool operator==(const Burn&) const = default;
};

struct Transfer {
  TokenId token;
  AccountId to;
  Amount amount;
  std::string program;  // a transfer that names a program is refused: program money stays bound
  std::string memo;
  bool operator==(const Transfer&) const = default;
};

// The public holidays of one year (local dates), replacing what the calendar held for it.
struct SetHolidays {
  int year = 0;
  std::vector<LocalDate> dates;  // strictly increasing, all in `year`
  bool operator==(const SetHolidays&) const = default;
};

struct DefineProgram {
  ProgramDefinition program;
  bool operator==(const DefineProgram&) const = default;
};

// A new version of a program's rules, effective from its block.
struct AmendProgram {
  std::string program;
  std::vector<Rule> rules;
  bool operator==(const AmendProgram&) const = default;
};

struct FundProgram {
  std::string program;
  Amount amount;
  bool operator==(const FundProgram&) const = default;
};

struct Grant {
  std::string program;
  AccountId to;
  Amount amount;
  bool operator==(const Grant&) const = default;
};

struct Reclaim {
  std::string program;
  AccountId from;
  std::optional<Amount> amount;  // nullopt: all the holder has
  bool operator==(const Reclaim&) const = default;
};

struct CloseProgram {
  std::string program;
  bool operator==(const CloseProgram&) const = default;
};

// Co-signatures (approvals) travel in the envelope's signatures.
struct Pay {
  std::string program;
  AccountId to;
  Amount amount;
  std::uint32_t attendees = 0;
  std::string purpose;
  std::optional<crypto::Hash> evidence;  // SHA-256 of an off-ledger document
  std::string justification;
  bool operator==(const Pay&) const = default;
};

struct Refund {
  crypto::Hash payment;  // id of the pay transaction
  Amount amount;
  bool operator==(const Refund&) const = default;
};

struct Attest {
  std::string program;
  AccountId holder;
  std::string milestone;
  crypto::Hash evidence;
  bool operator==(const Attest&) const = default;
};

// A node joins the validators, from kValidatorSetChangeDelay blocks after this one.
struct AddValidator {
  std::string name;  // core::IsValidatorName
  crypto::PublicKey key;
  bool operator==(const AddValidator&) const = default;
};

// A validator leaves the set, from kValidatorSetChangeDelay blocks after this one.
struct RemoveValidator {
  std::string name;
  bool operator==(const RemoveValidator&) const = default;
};

// The order of alternatives is not the wire tag: see BodyTag.
using Body =
    std::variant<RegisterOrg, RegisterAccount, SetRoles, SetKeys, Freeze, Unfreeze, DefineToken,
                 Mint, Burn, Transfer, SetHolidays, DefineProgram, AmendProgram, FundProgram, Grant,
                 Reclaim, CloseProgram, Pay, Refund, Attest, AddValidator, RemoveValidator>;

// Persisted wire tags of bodies: never reuse a value.
enum class BodyTag : std::uint8_t {
  kRegisterOrg = 1,
  kRegisterAccount = 2,
  kSetRoles = 3,
  kSetKeys = 4,
  kFreeze = 5,
  kUnfreeze = 6,
  kDefineToken = 7,
  kMint = 8,
  kBurn = 9,
  kTransfer = 10,
  kSetHolidays = 11,
  kDefineProgram = 12,
  kAmendProgram = 13,
  kFundProgram = 14,
  kGrant = 15,
  kReclaim = 16,
  kCloseProgram = 17,
  kPay = 18,
  kRefund = 19,
  kAttest = 20,
  kAddValidator = 21,
  kRemoveValidator = 22,
};

BodyTag TagOf(const Body& body);
// "transfer", "register_account", ...: the `type` of the JSON form.
std::string_view BodyTypeName(const Body& body);

struct Signature {
  AccountId account;  // the signer, or a co-signer
  crypto::PublicKey key;
  std::string signature;
  bool operator==(const Signature&) const = default;
};

struct Transaction {
  std::string chain_id;
  AccountId signer;
  std::uint64_t nonce = 0;
  TimeMillis valid_until = 0;
  Body body;
  std::vector<Signature> signatures;
  bool operator==(const Transaction&) const = default;
};

// Everything but the signatures: the bytes whose hash is the id.
std::string EncodeUnsigned(const Transaction& tx);
// The whole envelope, signatures included: what is stored and sent.
std::string Encode(const Transaction& tx);

// A decoded transaction with its verbatim bytes and id.
struct SignedTransaction {
  Transaction tx;
  std::string bytes;
  crypto::Hash id;
};

// Strict: refuses unknown versions and tags, malformed ids, over-long strings, non-canonical
// values and trailing bytes. The message names the first fault.
base::Result<SignedTransaction> DecodeTransaction(std::string_view bytes);

crypto::Hash TransactionId(const Transaction& tx);
// What each signature signs: "nuri/tx/v1" || id.
std::string SigningMessage(const crypto::Hash& id);
// Appends `account`'s signature with `key`.
void AddSignature(Transaction& tx, const AccountId& account, const crypto::SecretKey& key);
// Re-encodes a transaction built in memory into the SignedTransaction that decoding would give.
SignedTransaction Seal(Transaction tx);

}  // namespace nuri::core
