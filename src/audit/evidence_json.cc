#include "audit/evidence_json.h"

#include <algorithm>
#include <span>
#include <string>

#include "base/hex.h"
#include "core/json.h"
#include "core/time.h"

namespace nuri::audit {

namespace json = boost::json;

namespace {

// A block's transaction count is a u32: a path up its Merkle tree has at most 32 steps.
constexpr std::size_t kProofStepsMax = 32;

constexpr std::string_view kTransactionFields[] = {"format",
                                                   "chain_id",
                                                   "transaction_id",
                                                   "height",
                                                   "statement",
                                                   "block_header",
                                                   "commit_certificate",
                                                   "validator_set_changes",
                                                   "transaction",
                                                   "transaction_proof",
                                                   "receipt",
                                                   "receipt_proof"};
constexpr std::string_view kBalanceFields[] = {"format",
                                               "chain_id",
                                               "account",
                                               "token",
                                               "height",
                                               "statement",
                                               "block_header",
                                               "commit_certificate",
                                               "validator_set_changes",
                                               "state_proof"};

base::Status Fault(std::string why) { return base::Status::InvalidArgument(std::move(why)); }

json::object ProofToJson(const crypto::MerkleProof& proof) {
  json::array siblings;
  for (const auto& step : proof.steps) {
    siblings.push_back(json::object{{"hash", step.sibling.ToHex()},
                                    {"side", step.sibling_on_left ? "left" : "right"}});
  }
  return json::object{
      {"index", proof.leaf_index}, {"count", proof.leaf_count}, {"siblings", std::move(siblings)}};
}

// The block of a statement: which block, when, certified by whom.
json::object BlockStatement(const core::BlockHeader& header,
                            const core::CommitCertificate& certificate) {
  json::array signed_by;
  for (const auto& signature : certificate.signatures) signed_by.emplace_back(signature.validator);
  return json::object{{"height", header.height},
                      {"hash", core::HeaderHash(header).ToHex()},
                      {"time", core::FormatKoreaTime(header.time)},
                      {"signed_by", std::move(signed_by)}};
}

// The readable account of what the proven parts say; verification rebuilds it from them.
json::object Statement(const core::SignedTransaction& tx, const core::Receipt& receipt,
                       const core::BlockHeader& header, const core::CommitCertificate& certificate,
                       std::uint64_t index) {
  json::object transaction = core::TransactionToJson(tx.tx);
  // The id, and so the tx root, leaves the signatures out: the file cannot prove which keys
  // signed, only that the validators committed the transaction, which they do only once its
  // signatures satisfy its signer's keys and quorum.
  transaction.erase("signatures");
  transaction["id"] = tx.id.ToHex();
  json::object block = BlockStatement(header, certificate);
  block["index"] = index;
  return json::object{{"transaction", std::move(transaction)},
                      {"receipt", core::ReceiptToJson(receipt)},
                      {"block", std::move(block)}};
}

// The path of the first place where `claimed` differs from `proven`, empty when they agree.
std::string FirstDifference(const json::value& claimed, const json::value& proven,
                            const std::string& path) {
  if (claimed.is_object() && proven.is_object()) {
    const json::object& claimed_members = claimed.get_object();
    const json::object& proven_members = proven.get_object();
    for (const auto& [key, value] : proven_members) {
      const std::string at = path + "." + std::string(key);
      const json::value* other = claimed_members.if_contains(key);
      if (other == nullptr) return at;
      if (std::string inner = FirstDifference(*other, value, at); !inner.empty()) return inner;
    }
    for (const auto& [key, value] : claimed_members) {
      if (!proven_members.contains(key)) return path + "." + std::string(key);
    }
    return "";
  }
  if (claimed.is_array() && proven.is_array()) {
    const json::array& claimed_elements = claimed.get_array();
    const json::array& proven_elements = proven.get_array();
    for (std::size_t i = 0; i < claimed_elements.size() && i < proven_elements.size(); ++i) {
      const std::string at = path + "[" + std::to_string(i) + "]";
      if (std::string inner = FirstDifference(claimed_elements[i], proven_elements[i], at);
          !inner.empty()) {
        return inner;
      }
    }
    return claimed_elements.size() == proven_elements.size() ? "" : path;
  }
  return claimed == proven ? "" : path;
}

// Reads the fields of the file's top object, each fault naming its field.
class FileFields {
 public:
  explicit FileFields(const json::object& object) : object_(object) {}
  FileFields(const FileFields&) = delete;
  FileFields& operator=(const FileFields&) = delete;

  base::Result<const json::value*> Field(std::string_view name) const {
    const json::value* value = object_.if_contains(name);
    if (value == nullptr) return base::Error(Fault(std::string(name) + ": required"));
    return value;
  }

  // Bytes written as hex; `decode` checks their form and names what they should be.
  template <typename Decode>
  auto Decoded(std::string_view name, Decode decode) const
      -> base::Result<typename decltype(decode(std::string_view()))::value_type> {
    auto value = Field(name);
    if (!value) return base::Error(value.error());
    return DecodeHex(**value, std::string(name), decode);
  }

  template <typename Decode>
  static auto DecodeHex(const json::value& value, const std::string& at, Decode decode)
      -> base::Result<typename decltype(decode(std::string_view()))::value_type> {
    std::optional<std::string> bytes;
    if (value.is_string()) bytes = base::FromHex(value.get_string());
    if (!bytes) return base::Error(Fault(at + ": expected bytes in hex"));
    auto decoded = decode(*bytes);
    if (!decoded) return base::Error(Fault(at + ": " + decoded.error().message()));
    return decoded;
  }

  base::Result<crypto::MerkleProof> Proof(std::string_view name) const {
    auto value = Field(name);
    if (!value) return base::Error(value.error());
    const std::string at(name);
    if (!(*value)->is_object()) return base::Error(Fault(at + ": expected an object"));
    const json::object& object = (*value)->get_object();
    if (object.size() != 3) {
      return base::Error(Fault(at + ": expected exactly index, count and siblings"));
    }
    crypto::MerkleProof proof;
    for (auto [field, target] :
         {std::pair{"index", &proof.leaf_index}, std::pair{"count", &proof.leaf_count}}) {
      const json::value* number = object.if_contains(field);
      if (number == nullptr || !number->is_number() || number->is_double() ||
          (number->is_int64() && number->get_int64() < 0)) {
        return base::Error(Fault(at + "." + field + ": expected an integer from 0"));
      }
      *target = number->to_number<std::uint64_t>();
    }
    const json::value* siblings = object.if_contains("siblings");
    if (siblings == nullptr || !siblings->is_array() ||
        siblings->get_array().size() > kProofStepsMax) {
      return base::Error(Fault(at + ".siblings: expected a list of at most " +
                               std::to_string(kProofStepsMax) + " steps"));
    }
    for (std::size_t i = 0; i < siblings->get_array().size(); ++i) {
      const std::string step_at = at + ".siblings[" + std::to_string(i) + "]";
      const json::value& step = siblings->get_array()[i];
      const bool two_members = step.is_object() && step.get_object().size() == 2;
      const json::value* hash = two_members ? step.get_object().if_contains("hash") : nullptr;
      const json::value* side = step.is_object() ? step.get_object().if_contains("side") : nullptr;
      std::optional<crypto::Hash> sibling;
      if (hash != nullptr && hash->is_string()) sibling = crypto::Hash::FromHex(hash->get_string());
      if (!sibling || side == nullptr || !side->is_string() ||
          (side->get_string() != "left" && side->get_string() != "right")) {
        return base::Error(
            Fault(step_at + R"(: expected {"hash": SHA-256 hex, "side": "left"|"right"})"));
      }
      proof.steps.push_back({*sibling, side->get_string() == "left"});
    }
    return proof;
  }

 private:
  const json::object& object_;
};

// Checks that `value` is an object of format `format` with no member but `allowed`.
base::Status CheckForm(const json::value& value, std::string_view format,
                       std::span<const std::string_view> allowed) {
  if (!value.is_object()) return Fault("expected a JSON object");
  for (const auto& [key, field] : value.get_object()) {
    if (std::ranges::find(allowed, std::string_view(key)) == allowed.end()) {
      return Fault(std::string(key) + ": not a field of " + std::string(format));
    }
  }
  const json::value* named = value.get_object().if_contains("format");
  if (named == nullptr || !named->is_string() || named->get_string() != format) {
    return Fault("format: expected \"" + std::string(format) + "\"");
  }
  return base::Status::Ok();
}

// The certified header of a file: the header, its certificate and the set changes to it.
struct CertifiedParts {
  core::BlockHeader header;
  core::CommitCertificate certificate;
  std::vector<ledger::SetChangeProof> set_changes;
};

base::Result<CertifiedParts> ReadCertifiedParts(const FileFields& fields) {
  CertifiedParts parts;
  auto header = fields.Decoded("block_header", core::DecodeHeader);
  if (!header) return base::Error(header.error());
  parts.header = *std::move(header);
  auto certificate = fields.Decoded("commit_certificate", core::DecodeCertificate);
  if (!certificate) return base::Error(certificate.error());
  parts.certificate = *std::move(certificate);
  auto changes = fields.Field("validator_set_changes");
  if (!changes) return base::Error(changes.error());
  if (!(*changes)->is_array()) {
    return base::Error(Fault("validator_set_changes: expected a list of proofs in hex"));
  }
  for (std::size_t i = 0; i < (*changes)->get_array().size(); ++i) {
    auto change = FileFields::DecodeHex((*changes)->get_array()[i],
                                        "validator_set_changes[" + std::to_string(i) + "]",
                                        ledger::DecodeSetChangeProof);
    if (!change) return base::Error(change.error());
    parts.set_changes.push_back(*std::move(change));
  }
  return parts;
}

void WriteCertifiedParts(const core::BlockHeader& header,
                         const core::CommitCertificate& certificate,
                         const std::vector<ledger::SetChangeProof>& set_changes,
                         json::object& file) {
  file["block_header"] = base::ToHex(core::EncodeHeader(header));
  file["commit_certificate"] = base::ToHex(core::EncodeCertificate(certificate));
  json::array changes;
  for (const auto& change : set_changes) {
    changes.emplace_back(base::ToHex(ledger::EncodeSetChangeProof(change)));
  }
  file["validator_set_changes"] = std::move(changes);
}

// The file's readable parts must say what the proven parts say, word for word.
base::Status CheckClaims(const json::object& file, const json::object& proven) {
  for (const auto& [key, proven_part] : proven) {
    const json::value* claimed = file.if_contains(key);
    const std::string at(key);
    if (claimed == nullptr) return Fault(at + ": required");
    if (std::string differs = FirstDifference(*claimed, proven_part, at); !differs.empty()) {
      return Fault(differs + ": not what the proven parts say");
    }
  }
  return base::Status::Ok();
}

json::object BalanceStatement(const ProvenBalance& balance) {
  return json::object{{"account", balance.account},
                      {"token", balance.token},
                      {"balance_won", balance.won},
                      {"block", BlockStatement(balance.header, balance.certificate)}};
}

}  // namespace

json::object EvidenceToJson(const TransactionEvidence& evidence) {
  json::object file;
  file["format"] = kEvidenceFormat;
  file["chain_id"] = evidence.header.chain_id;
  // Evidence from TransactionEvidenceOf decodes; a file written without these does not verify.
  auto tx = core::DecodeTransaction(evidence.transaction);
  if (tx) {
    file["transaction_id"] = tx->id.ToHex();
    file["height"] = evidence.header.height;
    file["statement"] = Statement(*tx, evidence.receipt, evidence.header, evidence.certificate,
                                  evidence.transaction_proof.leaf_index);
  }
  WriteCertifiedParts(evidence.header, evidence.certificate, evidence.set_changes, file);
  file["transaction"] = base::ToHex(evidence.transaction);
  file["transaction_proof"] = ProofToJson(evidence.transaction_proof);
  file["receipt"] = base::ToHex(core::EncodeReceipt(evidence.receipt));
  file["receipt_proof"] = ProofToJson(evidence.receipt_proof);
  return file;
}

base::Result<TransactionEvidence> EvidenceFromJson(const json::value& value) {
  if (base::Status form = CheckForm(value, kEvidenceFormat, kTransactionFields); !form.ok()) {
    return base::Error(form);
  }
  const FileFields fields(value.get_object());
  auto parts = ReadCertifiedParts(fields);
  if (!parts) return base::Error(parts.error());
  TransactionEvidence evidence;
  evidence.header = std::move(parts->header);
  evidence.certificate = std::move(parts->certificate);
  evidence.set_changes = std::move(parts->set_changes);
  auto transaction = fields.Decoded("transaction", [](std::string_view bytes) {
    return base::Result<std::string>(std::string(bytes));
  });
  if (!transaction) return base::Error(transaction.error());
  evidence.transaction = *std::move(transaction);
  auto transaction_proof = fields.Proof("transaction_proof");
  if (!transaction_proof) return base::Error(transaction_proof.error());
  evidence.transaction_proof = *std::move(transaction_proof);
  auto receipt = fields.Decoded("receipt", core::DecodeReceipt);
  if (!receipt) return base::Error(receipt.error());
  evidence.receipt = *std::move(receipt);
  auto receipt_proof = fields.Proof("receipt_proof");
  if (!receipt_proof) return base::Error(receipt_proof.error());
  evidence.receipt_proof = *std::move(receipt_proof);
  return evidence;
}

base::Result<ProvenTransaction> VerifyEvidenceJson(const json::value& value,
                                                   std::string_view chain_id,
                                                   const core::ValidatorSet& genesis_set) {
  auto evidence = EvidenceFromJson(value);
  if (!evidence) return base::Error(evidence.error());
  auto proven = VerifyTransactionEvidence(*evidence, chain_id, genesis_set);
  if (!proven) return base::Error(proven.error());
  const json::object expected{
      {"chain_id", proven->header.chain_id},
      {"transaction_id", proven->transaction.id.ToHex()},
      {"height", proven->header.height},
      {"statement", Statement(proven->transaction, proven->receipt, proven->header,
                              proven->certificate, proven->index)}};
  if (base::Status claims = CheckClaims(value.get_object(), expected); !claims.ok()) {
    return base::Error(claims);
  }
  return proven;
}

json::object BalanceEvidenceToJson(const BalanceEvidence& evidence) {
  json::object file{{"format", kBalanceEvidenceFormat},
                    {"chain_id", evidence.header.chain_id},
                    {"account", evidence.account},
                    {"token", evidence.token},
                    {"height", evidence.header.height}};
  // Evidence from BalanceEvidenceOf proves; a file written without its statement does not.
  if (auto proven = BalanceUnderHeader(evidence)) {
    file["statement"] = BalanceStatement(*proven);
  }
  WriteCertifiedParts(evidence.header, evidence.certificate, evidence.set_changes, file);
  file["state_proof"] = base::ToHex(ledger::EncodeStateProof(evidence.proof));
  return file;
}

base::Result<BalanceEvidence> BalanceEvidenceFromJson(const json::value& value) {
  if (base::Status form = CheckForm(value, kBalanceEvidenceFormat, kBalanceFields); !form.ok()) {
    return base::Error(form);
  }
  const FileFields fields(value.get_object());
  auto parts = ReadCertifiedParts(fields);
  if (!parts) return base::Error(parts.error());
  BalanceEvidence evidence;
  evidence.header = std::move(parts->header);
  evidence.certificate = std::move(parts->certificate);
  evidence.set_changes = std::move(parts->set_changes);
  for (auto [name, target] :
       {std::pair{"account", &evidence.account}, std::pair{"token", &evidence.token}}) {
    auto field = fields.Field(name);
    if (!field) return base::Error(field.error());
    if (!(*field)->is_string()) return base::Error(Fault(std::string(name) + ": expected text"));
    *target = std::string((*field)->get_string());
  }
  auto proof = fields.Decoded("state_proof", ledger::DecodeStateProof);
  if (!proof) return base::Error(proof.error());
  evidence.proof = *std::move(proof);
  return evidence;
}

base::Result<ProvenBalance> VerifyBalanceEvidenceJson(const json::value& value,
                                                      std::string_view chain_id,
                                                      const core::ValidatorSet& genesis_set) {
  auto evidence = BalanceEvidenceFromJson(value);
  if (!evidence) return base::Error(evidence.error());
  auto proven = VerifyBalanceEvidence(*evidence, chain_id, genesis_set);
  if (!proven) return base::Error(proven.error());
  const json::object expected{{"chain_id", proven->header.chain_id},
                              {"height", proven->header.height},
                              {"statement", BalanceStatement(*proven)}};
  if (base::Status claims = CheckClaims(value.get_object(), expected); !claims.ok()) {
    return base::Error(claims);
  }
  return proven;
}

}  // namespace nuri::audit
