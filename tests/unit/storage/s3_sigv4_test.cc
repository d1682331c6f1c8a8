// SigV4 against AWS's published S3 signing examples and against botocore.
#include "storage/s3_sigv4.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace sluice::storage {
namespace {

const SigV4Credentials kExampleCredentials{"AKIAIOSFODNN7EXAMPLE",
                                           "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
constexpr const char* kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST(S3SigV4Test, HashesAndEncodings) {
  EXPECT_EQ(Sha256Hex({}), kEmptySha256);
  EXPECT_EQ(Sha256Hex(AsBytes("Welcome to Amazon S3.")),
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  EXPECT_EQ(Md5Base64(AsBytes("")), "1B2M2Y8AsgTpgAmY7PhCfg==");
  EXPECT_EQ(UriEncode("a b/c~d_e.f-g*h$", false), "a%20b/c~d_e.f-g%2Ah%24");
  EXPECT_EQ(UriEncode("a/b", true), "a%2Fb");
  EXPECT_EQ(UriEncode("\xc3\xa9", true), "%C3%A9");
  EXPECT_EQ(CanonicalQueryString({{"prefix", "J"}, {"max-keys", "2"}}), "max-keys=2&prefix=J");
  EXPECT_EQ(CanonicalQueryString({{"delete", ""}}), "delete=");
  EXPECT_EQ(CanonicalQueryString({{"start-after", "a b/c"}, {"list-type", "2"}}),
            "list-type=2&start-after=a%20b%2Fc");
  EXPECT_EQ(AmzDate(std::chrono::system_clock::from_time_t(1369353600)), "20130524T000000Z");
}

// The "GET Object" example of the S3 SigV4 header-signing documentation.
TEST(S3SigV4Test, AwsExampleGetObjectWithRange) {
  SigV4Request request{"GET",
                       "/test.txt",
                       "",
                       {{"Host", "examplebucket.s3.amazonaws.com"},
                        {"Range", "bytes=0-9"},
                        {"x-amz-content-sha256", kEmptySha256},
                        {"x-amz-date", "20130524T000000Z"}},
                       kEmptySha256};
  EXPECT_EQ(SigV4CanonicalRequest(request),
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:" +
                std::string(kEmptySha256) +
                "\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n" +
                kEmptySha256);
  EXPECT_EQ(SigV4StringToSign(request, "20130524T000000Z", "us-east-1", "s3"),
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(SigV4Authorization(request, kExampleCredentials, "20130524T000000Z", "us-east-1"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

// The "PUT Object" example: a signed payload, a '$' in the key and extra headers.
TEST(S3SigV4Test, AwsExamplePutObject) {
  const std::string payload_hash = Sha256Hex(AsBytes("Welcome to Amazon S3."));
  SigV4Request request{"PUT",
                       "/" + UriEncode("test$file.text", false),
                       "",
                       {{"Host", "examplebucket.s3.amazonaws.com"},
                        {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                        {"x-amz-date", "20130524T000000Z"},
                        {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                        {"x-amz-content-sha256", payload_hash}},
                       payload_hash};
  EXPECT_EQ(SigV4Authorization(request, kExampleCredentials, "20130524T000000Z", "us-east-1"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,"
            "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

// The "GET Bucket (List Objects)" example: a sorted, encoded query string.
TEST(S3SigV4Test, AwsExampleListObjects) {
  SigV4Request request{"GET",
                       "/",
                       CanonicalQueryString({{"prefix", "J"}, {"max-keys", "2"}}),
                       {{"Host", "examplebucket.s3.amazonaws.com"},
                        {"x-amz-date", "20130524T000000Z"},
                        {"x-amz-content-sha256", kEmptySha256}},
                       kEmptySha256};
  EXPECT_EQ(SigV4Authorization(request, kExampleCredentials, "20130524T000000Z", "us-east-1"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;x-amz-content-sha256;x-amz-date,"
            "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(S3SigV4Test, HeaderValuesAreTrimmedAndNamesLowerCased) {
  SigV4Request request{"GET", "/k", "", {{"X-Custom", "  a   b  "}, {"Host", "h"}}, kEmptySha256};
  EXPECT_EQ(SigV4CanonicalRequest(request),
            std::string("GET\n/k\n\nhost:h\nx-custom:a b\n\nhost;x-custom\n") + kEmptySha256);
}

// Runs tests/unit/storage/botocore_sigv4.py; nullopt when botocore is not installed.
std::optional<std::string> BotocoreAuthorization(const std::vector<std::string>& args) {
  std::string command = "/usr/bin/python3 " + std::string(SLUICE_BOTOCORE_SCRIPT);
  for (const auto& arg : args) {
    std::string quoted = "'";
    for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    command += " " + quoted + "'";
  }
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  std::string out;
  std::array<char, 512> buffer;
  while (size_t n = fread(buffer.data(), 1, buffer.size(), pipe)) out.append(buffer.data(), n);
  int status = pclose(pipe);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string Hex(ByteView data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : data) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

struct BotocoreCase {
  std::string method;
  std::string path;  // encoded
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::pair<std::string, std::string>> headers;  // besides host and x-amz-*
  std::string body;
};

TEST(S3SigV4Test, MatchesBotocore) {
  if (::access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/python3";
  const std::string host = "127.0.0.1:4568";
  const std::string amz_date = "20260126T123456Z";
  const SigV4Credentials credentials{"S3RVER", "S3RVER/secret+key", ""};
  const std::string delete_body = "<Delete><Object><Key>a&amp;b</Key></Object></Delete>";
  const BotocoreCase cases[] = {
      {"GET",
       "/sluice-test/dir/" + UriEncode("a b+c.txt", false),
       {},
       {{"Range", "bytes=5-99"}},
       ""},
      {"PUT",
       "/sluice-test/sluice/c1/" + UriEncode("obj~1$", false),
       {},
       {{"Content-Type", "application/octet-stream"}},
       std::string("binary\0data\xff", 12)},
      {"GET",
       "/sluice-test",
       {{"list-type", "2"}, {"max-keys", "7"}, {"prefix", "a/b c"}, {"start-after", "a/b c/1"}},
       {},
       ""},
      {"POST",
       "/sluice-test",
       {{"delete", ""}},
       {{"Content-MD5", Md5Base64(AsBytes(delete_body))}, {"Content-Type", "application/xml"}},
       delete_body},
  };
  for (const auto& c : cases) {
    const std::string payload_hash = Sha256Hex(AsBytes(c.body));
    SigV4Request request{c.method, c.path, CanonicalQueryString(c.query), c.headers, payload_hash};
    request.headers.emplace_back("host", host);
    request.headers.emplace_back("x-amz-date", amz_date);
    request.headers.emplace_back("x-amz-content-sha256", payload_hash);
    std::string ours = SigV4Authorization(request, credentials, amz_date, "eu-west-3");

    std::vector<std::string> args{
        c.method,
        "http://" + host + c.path +
            (request.canonical_query.empty() ? "" : "?" + request.canonical_query),
        amz_date,
        "eu-west-3",
        credentials.access_key_id,
        credentials.secret_access_key,
        Hex(AsBytes(c.body))};
    for (const auto& [name, value] : c.headers) args.push_back(name + ":" + value);
    auto theirs = BotocoreAuthorization(args);
    if (!theirs) GTEST_SKIP() << "botocore is not installed for /usr/bin/python3";
    // botocore separates the three parts with ", ", we with ","; both are valid.
    std::string normalized = *theirs;
    for (size_t at; (at = normalized.find(", ")) != std::string::npos;) normalized.erase(at + 1, 1);
    EXPECT_EQ(ours, normalized) << c.method << " " << c.path;
  }
}

}  // namespace
}  // namespace sluice::storage
