#include "audit/payment_export.h"

#include <gtest/gtest.h>

#include "core/json.h"

namespace nuri::audit {
namespace {

TEST(PaymentExportTest, CsvFieldsAreQuotedAndNeverFormulas) {
  EXPECT_EQ(CsvField("bpe-moef"), "bpe-moef");
  EXPECT_EQ(CsvField("dinner, with guests"), "\"dinner, with guests\"");
  EXPECT_EQ(CsvField("the \"hanok\""), "\"the \"\"hanok\"\"\"");
  EXPECT_EQ(CsvField("two\r\nlines"), "\"two\r\nlines\"");
  EXPECT_EQ(CsvField("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
  EXPECT_EQ(CsvField("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(CsvField("'=x"), "''=x");  // not the same field as =x
  EXPECT_EQ(CsvField(""), "");
}

TEST(PaymentExportTest, ARowReadsTheSameInCsvAndJson) {
  PaymentRow row{.tx_id = std::string(64, 'a'),
                 .height = 12,
                 .time = core::ParseTime("2026-03-03T12:30:00+09:00").value(),
                 .kind = "payment",
                 .program = "bpe-moef",
                 .budget_code = "203-01",
                 .ministry = "moef",
                 .payer = "kim-0001@moef",
                 .merchant = "hanok-restaurant@merchants",
                 .category = "5812",
                 .amount_won = 120000,
                 .attendees = 3,
                 .purpose = "lunch, with the delegation",
                 .status = "rejected",
                 .code = "PER_ATTENDEE_LIMIT_EXCEEDED",
                 .rule = "R6"};
  EXPECT_EQ(PaymentCsvLine(row),
            std::string(64, 'a') +
                ",12,2026-03-03T12:30:00+09:00,payment,bpe-moef,203-01,moef,kim-0001@moef,"
                "hanok-restaurant@merchants,5812,120000,3,\"lunch, with the delegation\",,"
                "rejected,PER_ATTENDEE_LIMIT_EXCEEDED,R6\r\n");
  // As many fields as the header names.
  const std::string header = PaymentCsvHeader();
  EXPECT_EQ(std::count(header.begin(), header.end(), ','), 16);
  const boost::json::object json = PaymentJson(row);
  EXPECT_EQ(json.at("amount_won").to_number<std::int64_t>(), 120000);
  EXPECT_EQ(json.at("purpose").as_string(), "lunch, with the delegation");
  EXPECT_EQ(json.at("rule").as_string(), "R6");
  EXPECT_FALSE(json.contains("refunded_payment"));
}

}  // namespace
}  // namespace nuri::audit
