// What each kind of reader may see (read_access.h); e2e.read_roles checks the same over HTTP
// with real sessions.
#include "api/read_access.h"

#include <gtest/gtest.h>

namespace nuri::api {
namespace {

TEST(ReaderTest, AnOfficialSeesItsOwnAccountOnly) {
  const Reader reader = Reader::Own("kim@moef");
  EXPECT_FALSE(reader.MaySeeEverything());
  EXPECT_TRUE(reader.MaySeeAccount("kim@moef"));
  EXPECT_FALSE(reader.MaySeeAccount("lee@moef"));
  EXPECT_FALSE(reader.MaySeeAccount("kim@me"));
  EXPECT_FALSE(reader.MaySeeAccount("kim@moef "));
  EXPECT_FALSE(reader.MaySeeAnyOf({}));
  EXPECT_FALSE(reader.MaySeeAnyOf({"lee@moef", "cafe@merchants"}));
  EXPECT_TRUE(reader.MaySeeAnyOf({"cafe@merchants", "kim@moef"}));
}

TEST(ReaderTest, AnAdminSeesItsOrganization) {
  const Reader reader = Reader::Admin("admin@moef", "moef");
  EXPECT_FALSE(reader.MaySeeEverything());
  EXPECT_TRUE(reader.MaySeeAccount("admin@moef"));
  EXPECT_TRUE(reader.MaySeeAccount("kim@moef"));
  EXPECT_FALSE(reader.MaySeeAccount("kim@me"));
  // An organization's id is matched whole, not as a prefix or suffix.
  EXPECT_FALSE(reader.MaySeeAccount("kim@moefx"));
  EXPECT_FALSE(reader.MaySeeAccount("kim@mo"));
  EXPECT_FALSE(reader.MaySeeAccount("moef"));
  EXPECT_FALSE(reader.MaySeeAccount(""));
  EXPECT_TRUE(reader.MaySeeAnyOf({"cafe@merchants", "kim@moef"}));
}

TEST(ReaderTest, AuditorsAndOperatorsSeeEverything) {
  for (const Reader& reader : {Reader::Auditor("auditor@bai"), Reader::Operator()}) {
    EXPECT_TRUE(reader.MaySeeEverything());
    EXPECT_TRUE(reader.MaySeeAccount("kim@me"));
    EXPECT_TRUE(reader.MaySeeAnyOf({"cafe@merchants"}));
  }
  EXPECT_EQ(Reader::Operator().account(), "");
  EXPECT_EQ(Reader::Auditor("auditor@bai").account(), "auditor@bai");
}

}  // namespace
}  // namespace nuri::api
