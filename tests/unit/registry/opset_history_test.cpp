// The kernel registry against ONNX's operator schema history.
//
// Every op family registers one opset range per schema version (KernelRegistry::add_versions), so
// for each registered (domain, op) of ai.onnx and ai.onnx.ml:
//   - every schema since-version of the op must start a registered range (EXPERIMENTAL schemas,
//     i.e. Upsample-1, may be left out);
//   - no registered range may start at an opset that is not a since-version;
//   - each range must end where the next schema version begins (the last one at the newest opset
//     we accept), so no opset is silently served by the wrong version or left out;
//   - an op deprecated at opset N must not be served at or after N (Upsample 10, Scatter 11, ...);
//   - two kernels of one op whose ranges overlap must not accept the same element type.
// The history comes from libonnx (OpSchemaRegistry, which knows ai.onnx up to 17 and ai.onnx.ml
// up to 3) plus tests/data/onnx_since_versions_18plus.txt for the newer opsets (see its header).
#include <gtest/gtest.h>
#include <onnx/defs/schema.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/data_type.h"
#include "ops/registry.h"

namespace onyx {
namespace {

using OpKey = std::pair<std::string, std::string>;  // (canonical domain, op)

struct History {
  std::set<int> since;         // since-versions of non-deprecated schemas
  std::set<int> experimental;  // those of them that are EXPERIMENTAL (Upsample-1): optional
  int deprecated = 0;          // first opset at which the op is deprecated (0: never)
};

std::string shown(const OpKey& k) { return (k.first.empty() ? "" : k.first + ".") + k.second; }

std::string join(const std::set<int>& s) {
  std::string out;
  for (int v : s) out += (out.empty() ? "" : " ") + std::to_string(v);
  return out.empty() ? "-" : out;
}

int newest_opset(const std::string& domain) {
  return domain == kOnnxMlDomain ? kMaxOnnxMlOpset : kMaxOnnxOpset;
}

// The newest opset of `domain` libonnx has schemas for.
int libonnx_max(const std::string& domain) {
  const auto& map = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
  auto it = map.find(domain);
  return it == map.end() ? 0 : it->second.second;
}

// Next to this source file (CMake compiles it by absolute path); failing that, relative to the
// working directory (the source root, or a build folder inside it).
std::filesystem::path table_path() {
  const std::filesystem::path rel = std::filesystem::path("tests") / "data" /
                                    "onnx_since_versions_18plus.txt";
  for (const std::filesystem::path& p :
       {std::filesystem::path(__FILE__).parent_path() / ".." / ".." / ".." / rel, rel,
        std::filesystem::path("..") / rel}) {
    if (std::filesystem::exists(p)) return p;
  }
  return rel;
}

struct Table {
  std::map<OpKey, History> ops;
  std::vector<std::string> errors;  // malformed lines
};

Table read_table() {
  Table t;
  std::ifstream in(table_path());
  if (!in) {
    t.errors.push_back("cannot open " + table_path().string());
    return t;
  }
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    std::string domain, op, tok;
    ss >> domain >> op;
    const std::string where = table_path().filename().string() + ":" + std::to_string(lineno);
    if (domain.empty() || op.empty()) {
      t.errors.push_back(where + ": expected '<domain> <op> <version>...'");
      continue;
    }
    if (domain == "ai.onnx") domain.clear();
    if (!domain.empty() && domain != kOnnxMlDomain) {
      t.errors.push_back(where + ": unknown domain '" + domain + "'");
      continue;
    }
    History& h = t.ops[{domain, op}];
    int prev = 0;
    bool any = false;
    while (ss >> tok) {
      any = true;
      int v = 0;
      const bool deprecated = tok.rfind("deprecated=", 0) == 0;
      try {
        v = std::stoi(deprecated ? tok.substr(11) : tok);
      } catch (...) {
        t.errors.push_back(where + ": bad token '" + tok + "'");
        continue;
      }
      if (v <= libonnx_max(domain) || v > newest_opset(domain)) {
        t.errors.push_back(where + ": version " + std::to_string(v) + " is outside " +
                           std::to_string(libonnx_max(domain) + 1) + ".." +
                           std::to_string(newest_opset(domain)));
      }
      if (deprecated) {
        h.deprecated = v;
      } else {
        if (v <= prev) t.errors.push_back(where + ": versions must ascend");
        prev = v;
        h.since.insert(v);
      }
    }
    if (!any) t.errors.push_back(where + ": no versions");
  }
  return t;
}

// The full schema history of every ai.onnx / ai.onnx.ml op: libonnx, then the checked-in table.
const std::map<OpKey, History>& schema_history() {
  static const std::map<OpKey, History> history = [] {
    std::map<OpKey, History> h;
    for (const onnx::OpSchema& s : onnx::OpSchemaRegistry::get_all_schemas_with_history()) {
      const std::string domain = s.domain() == "ai.onnx" ? "" : s.domain();
      if (!domain.empty() && domain != kOnnxMlDomain) continue;
      History& e = h[{domain, s.Name()}];
      if (s.Deprecated()) {
        e.deprecated = e.deprecated ? std::min(e.deprecated, s.SinceVersion()) : s.SinceVersion();
      } else {
        e.since.insert(s.SinceVersion());
        if (s.support_level() == onnx::OpSchema::SupportType::EXPERIMENTAL) {
          e.experimental.insert(s.SinceVersion());
        }
      }
    }
    for (const auto& [key, newer] : read_table().ops) {
      History& e = h[key];
      e.since.insert(newer.since.begin(), newer.since.end());
      if (newer.deprecated) e.deprecated = newer.deprecated;
    }
    for (auto& [key, e] : h) {
      if (e.deprecated) std::erase_if(e.since, [&](int v) { return v >= e.deprecated; });
    }
    return h;
  }();
  return history;
}

std::map<OpKey, std::vector<const KernelDef*>> registered_onnx_ops() {
  std::map<OpKey, std::vector<const KernelDef*>> ops;
  for (const KernelDef& def : global_registry().defs()) {
    if (!def.domain.empty() && def.domain != kOnnxMlDomain) continue;
    ops[{def.domain, def.op}].push_back(&def);
  }
  return ops;
}

TEST(OpsetHistory, TableIsWellFormed) {
  const Table t = read_table();
  for (const std::string& e : t.errors) ADD_FAILURE() << e;
  EXPECT_FALSE(t.ops.empty());
  // The table holds only what libonnx does not know: no line may repeat a libonnx version.
  for (const auto& [key, newer] : t.ops) {
    for (int v : newer.since) EXPECT_GT(v, libonnx_max(key.first)) << shown(key);
  }
}

TEST(OpsetHistory, LibOnnxKnowsTheExpectedOpsets) {
  // The table starts where libonnx stops; a libonnx upgrade must shrink the table.
  EXPECT_EQ(libonnx_max(""), 17);
  EXPECT_EQ(libonnx_max(kOnnxMlDomain), 3);
  const auto& h = schema_history();
  // Spot checks of the merged history.
  EXPECT_EQ(join(h.at({"", "Cast"}).since), "1 6 9 13 19 21 23 24 25");
  EXPECT_EQ(h.at({"", "Upsample"}).deprecated, 10);
  EXPECT_EQ(h.at({"", "Scatter"}).deprecated, 11);
}

TEST(OpsetHistory, RegisteredRangesFollowSchemaVersions) {
  const auto& history = schema_history();
  int mismatches = 0;
  for (const auto& [key, defs] : registered_onnx_ops()) {
    auto it = history.find(key);
    if (it == history.end()) {
      ADD_FAILURE() << shown(key) << ": registered, but neither libonnx nor "
                    << table_path().filename().string() << " knows this op";
      ++mismatches;
      continue;
    }
    const History& h = it->second;
    std::set<int> starts;
    std::set<std::pair<int, int>> ranges;
    for (const KernelDef* d : defs) {
      starts.insert(d->since);
      ranges.insert({d->since, d->until});
    }
    std::string ranges_text;
    for (const auto& [s, u] : ranges) {
      ranges_text += (ranges_text.empty() ? "" : ", ") + std::to_string(s) + "-" + std::to_string(u);
    }
    std::ostringstream why;
    for (int v : h.since) {
      if (!starts.count(v) && !h.experimental.count(v)) {
        why << "\n  schema version " << v << " starts no registered range";
      }
    }
    for (int s : starts) {
      if (!h.since.count(s)) why << "\n  a range starts at " << s << ", not a schema version";
    }
    const int last = h.deprecated ? h.deprecated - 1 : newest_opset(key.first);
    for (const auto& [s, u] : ranges) {
      if (!h.since.count(s)) continue;  // reported above
      auto next = h.since.upper_bound(s);
      const int end = next == h.since.end() ? last : *next - 1;
      if (u != end) {
        why << "\n  range " << s << "-" << u << " should end at " << end;
      }
    }
    if (h.deprecated) {
      for (const auto& [s, u] : ranges) {
        if (u >= h.deprecated) {
          why << "\n  range " << s << "-" << u << " serves opset " << std::max(s, h.deprecated)
              << " but the op is deprecated since " << h.deprecated;
        }
      }
    }
    if (!why.str().empty()) {
      ++mismatches;
      ADD_FAILURE() << shown(key) << ": registered " << ranges_text << "; schema since-versions "
                    << join(h.since)
                    << (h.deprecated ? " (deprecated at " + std::to_string(h.deprecated) + ")"
                                     : std::string())
                    << why.str();
    }
  }
  EXPECT_EQ(mismatches, 0) << "ops whose registered ranges disagree with the schema history";
}

TEST(OpsetHistory, DeprecatedOpsAreNotServedFromTheirDeprecation) {
  const auto& history = schema_history();
  for (const auto& [key, defs] : registered_onnx_ops()) {
    auto it = history.find(key);
    if (it == history.end() || !it->second.deprecated) continue;
    for (const KernelDef* d : defs) {
      EXPECT_LT(d->until, it->second.deprecated)
          << shown(key) << " is deprecated at opset " << it->second.deprecated
          << " but registered for " << d->since << "-" << d->until;
    }
  }
}

bool types_intersect(const KernelDef& a, const KernelDef& b) {
  if (a.types.empty() || b.types.empty()) return true;  // empty: any type
  return std::any_of(a.types.begin(), a.types.end(), [&](DataType t) {
    return std::find(b.types.begin(), b.types.end(), t) != b.types.end();
  });
}

TEST(OpsetHistory, NoOverlappingRangesForTheSameType) {
  std::map<OpKey, std::vector<const KernelDef*>> ops;
  for (const KernelDef& def : global_registry().defs()) ops[{def.domain, def.op}].push_back(&def);
  for (const auto& [key, defs] : ops) {
    for (size_t i = 0; i < defs.size(); ++i) {
      const KernelDef& a = *defs[i];
      EXPECT_LE(a.since, a.until) << shown(key) << ": empty range " << a.since << "-" << a.until;
      for (size_t j = i + 1; j < defs.size(); ++j) {
        const KernelDef& b = *defs[j];
        if (a.until < b.since || b.until < a.since || !types_intersect(a, b)) continue;
        std::string common;
        for (DataType t : a.types) {
          if (b.types.empty() || std::find(b.types.begin(), b.types.end(), t) != b.types.end()) {
            common += (common.empty() ? "" : ", ") + std::string(data_type_name(t));
          }
        }
        ADD_FAILURE() << shown(key) << ": ranges " << a.since << "-" << a.until << " and "
                      << b.since << "-" << b.until << " both serve "
                      << (common.empty() ? std::string("any type") : common);
      }
    }
  }
}

}  // namespace
}  // namespace onyx
