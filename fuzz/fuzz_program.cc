// libFuzzer target for program definitions and the rule engine: what a budget office's JSON,
// the API's /v1/programs/check and a define_program body reach. Beyond "never crashes" it holds
// them to their promises: a definition that checks clean survives its canonical encoding and its
// JSON form unchanged, and judging it never crashes, always answers with a program rule's code
// (or ok, or the codes before and after the rules) and names a rule of the definition when a
// rule refused. The payment judged is drawn from the input's bytes. A broken promise aborts, so
// that libFuzzer keeps the input.
//
// Single-threaded: libFuzzer calls it from one thread.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/json.h"
#include "core/program.h"
#include "crypto/hash.h"
#include "policy/judge.h"
#include "policy/validate.h"

namespace {

[[noreturn]] void Fail(std::string_view what) {
  std::fprintf(stderr, "fuzz_program: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

// Payment facts from the bytes of a hash of the input: any amount, time, category, spend.
nuri::policy::PaymentFacts FactsFrom(const nuri::crypto::Hash& seed) {
  const std::string_view bytes = seed.view();
  auto u64 = [&](std::size_t at) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < 8; ++i)
      value = value << 8 | static_cast<unsigned char>(bytes[at + i]);
    return value;
  };
  static constexpr std::string_view kCategories[] = {"5812", "5813", "5814", "5411", "1731"};
  nuri::policy::PaymentFacts facts;
  facts.amount = nuri::core::Amount::Won(static_cast<std::int64_t>(u64(0) % 5'000'000) + 1);
  facts.attendees = static_cast<std::uint32_t>(u64(8) % 12);
  facts.has_evidence = bytes[16] & 1;
  facts.justified = bytes[16] & 2;
  facts.is_holiday = bytes[16] & 4;
  facts.merchant_registered = !(bytes[16] & 8);
  facts.merchant_frozen = bytes[16] & 16;
  facts.time = static_cast<nuri::core::TimeMillis>(u64(17) % nuri::core::kTimeMillisMax);
  facts.merchant = "hanok@merchants";
  facts.merchant_category = kCategories[static_cast<unsigned char>(bytes[25]) % 5];
  facts.payer_org = "moef";
  facts.day_spent = nuri::core::Amount::Won(static_cast<unsigned char>(bytes[26]) * 10'000);
  facts.month_spent = nuri::core::Amount::Won(static_cast<unsigned char>(bytes[27]) * 100'000);
  facts.granted = nuri::core::Amount::Won(static_cast<unsigned char>(bytes[28]) * 1'000'000);
  facts.paid = nuri::core::Amount::Won(static_cast<unsigned char>(bytes[29]) * 500'000);
  facts.balance = nuri::core::Amount::Won(static_cast<unsigned char>(bytes[30]) * 100'000);
  if (bytes[31] & 1) facts.unlocked_milestones.push_back("installation");
  return facts;
}

void CheckJudgment(const nuri::core::ProgramDefinition& program, const nuri::crypto::Hash& seed) {
  const nuri::policy::Verdict verdict = nuri::policy::Judge(program, FactsFrom(seed));
  const auto code = static_cast<std::uint16_t>(verdict.code);
  const bool rule_code = code >= 200 && code <= 211;
  if (rule_code == verdict.rule.empty()) Fail("a rule's code without its rule, or the reverse");
  if (!verdict.ok() && verdict.message.empty()) Fail("a refusal without a sentence");
  if (verdict.ok() && !verdict.message.empty()) Fail("a message on an accepted payment");
  bool rule_known = verdict.rule.empty();
  for (const auto& rule : program.rules) rule_known = rule_known || rule.id == verdict.rule;
  if (!rule_known) Fail("the verdict names a rule the program does not have");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto value = nuri::core::ParseJsonText(text);
  if (!value) return 0;
  const nuri::policy::CheckedDefinition checked = nuri::policy::CheckDefinition(*value, nullptr);
  if (!checked.program || !checked.faults.empty()) return 0;
  const nuri::core::ProgramDefinition& program = *checked.program;
  const std::string bytes = nuri::core::EncodeProgram(program);
  auto decoded = nuri::core::DecodeProgram(bytes);
  if (!decoded || *decoded != program) Fail("a parsed definition does not survive its encoding");
  auto again = nuri::core::ProgramFromJson(nuri::core::ProgramToJson(program), "");
  if (!again || *again != program) Fail("a parsed definition does not survive its JSON form");
  CheckJudgment(program, nuri::crypto::Sha256(text));
  return 0;
}
