#include <gtest/gtest.h>

#include "cli/admin_common.h"
#include "cli/output.h"
#include "cli/record_format.h"

namespace sluice::cli {
namespace {

TEST(Table, AlignsColumns) {
  Table t({"TOPIC", "PARTITIONS"});
  t.AddRow({"orders", "3"});
  t.AddRow({"a", "12"});
  EXPECT_EQ(t.Render(),
            "TOPIC   PARTITIONS\n"
            "orders  3\n"
            "a       12\n");
}

TEST(Json, EscapesAndReplacesInvalidUtf8) {
  Json j = Json::Object();
  j.Set("s", "a\"b\\c\n\x01");
  j.Set("utf8", "caf\xc3\xa9");
  j.Set("bad", std::string("x\xff"
                           "y"));
  j.Set("n", Json());
  j.Set("list", Json::Array().Push(int64_t{-5}).Push(true));
  EXPECT_EQ(j.Dump(),
            "{\"s\":\"a\\\"b\\\\c\\n\\u0001\",\"utf8\":\"caf\xc3\xa9\",\"bad\":\"x\\ufffdy\","
            "\"n\":null,\"list\":[-5,true]}");
}

TEST(SplitInterspersed, FlagsAfterPositionals) {
  std::vector<std::string> flags;
  std::vector<std::string> positional;
  SplitInterspersed({"create", "orders", "-partitions", "3", "-json", "-config=a=b", "--", "-x"},
                    {"json"}, &flags, &positional);
  EXPECT_EQ(flags, (std::vector<std::string>{"-partitions", "3", "-json", "-config=a=b"}));
  EXPECT_EQ(positional, (std::vector<std::string>{"create", "orders", "-x"}));
}

TEST(RecordFormat, Placeholders) {
  Record r;
  r.offset = 42;
  r.timestamp = 7;
  r.key = Bytes{'k'};
  r.value = Bytes{'v', '1'};
  r.headers = {{"a", Bytes{'1'}}, {"b", std::nullopt}};
  EXPECT_EQ(FormatRecord("%t/%p@%o %k=%v [%h] %T %%\\t.", "orders", 2, r),
            "orders/2@42 k=v1 [a=1,b=] 7 %\t.");
  EXPECT_TRUE(ValidateRecordFormat("%k %v").ok());
  EXPECT_FALSE(ValidateRecordFormat("%x").ok());
  EXPECT_FALSE(ValidateRecordFormat("trailing %").ok());
}

}  // namespace
}  // namespace sluice::cli
