#include "core/example_program.h"

namespace nuri::core {

boost::json::object SpecExampleProgram() {
  return boost::json::parse(R"({
    "id": "bpe-2026-moef",
    "name": "Business promotion expenses 2026, Ministry of Economy and Finance",
    "kind": "expense",
    "token": "KRW-BNK",
    "owner": "treasury@moef",
    "managers": ["budget@moef"],
    "valid_from": "2026-01-01T00:00:00+09:00",
    "valid_until": "2026-12-31T23:59:59+09:00",
    "budget_code": "203-01",
    "rules": [
      {"id": "R1", "rule": "deny_categories", "mcc": ["5813", "7273", "7995", "7996", "5933"]},
      {"id": "R2", "rule": "hours", "from": "06:00", "to": "23:00", "justifiable": true},
      {"id": "R3", "rule": "business_days", "justifiable": true},
      {"id": "R4", "rule": "max_per_payment", "amount": 3000000},
      {"id": "R5", "rule": "attendees_required_from", "amount": 500000},
      {"id": "R6", "rule": "max_per_attendee", "amount": 50000, "mcc": ["5812", "5814"]},
      {"id": "R7", "rule": "approval_from", "amount": 1000000, "role": "approver"}
    ]
  })")
      .as_object();
}

}  // namespace nuri::core
