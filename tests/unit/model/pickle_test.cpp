// The restricted unpickler: state_dict pickles load, anything that would execute code is refused.
#include <gtest/gtest.h>

#include <map>

#include "model/weights_pickle.h"

using namespace stamp::core;
using namespace stamp::core::model;
using namespace std::string_literals;

namespace {

// Storages for hand-made pickles: key -> flat tensor.
struct Storages {
  std::map<std::string, torch::Tensor> byKey;
  int calls = 0;
  StorageLoader loader() {
    return [this](torch::ScalarType dtype, const std::string& key, std::int64_t numel) -> Result<torch::Tensor> {
      ++calls;
      auto it = byKey.find(key);
      if (it == byKey.end()) return makeError(ErrorCode::Format, "no storage " + key);
      EXPECT_EQ(it->second.scalar_type(), dtype);
      return it->second;
    };
  }
};

Result<PyRef> load(const std::string& bytes, Storages& s) { return unpickle(bytes, s.loader(), "test.pkl"); }

std::string refusalOf(const std::string& bytes) {
  Storages s;
  auto r = load(bytes, s);
  EXPECT_FALSE(r.ok());
  return r.ok() ? std::string() : r.error().describe();
}

}  // namespace

TEST(Unpickler, RefusesOsSystem) {
  // GLOBAL 'os system', the argument tuple ('touch x',), REDUCE: what a malicious file does.
  std::string evil = "\x80\x02" "cos\nsystem\nq\x00X\x07\x00\x00\x00touch x\x85R."s;
  std::string msg = refusalOf(evil);
  EXPECT_NE(msg.find("os.system"), std::string::npos) << msg;
  EXPECT_NE(msg.find("nothing was executed"), std::string::npos) << msg;
}

TEST(Unpickler, RefusesBuiltinsEval) {
  std::string evil = "\x80\x02" "cbuiltins\neval\nX\x0b\x00\x00\x00__import__(\x85R."s;
  EXPECT_NE(refusalOf(evil).find("builtins.eval"), std::string::npos);
}

TEST(Unpickler, RefusesPosixSystemThroughStackGlobal) {
  std::string evil = "\x80\x04\x8c\x05posix\x8c\x06system\x93\x8c\x02id\x85R."s;
  EXPECT_NE(refusalOf(evil).find("posix.system"), std::string::npos);
}

TEST(Unpickler, RefusesLookalikeTorchGlobals) {
  std::string evil = "\x80\x02" "ctorch.serialization\nload\n)R."s;
  EXPECT_NE(refusalOf(evil).find("torch.serialization.load"), std::string::npos);
  std::string fromBytes = "\x80\x02" "ctorch.storage\n_load_from_bytes\nC\x01x\x85R."s;
  EXPECT_NE(refusalOf(fromBytes).find("torch.storage._load_from_bytes"), std::string::npos);
  // An allowed name that is not callable is refused at REDUCE.
  std::string notCallable = "\x80\x02" "ctorch\nFloatStorage\n)R."s;
  EXPECT_NE(refusalOf(notCallable).find("cannot be called"), std::string::npos);
}

TEST(Unpickler, RoundTripsOurStateDictPickle) {
  torch::Tensor a = torch::arange(6, torch::kFloat).reshape({2, 3});
  torch::Tensor b = torch::tensor({7, 8, 9}, torch::kLong);
  torch::Tensor s = torch::full({}, 2.5f);
  std::string bytes = pickleStateDict({{"a", a}, {"b", b}, {"scale", s}});
  Storages st;
  st.byKey = {{"0", a.flatten()}, {"1", b}, {"2", s.reshape({1})}};
  auto r = load(bytes, st);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  const PyObj& d = **r;
  ASSERT_EQ(d.kind, PyObj::Kind::Dict);
  ASSERT_EQ(d.dict.size(), 3u);
  EXPECT_EQ(d.dict[0].first->s, "a");
  EXPECT_TRUE(torch::equal(d.dict[0].second->tensor, a));
  EXPECT_TRUE(torch::equal(d.dict[1].second->tensor, b));
  EXPECT_EQ(d.dict[2].second->tensor.dim(), 0);
  EXPECT_FLOAT_EQ(d.dict[2].second->tensor.item<float>(), 2.5f);
}

TEST(Unpickler, TruncatedPickleFails) {
  torch::Tensor a = torch::ones({4});
  std::string bytes = pickleStateDict({{"a", a}});
  Storages st;
  st.byKey = {{"0", a}};
  for (std::size_t cut : {std::size_t(1), bytes.size() / 3, bytes.size() / 2, bytes.size() - 1}) {
    auto r = load(bytes.substr(0, cut), st);
    EXPECT_FALSE(r.ok()) << "cut at " << cut;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, ErrorCode::Format);
    }
  }
}

TEST(Unpickler, ViewPastItsStorageFails) {
  torch::Tensor a = torch::ones({2, 3});
  std::string bytes = pickleStateDict({{"a", a}});
  Storages st;
  st.byKey = {{"0", torch::ones({4})}};  // the storage is shorter than the 6 elements viewed
  auto r = load(bytes, st);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("past its storage"), std::string::npos) << r.error().describe();
}

TEST(Unpickler, UndefinedMemoAndUnknownOpcodeFail) {
  EXPECT_NE(refusalOf("\x80\x02h\x05."s).find("memo"), std::string::npos);
  EXPECT_NE(refusalOf("\x80\x02i."s).find("opcode"), std::string::npos);
  Storages none;
  EXPECT_FALSE(load("", none).ok());
}
