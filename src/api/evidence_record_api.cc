#include "api/evidence_record_api.h"

#include <sodium.h>

#include "api/json_response.h"
#include "api/read_access.h"
#include "base/hex.h"
#include "base/log.h"
#include "core/json.h"
#include "core/time.h"
#include "ledger/records.h"
#include "ledger/state_view.h"

namespace nuri::api {

namespace json = boost::json;

namespace {

constexpr std::string_view kPrefix = "/v1/evidence-records";

json::object RecordView(const wallet::EvidenceRecord& record) {
  json::object view{{"id", record.id},
                    {"hash", record.hash.ToHex()},
                    {"holder", record.holder.str()},
                    {"created", core::FormatKoreaTime(record.created_millis)},
                    {"erase_after", core::FormatKoreaTime(record.erase_after_millis)}};
  if (record.erased_millis != 0) view["erased"] = core::FormatKoreaTime(record.erased_millis);
  return view;
}

}  // namespace

std::string EncodeBase64(std::string_view bytes) {
  std::string text(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(text.data(), text.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  text.pop_back();  // the terminating NUL
  return text;
}

std::optional<std::string> DecodeBase64(std::string_view text) {
  std::string bytes(text.size() / 4 * 3 + 3, '\0');
  std::size_t size = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(), text.data(),
                        text.size(), nullptr, &size, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  bytes.resize(size);
  return bytes;
}

bool EvidenceRecordApi::Handle(const HttpRequest& request, Responder& respond) {
  const auto under = request.PathUnder(kPrefix);
  if (!under) return false;
  const std::string_view rest = *under == "/" ? std::string_view() : *under;
  const bool file = rest.empty() && request.method == "POST";
  const std::string_view id = rest.empty() ? rest : rest.substr(1);
  const bool show = !id.empty() && id.find('/') == std::string_view::npos &&
                    (request.method == "GET" || request.method == "HEAD");
  if (!file && !show) return false;
  // Personal data: a person's session, whatever address asks.
  const auto session = sessions_.SessionOrRefuse(request, respond);
  if (!session) return true;
  respond(file ? File(request, session->account) : Show(id, session->account));
  return true;
}

HttpResponse EvidenceRecordApi::File(const HttpRequest& request, const core::AccountId& holder) {
  const bool may_file = node_.Read([&](const ledger::Ledger& ledger) {
    const auto account = ledger::ReadAccount(ledger.state(), holder.str());
    return account && account->roles.Has(core::Role::kHolder) && !account->frozen;
  });
  if (!may_file) {
    return ErrorResponse(403, "FORBIDDEN",
                         holder.str() + " is not a holder that may pay, so it files no evidence");
  }
  auto body = core::ParseJsonText(request.body);
  if (auto fault = CheckBodyFields(body ? &*body : nullptr,
                                   {"attendees", "purpose", "document", "document_type"})) {
    return *fault;
  }
  const json::object& fields = body->get_object();
  wallet::EvidenceContent content;
  if (const json::value* attendees = fields.if_contains("attendees")) {
    if (!attendees->is_array()) {
      return ErrorResponse(400, "MALFORMED", "a list of names", "attendees");
    }
    for (const json::value& name : attendees->get_array()) {
      if (!name.is_string())
        return ErrorResponse(400, "MALFORMED", "names are strings", "attendees");
      content.attendees.emplace_back(name.get_string());
    }
  }
  for (const auto& [name, target] :
       {std::pair<std::string_view, std::string*>{"purpose", &content.purpose},
        {"document_type", &content.document_type}}) {
    const json::value* value = fields.if_contains(name);
    if (value == nullptr) continue;
    if (!value->is_string()) return ErrorResponse(400, "MALFORMED", "a string is needed", name);
    *target = value->get_string();
  }
  if (const json::value* document = fields.if_contains("document")) {
    auto bytes = document->is_string() ? DecodeBase64(document->get_string()) : std::nullopt;
    if (!bytes) return ErrorResponse(400, "MALFORMED", "base64 (RFC 4648) is needed", "document");
    content.document = *std::move(bytes);
  }
  if (auto checked = wallet::CheckEvidenceContent(content); !checked.ok()) {
    const std::string& message = checked.message();
    const std::string field = message.substr(0, message.find_first_of(":["));
    return ErrorResponse(400, "MALFORMED", message, field);
  }
  auto record = store_.Add(holder, content);
  if (!record && record.error().code() == base::StatusCode::kResourceExhausted) {
    HttpResponse refusal = ErrorResponse(429, "TOO_MANY_RECORDS", record.error().message());
    refusal.headers.emplace_back("Retry-After", "3600");
    return refusal;
  }
  if (!record) {
    base::LogError("api.evidence",
                   "filing evidence of " + holder.str() + ": " + record.error().ToString());
    return ErrorResponse(500, "INTERNAL", "the evidence record could not be kept");
  }
  return JsonResponse(201, RecordView(*record));
}

HttpResponse EvidenceRecordApi::Show(std::string_view id, const core::AccountId& reader_account) {
  // Who may read is decided on the metadata, before anything is decrypted.
  auto found = store_.Find(id);
  if (!found) {
    if (found.error().code() == base::StatusCode::kNotFound) {
      return ErrorResponse(404, "NOT_FOUND", found.error().message());
    }
    base::LogError("api.evidence", found.error().ToString());
    return ErrorResponse(500, "INTERNAL", "the evidence record could not be read");
  }
  const Reader reader = node_.Read(
      [&](const ledger::Ledger& ledger) { return ReaderOf(ledger.state(), reader_account); });
  // Its holder, an admin of the holder's organization, an auditor.
  if (!reader.MaySeeAccount(found->holder.str())) {
    return ErrorResponse(403, "FORBIDDEN",
                         "an evidence record is read by its holder, the admins of the holder's "
                         "organization and auditors");
  }
  auto opened = store_.Read(id);
  if (!opened) {
    base::LogError("api.evidence", opened.error().ToString());
    return ErrorResponse(500, "INTERNAL", "the evidence record could not be read");
  }
  const wallet::EvidenceRecord& record = opened->record;
  if (!opened->content) {
    json::object gone{{"code", "GONE"},
                      {"message", "evidence record " + record.id +
                                      " was erased when its retention ended; its hash remains "
                                      "on the ledger"},
                      {"record", RecordView(record)}};
    return JsonResponse(410, gone);
  }
  json::object view = RecordView(record);
  json::array attendees;
  for (const std::string& name : opened->content->attendees) attendees.emplace_back(name);
  view["salt"] = base::ToHex(opened->salt);
  view["attendees"] = std::move(attendees);
  view["purpose"] = opened->content->purpose;
  view["document_type"] = opened->content->document_type;
  view["document"] = EncodeBase64(opened->content->document);
  return JsonResponse(200, view);
}

}  // namespace nuri::api
