#include "audit/evidence_json.h"

#include <algorithm>
#include <string>

#include "base/hex.h"
#include "core/json.h"
#include "core/time.h"

namespace nuri::audit {

namespace json = boost::json;

namespace {

// A block's transaction count is a u32: a path up its Merkle tree has at most 32 steps.
constexpr std::size_t kProofStepsMax = 32;

constexpr std::string_view kFields[] = {"format",
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
  json::array signed_by;
  for (const auto& signature : certificate.signatures) signed_by.emplace_back(signature.validator);
  json::object block{{"height", header.height},
                     {"hash", core::HeaderHash(header).ToHex()},
                     {"time", core::FormatKoreaTime(header.time)},
                     {"index", index},
                     {"signed_by", std::move(signed_by)}};
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
  file["block_header"] = base::ToHex(core::EncodeHeader(evidence.header));
  file["commit_certificate"] = base::ToHex(core::EncodeCertificate(evidence.certificate));
  json::array set_changes;
  for (const auto& change : evidence.set_changes) {
    set_changes.emplace_back(base::ToHex(ledger::EncodeSetChangeProof(change)));
  }
  file["validator_set_changes"] = std::move(set_changes);
  file["transaction"] = base::ToHex(evidence.transaction);
  file["transaction_proof"] = ProofToJson(evidence.transaction_proof);
  file["receipt"] = base::ToHex(core::EncodeReceipt(evidence.receipt));
  file["receipt_proof"] = ProofToJson(evidence.receipt_proof);
  return file;
}

base::Result<TransactionEvidence> EvidenceFromJson(const json::value& value) {
  if (!value.is_object()) return base::Error(Fault("expected a JSON object"));
  for (const auto& [key, field] : value.get_object()) {
    if (std::ranges::find(kFields, std::string_view(key)) == std::end(kFields)) {
      return base::Error(
          Fault(std::string(key) + ": not a field of " + std::string(kEvidenceFormat)));
    }
  }
  const FileFields fields(value.get_object());
  auto format = fields.Field("format");
  if (!format) return base::Error(format.error());
  if (!(*format)->is_string() || (*format)->get_string() != kEvidenceFormat) {
    return base::Error(Fault("format: expected \"" + std::string(kEvidenceFormat) + "\""));
  }
  TransactionEvidence evidence;
  auto header = fields.Decoded("block_header", core::DecodeHeader);
  if (!header) return base::Error(header.error());
  evidence.header = *std::move(header);
  auto certificate = fields.Decoded("commit_certificate", core::DecodeCertificate);
  if (!certificate) return base::Error(certificate.error());
  evidence.certificate = *std::move(certificate);
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
    evidence.set_changes.push_back(*std::move(change));
  }
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
  // The file's readable parts must say what the proven parts say, word for word.
  const json::object& file = value.get_object();
  const json::object expected{
      {"chain_id", proven->header.chain_id},
      {"transaction_id", proven->transaction.id.ToHex()},
      {"height", proven->header.height},
      {"statement", Statement(proven->transaction, proven->receipt, proven->header,
                              proven->certificate, proven->index)}};
  for (const auto& [key, proven_part] : expected) {
    const json::value* claimed = file.if_contains(key);
    const std::string at(key);
    if (claimed == nullptr) return base::Error(Fault(at + ": required"));
    if (std::string differs = FirstDifference(*claimed, proven_part, at); !differs.empty()) {
      return base::Error(Fault(differs + ": not what the proven parts say"));
    }
  }
  return proven;
}

}  // namespace nuri::audit
