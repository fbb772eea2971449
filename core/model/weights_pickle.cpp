#include "model/weights_pickle.h"

#include <cstring>
#include <unordered_map>

namespace stamp::core::model {
namespace {

using Kind = PyObj::Kind;

struct StorageClass {
  const char* name;
  torch::ScalarType dtype;
};
constexpr StorageClass kStorageClasses[] = {
    {"FloatStorage", torch::kFloat},   {"HalfStorage", torch::kHalf},
    {"BFloat16Storage", torch::kBFloat16}, {"DoubleStorage", torch::kDouble},
    {"LongStorage", torch::kLong},     {"IntStorage", torch::kInt},
    {"ShortStorage", torch::kShort},   {"CharStorage", torch::kChar},
    {"ByteStorage", torch::kByte},     {"BoolStorage", torch::kBool},
};

// The complete list of globals a state_dict pickle may name. Nothing else is ever accepted.
bool allowedGlobal(const std::string& module, const std::string& name) {
  if (module == "collections") return name == "OrderedDict";
  if (module == "torch._utils")
    return name == "_rebuild_tensor_v2" || name == "_rebuild_parameter" ||
           name == "_rebuild_parameter_with_state";
  if (module == "torch._tensor") return name == "_rebuild_from_type_v2";
  if (module == "torch.nn.parameter") return name == "Parameter";  // only as a type marker
  if (module == "torch") {
    if (name == "Tensor") return true;  // only as a type marker
    for (const auto& s : kStorageClasses)
      if (name == s.name) return true;
  }
  return false;
}

PyRef make(Kind k) {
  auto o = std::make_shared<PyObj>();
  o->kind = k;
  return o;
}
PyRef makeInt(std::int64_t v, Kind k = Kind::Int) {
  auto o = make(k);
  o->i = v;
  return o;
}
PyRef makeStr(std::string s, Kind k = Kind::Str) {
  auto o = make(k);
  o->s = std::move(s);
  return o;
}

class Unpickler {
 public:
  Unpickler(std::string_view d, const StorageLoader& l, std::string ctx)
      : d_(d), load_(l), ctx_(std::move(ctx)) {}
  Result<PyRef> run();

 private:
  Error err(const std::string& what) const {
    return makeError(ErrorCode::Format, "data.pkl byte " + std::to_string(op_) + ": " + what, ctx_);
  }
  Status need(std::size_t n) const {
    if (d_.size() - p_ < n) return err("pickle ends early (truncated)");
    return {};
  }
  std::uint64_t le(int n) {
    std::uint64_t v = 0;
    for (int k = 0; k < n; ++k) v |= std::uint64_t(std::uint8_t(d_[p_ + k])) << (8 * k);
    p_ += n;
    return v;
  }
  Result<PyRef> pop();
  Result<std::vector<PyRef>> popMark();
  Status step(char op, bool& done);
  Status simple(char op, bool& handled);
  Status strings(char op, bool& handled);
  Status memo(char op, bool& handled);
  Status containers(char op, bool& handled);
  Status global(std::string module, std::string name);
  Status persistentId();
  Status reduce();
  Status build();
  Result<PyRef> call(const PyObj& fn, const std::vector<PyRef>& args);
  Result<PyRef> rebuildTensor(const std::vector<PyRef>& a);
  Result<std::string> line();

  std::string_view d_;
  const StorageLoader& load_;
  std::string ctx_;
  std::size_t p_ = 0, op_ = 0;
  std::vector<PyRef> stack_;
  std::vector<std::size_t> marks_;
  std::unordered_map<std::uint64_t, PyRef> memo_;
  std::unordered_map<std::string, PyRef> storages_;
};

Result<PyRef> Unpickler::pop() {
  if (stack_.empty() || (!marks_.empty() && stack_.size() <= marks_.back()))
    return err("stack underflow (corrupt pickle)");
  PyRef v = std::move(stack_.back());
  stack_.pop_back();
  return v;
}

Result<std::vector<PyRef>> Unpickler::popMark() {
  if (marks_.empty()) return err("MARK expected (corrupt pickle)");
  std::size_t m = marks_.back();
  marks_.pop_back();
  std::vector<PyRef> items(stack_.begin() + std::ptrdiff_t(m), stack_.end());
  stack_.resize(m);
  return items;
}

Result<std::string> Unpickler::line() {
  std::size_t e = d_.find('\n', p_);
  if (e == std::string_view::npos) return err("pickle ends early (truncated)");
  std::string s(d_.substr(p_, e - p_));
  p_ = e + 1;
  return s;
}

Result<PyRef> Unpickler::run() {
  if (d_.empty()) return err("empty pickle");
  bool done = false;
  while (!done) {
    op_ = p_;
    STAMP_CHECK(need(1));
    char op = d_[p_++];
    STAMP_CHECK(step(op, done));
  }
  if (stack_.size() != 1) return err("pickle did not leave exactly one value");
  return stack_.back();
}

Status Unpickler::step(char op, bool& done) {
  bool handled = false;
  if (op == '.') {
    done = true;
    return {};
  }
  STAMP_CHECK(simple(op, handled));
  if (!handled) STAMP_CHECK(strings(op, handled));
  if (!handled) STAMP_CHECK(memo(op, handled));
  if (!handled) STAMP_CHECK(containers(op, handled));
  if (handled) return {};
  switch (op) {
    case 'c': {
      STAMP_ASSIGN(std::string module, line());
      STAMP_ASSIGN(std::string name, line());
      return global(module, name);
    }
    case '\x93': {  // STACK_GLOBAL
      STAMP_ASSIGN(PyRef name, pop());
      STAMP_ASSIGN(PyRef module, pop());
      if (name->kind != Kind::Str || module->kind != Kind::Str) return err("STACK_GLOBAL needs two strings");
      return global(module->s, name->s);
    }
    case 'Q': return persistentId();
    case 'R': return reduce();
    case 'b': return build();
    default: break;
  }
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02x", unsigned(std::uint8_t(op)));
  return err(std::string("unsupported pickle opcode ") + hex +
             " (not something torch.save writes for a state_dict)");
}

Status Unpickler::simple(char op, bool& handled) {
  handled = true;
  switch (op) {
    case '\x80':  // PROTO
      STAMP_CHECK(need(1));
      if (std::uint8_t(d_[p_]) < 2 || std::uint8_t(d_[p_]) > 5) return err("unsupported pickle protocol");
      ++p_;
      return {};
    case '\x95': STAMP_CHECK(need(8)); p_ += 8; return {};  // FRAME: a length hint only
    case 'N': stack_.push_back(make(Kind::None)); return {};
    case '\x88': stack_.push_back(makeInt(1, Kind::Bool)); return {};
    case '\x89': stack_.push_back(makeInt(0, Kind::Bool)); return {};
    case 'K': STAMP_CHECK(need(1)); stack_.push_back(makeInt(std::int64_t(le(1)))); return {};
    case 'M': STAMP_CHECK(need(2)); stack_.push_back(makeInt(std::int64_t(le(2)))); return {};
    case 'J': STAMP_CHECK(need(4)); stack_.push_back(makeInt(std::int32_t(std::uint32_t(le(4))))); return {};
    case '\x8a': {  // LONG1: n-byte little-endian two's complement
      STAMP_CHECK(need(1));
      int n = int(le(1));
      if (n > 8) return err("integer too large");
      STAMP_CHECK(need(std::size_t(n)));
      std::uint64_t v = n ? le(n) : 0;
      if (n > 0 && n < 8 && (v >> (8 * n - 1)) & 1) v |= ~std::uint64_t(0) << (8 * n);
      stack_.push_back(makeInt(std::int64_t(v)));
      return {};
    }
    case 'G': {  // BINFLOAT: big-endian double
      STAMP_CHECK(need(8));
      std::uint64_t v = 0;
      for (int k = 0; k < 8; ++k) v = (v << 8) | std::uint8_t(d_[p_ + k]);
      p_ += 8;
      auto o = make(Kind::Float);
      std::memcpy(&o->f, &v, 8);
      stack_.push_back(o);
      return {};
    }
    default: handled = false; return {};
  }
}

Status Unpickler::strings(char op, bool& handled) {
  int lenBytes = 0;
  Kind k = Kind::Str;
  switch (op) {
    case 'X': lenBytes = 4; break;
    case '\x8c': lenBytes = 1; break;
    case '\x8d': lenBytes = 8; break;
    case 'T': lenBytes = 4; break;
    case 'U': lenBytes = 1; break;
    case 'B': lenBytes = 4, k = Kind::Bytes; break;
    case 'C': lenBytes = 1, k = Kind::Bytes; break;
    case '\x8e': lenBytes = 8, k = Kind::Bytes; break;
    default: handled = false; return {};
  }
  handled = true;
  STAMP_CHECK(need(std::size_t(lenBytes)));
  std::uint64_t n = le(lenBytes);
  if (n > d_.size() - p_) return err("string runs past the end (truncated)");
  stack_.push_back(makeStr(std::string(d_.substr(p_, n)), k));
  p_ += n;
  return {};
}

Status Unpickler::memo(char op, bool& handled) {
  handled = true;
  std::uint64_t idx = 0;
  switch (op) {
    case 'q': STAMP_CHECK(need(1)); idx = le(1); break;
    case 'r': STAMP_CHECK(need(4)); idx = le(4); break;
    case '\x94': idx = memo_.size(); break;  // MEMOIZE
    case 'h': case 'j': {
      STAMP_CHECK(need(op == 'h' ? 1 : 4));
      idx = le(op == 'h' ? 1 : 4);
      auto it = memo_.find(idx);
      if (it == memo_.end()) return err("memo index " + std::to_string(idx) + " not defined");
      stack_.push_back(it->second);
      return {};
    }
    default: handled = false; return {};
  }
  if (stack_.empty()) return err("memo of an empty stack");
  memo_[idx] = stack_.back();
  return {};
}

Status Unpickler::containers(char op, bool& handled) {
  handled = true;
  switch (op) {
    case '}': stack_.push_back(make(Kind::Dict)); return {};
    case ']': stack_.push_back(make(Kind::List)); return {};
    case ')': stack_.push_back(make(Kind::Tuple)); return {};
    case '(': marks_.push_back(stack_.size()); return {};
    case 't': {
      STAMP_ASSIGN(auto items, popMark());
      auto t = make(Kind::Tuple);
      t->items = std::move(items);
      stack_.push_back(t);
      return {};
    }
    case '\x85': case '\x86': case '\x87': {
      auto t = make(Kind::Tuple);
      t->items.resize(std::size_t(op - '\x85' + 1));
      for (auto it = t->items.rbegin(); it != t->items.rend(); ++it) {
        STAMP_ASSIGN(*it, pop());
      }
      stack_.push_back(t);
      return {};
    }
    case 'a': case 'e': case 's': case 'u': break;
    default: handled = false; return {};
  }
  std::vector<PyRef> items;
  if (op == 'e' || op == 'u') {
    STAMP_ASSIGN(items, popMark());
  } else {
    for (int k = op == 's' ? 2 : 1; k > 0; --k) {
      STAMP_ASSIGN(PyRef v, pop());
      items.insert(items.begin(), v);
    }
  }
  if (stack_.empty()) return err("append/setitem without a container");
  PyObj& target = *stack_.back();
  if (op == 'a' || op == 'e') {
    if (target.kind != Kind::List) return err("APPEND on a non-list");
    for (auto& v : items) target.items.push_back(v);
    return {};
  }
  if (target.kind != Kind::Dict || items.size() % 2) return err("SETITEM on a non-dict");
  for (std::size_t k = 0; k < items.size(); k += 2) target.dict.emplace_back(items[k], items[k + 1]);
  return {};
}

Status Unpickler::global(std::string module, std::string name) {
  if (!allowedGlobal(module, name))
    return makeError(ErrorCode::Format,
                     "refusing to load: the pickle names the global '" + module + "." + name +
                     "', which a PyTorch state_dict never needs (the file may be malicious; "
                     "nothing was executed)", ctx_);
  auto g = make(Kind::Global);
  g->s = std::move(module);
  g->name = std::move(name);
  stack_.push_back(g);
  return {};
}

Status Unpickler::persistentId() {
  STAMP_ASSIGN(PyRef pid, pop());
  const auto& it = pid->items;
  if (pid->kind != Kind::Tuple || it.size() < 5 || it[0]->kind != Kind::Str || it[0]->s != "storage" ||
      it[1]->kind != Kind::Global || it[2]->kind != Kind::Str || it[4]->kind != Kind::Int)
    return err("unsupported persistent id (expected ('storage', type, key, location, numel))");
  const StorageClass* sc = nullptr;
  for (const auto& c : kStorageClasses)
    if (it[1]->s == "torch" && it[1]->name == c.name) sc = &c;
  if (!sc) return err("persistent id names '" + it[1]->s + "." + it[1]->name + "', not a storage class");
  const std::string& key = it[2]->s;
  if (auto found = storages_.find(key); found != storages_.end()) {
    if (found->second->tensor.scalar_type() != sc->dtype) return err("storage '" + key + "' used with two dtypes");
    stack_.push_back(found->second);
    return {};
  }
  if (it[4]->i < 0) return err("negative storage size");
  auto st = load_(sc->dtype, key, it[4]->i);
  if (!st.ok()) return st.error();
  auto o = make(Kind::Storage);
  o->tensor = std::move(st).value();
  storages_[key] = o;
  stack_.push_back(o);
  return {};
}

Status Unpickler::reduce() {
  STAMP_ASSIGN(PyRef args, pop());
  STAMP_ASSIGN(PyRef fn, pop());
  if (fn->kind != Kind::Global || args->kind != Kind::Tuple) return err("REDUCE needs a global and a tuple");
  STAMP_ASSIGN(PyRef out, call(*fn, args->items));
  stack_.push_back(out);
  return {};
}

Status Unpickler::build() {
  STAMP_ASSIGN(PyRef state, pop());
  if (stack_.empty()) return err("BUILD without an object");
  // An OrderedDict's state is its `_metadata` (module versions); a tensor's is Python-side
  // attributes. Neither affects the weights, so both are dropped.
  Kind k = stack_.back()->kind;
  if (k != Kind::Dict && k != Kind::Tensor) return err("BUILD on an unsupported object");
  return {};
}

Result<PyRef> Unpickler::call(const PyObj& fn, const std::vector<PyRef>& a) {
  const std::string full = fn.s + "." + fn.name;
  if (full == "collections.OrderedDict") {
    if (!a.empty()) return err("OrderedDict with constructor arguments is not supported");
    return make(Kind::Dict);
  }
  if (full == "torch._utils._rebuild_tensor_v2") return rebuildTensor(a);
  if (full == "torch._utils._rebuild_parameter" || full == "torch._utils._rebuild_parameter_with_state") {
    if (a.empty() || a[0]->kind != Kind::Tensor) return err(full + " without a tensor");
    return a[0];
  }
  if (full == "torch._tensor._rebuild_from_type_v2") {
    // (func, new_type, args, state): only rebuilds of plain tensors/parameters are accepted.
    if (a.size() < 3 || a[0]->kind != Kind::Global || a[2]->kind != Kind::Tuple)
      return err("malformed _rebuild_from_type_v2");
    if (a[0]->s == "torch._tensor") return err("nested _rebuild_from_type_v2");
    return call(*a[0], a[2]->items);
  }
  return err("the global '" + full + "' cannot be called");
}

Result<std::vector<std::int64_t>> intTuple(const PyObj& t) {
  if (t.kind != Kind::Tuple) return makeError(ErrorCode::Format, "size/stride is not a tuple");
  std::vector<std::int64_t> v;
  for (const auto& x : t.items) {
    if (x->kind != Kind::Int || x->i < 0) return makeError(ErrorCode::Format, "bad size/stride value");
    v.push_back(x->i);
  }
  return v;
}

Result<PyRef> Unpickler::rebuildTensor(const std::vector<PyRef>& a) {
  if (a.size() < 4 || a[0]->kind != Kind::Storage || a[1]->kind != Kind::Int)
    return err("malformed _rebuild_tensor_v2 arguments");
  auto size = intTuple(*a[2]);
  auto stride = intTuple(*a[3]);
  if (!size.ok() || !stride.ok() || size->size() != stride->size())
    return err("malformed tensor size/stride");
  const torch::Tensor& storage = a[0]->tensor;
  std::int64_t offset = a[1]->i, last = offset, numel = 1;
  for (std::size_t k = 0; k < size->size(); ++k) {
    std::int64_t s = (*size)[k];
    if (s > 0 && (*stride)[k] > (std::int64_t(1) << 40) / s) return err("tensor stride too large");
    if (s > 0 && numel > (std::int64_t(1) << 40) / s) return err("tensor too large");
    numel *= s;
    if (s > 0) last += (s - 1) * (*stride)[k];
  }
  if (offset < 0 || (numel > 0 && last >= storage.numel()))
    return err("tensor view reaches past its storage (offset " + std::to_string(offset) + ")");
  auto o = make(Kind::Tensor);
  o->tensor = storage.as_strided(*size, *stride, offset);
  return o;
}

// ---------------------------------------------------------------- writer

template <std::size_t N>
void lit(std::string& out, const char (&s)[N]) {
  out.append(s, N - 1);  // literals here contain NUL bytes (memo index 0)
}

void putStr(std::string& out, const std::string& s) {
  out += 'X';
  std::uint32_t n = std::uint32_t(s.size());
  for (int k = 0; k < 4; ++k) out += char((n >> (8 * k)) & 0xFF);
  out += s;
}

void putInt(std::string& out, std::int64_t v) {
  if (v >= 0 && v < 256) {
    out += 'K', out += char(v);
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    out += 'J';
    for (int k = 0; k < 4; ++k) out += char((std::uint32_t(v) >> (8 * k)) & 0xFF);
  } else {
    out += '\x8a', out += char(8);
    for (int k = 0; k < 8; ++k) out += char((std::uint64_t(v) >> (8 * k)) & 0xFF);
  }
}

void putIntTuple(std::string& out, c10::IntArrayRef v) {
  out += '(';
  for (auto x : v) putInt(out, x);
  out += 't';
}

}  // namespace

Result<PyRef> unpickle(std::string_view data, const StorageLoader& load, const std::string& context) {
  Unpickler u(data, load, context);
  return u.run();
}

std::string storageClassFor(torch::ScalarType t) {
  for (const auto& c : kStorageClasses)
    if (c.dtype == t) return c.name;
  return {};
}

std::string pickleStateDict(const std::vector<std::pair<std::string, torch::Tensor>>& tensors) {
  std::string out;
  lit(out, "\x80\x02" "ccollections\nOrderedDict\nq\x00)R(");
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const torch::Tensor& t = tensors[i].second;
    putStr(out, tensors[i].first);
    out += "ctorch._utils\n_rebuild_tensor_v2\n(";
    out += '(';
    putStr(out, "storage");
    out += "ctorch\n" + storageClassFor(t.scalar_type()) + "\n";
    putStr(out, std::to_string(i));
    putStr(out, "cpu");
    putInt(out, t.numel());
    out += "tQ";
    putInt(out, 0);
    putIntTuple(out, t.sizes());
    putIntTuple(out, t.contiguous().strides());
    lit(out, "\x89h\x00)RtR");  // requires_grad False, backward hooks OrderedDict()
  }
  out += "u.";
  return out;
}

}  // namespace stamp::core::model
