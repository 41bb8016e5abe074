// extern "C" shim over RE2. Kept deliberately small: every function catches nothing because RE2
// does not throw; allocation failure in `new` terminates, as it would anywhere else in the process.
#include "cre2.h"

#include <re2/filtered_re2.h>
#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace {

RE2::Options MakeOptions(cre2_options options) {
  RE2::Options o;
  o.set_encoding(RE2::Options::EncodingUTF8);
  o.set_case_sensitive(options.case_insensitive == 0);
  o.set_log_errors(false);
  o.set_never_capture(true);
  if (options.max_mem > 0) o.set_max_mem(options.max_mem);
  return o;
}

void CopyError(const std::string &message, char *error, size_t capacity) {
  if (error == nullptr || capacity == 0) return;
  size_t n = message.size() < capacity - 1 ? message.size() : capacity - 1;
  std::memcpy(error, message.data(), n);
  error[n] = '\0';
}

}  // namespace

struct cre2_regex {
  RE2 re;
  cre2_regex(const char *p, size_t n, const RE2::Options &o) : re(re2::StringPiece(p, n), o) {}
};

struct cre2_set {
  RE2::Set set;
  bool compiled = false;
  explicit cre2_set(const RE2::Options &o) : set(o, RE2::UNANCHORED) {}
};

struct cre2_set_scratch {
  std::vector<int> indices;
};

struct cre2_atoms {
  std::vector<std::vector<std::string>> groups;
};

extern "C" {

cre2_regex *cre2_regex_new(const char *pattern, size_t length, cre2_options options) {
  return new cre2_regex(pattern, length, MakeOptions(options));
}

void cre2_regex_delete(cre2_regex *re) { delete re; }

int cre2_regex_ok(const cre2_regex *re) { return re->re.ok() ? 1 : 0; }

const char *cre2_regex_error(const cre2_regex *re) { return re->re.error().c_str(); }

int cre2_regex_program_size(const cre2_regex *re) { return re->re.ok() ? re->re.ProgramSize() : -1; }

cre2_match_status cre2_regex_match(const cre2_regex *re, const uint8_t *text, size_t length,
                                   size_t *start, size_t *end) {
  if (!re->re.ok()) return CRE2_ERROR_NOT_COMPILED;
  re2::StringPiece input(reinterpret_cast<const char *>(text), length);
  re2::StringPiece match;
  if (!re->re.Match(input, 0, length, RE2::UNANCHORED, &match, 1)) return CRE2_NO_MATCH;
  *start = static_cast<size_t>(match.data() - input.data());
  *end = *start + match.size();
  return CRE2_MATCH;
}

cre2_match_status cre2_regex_match_range(const cre2_regex *re, const uint8_t *text, size_t length,
                                         size_t startpos, size_t endpos, size_t *start, size_t *end) {
  if (!re->re.ok()) return CRE2_ERROR_NOT_COMPILED;
  if (startpos > endpos || endpos > length) return CRE2_NO_MATCH;
  re2::StringPiece input(reinterpret_cast<const char *>(text), length);
  re2::StringPiece match;
  if (!re->re.Match(input, startpos, endpos, RE2::UNANCHORED, &match, 1)) return CRE2_NO_MATCH;
  *start = static_cast<size_t>(match.data() - input.data());
  *end = *start + match.size();
  return CRE2_MATCH;
}

cre2_set *cre2_set_new(cre2_options options) { return new cre2_set(MakeOptions(options)); }

void cre2_set_delete(cre2_set *set) { delete set; }

int cre2_set_add(cre2_set *set, const char *pattern, size_t length, char *error, size_t error_capacity) {
  if (set->compiled) {
    CopyError("set is already compiled", error, error_capacity);
    return -1;
  }
  std::string message;
  int index = set->set.Add(re2::StringPiece(pattern, length), &message);
  if (index < 0) CopyError(message, error, error_capacity);
  return index;
}

int cre2_set_compile(cre2_set *set) {
  if (set->compiled) return 1;
  set->compiled = set->set.Compile();
  return set->compiled ? 1 : 0;
}

cre2_set_scratch *cre2_set_scratch_new(void) {
  auto *scratch = new cre2_set_scratch();
  scratch->indices.reserve(64);
  return scratch;
}

void cre2_set_scratch_delete(cre2_set_scratch *scratch) { delete scratch; }

cre2_match_status cre2_set_match(const cre2_set *set, cre2_set_scratch *scratch,
                                 const uint8_t *text, size_t length,
                                 int *indices, int capacity, int *count) {
  *count = 0;
  // RE2::Set::Match after a failed (or missing) Compile crashes: refuse instead.
  if (!set->compiled) return CRE2_ERROR_NOT_COMPILED;
  RE2::Set::ErrorInfo info;
  info.kind = RE2::Set::kNoError;
  re2::StringPiece input(reinterpret_cast<const char *>(text), length);
  bool matched = set->set.Match(input, &scratch->indices, &info);
  if (!matched) {
    switch (info.kind) {
      case RE2::Set::kNoError: return CRE2_NO_MATCH;
      case RE2::Set::kOutOfMemory: return CRE2_ERROR_OUT_OF_MEMORY;
      case RE2::Set::kNotCompiled: return CRE2_ERROR_NOT_COMPILED;
      default: return CRE2_ERROR_INCONSISTENT;
    }
  }
  int n = static_cast<int>(scratch->indices.size());
  *count = n;
  int copied = n < capacity ? n : capacity;
  for (int i = 0; i < copied; i++) indices[i] = scratch->indices[i];
  return n <= capacity ? CRE2_MATCH : CRE2_ERROR_CAPACITY;
}

cre2_match_status cre2_set_match_any(const cre2_set *set, const uint8_t *text, size_t length) {
  if (!set->compiled) return CRE2_ERROR_NOT_COMPILED;
  RE2::Set::ErrorInfo info;
  info.kind = RE2::Set::kNoError;
  re2::StringPiece input(reinterpret_cast<const char *>(text), length);
  if (set->set.Match(input, nullptr, &info)) return CRE2_MATCH;
  switch (info.kind) {
    case RE2::Set::kNoError: return CRE2_NO_MATCH;
    case RE2::Set::kOutOfMemory: return CRE2_ERROR_OUT_OF_MEMORY;
    case RE2::Set::kNotCompiled: return CRE2_ERROR_NOT_COMPILED;
    default: return CRE2_ERROR_INCONSISTENT;
  }
}

// Whether every match of the filter's pattern contains one of the atoms in `group`: the prefilter
// must fail when every atom outside `group` is present.
static bool IsSufficient(re2::FilteredRE2 &filter, int atomCount, const std::vector<bool> &inGroup) {
  std::vector<int> present, potentials;
  for (int i = 0; i < atomCount; i++) if (!inGroup[i]) present.push_back(i);
  filter.AllPotentials(present, &potentials);
  return potentials.empty();
}

cre2_atoms *cre2_atoms_new(const char *pattern, size_t length, cre2_options options, int min_atom_length, int max_groups) {
  re2::FilteredRE2 filter(min_atom_length);
  int id = 0;
  if (filter.Add(re2::StringPiece(pattern, length), MakeOptions(options), &id) != RE2::NoError) return nullptr;
  std::vector<std::string> atoms;
  filter.Compile(&atoms);
  auto *result = new cre2_atoms();
  if (atoms.empty()) return result;  // no usable prefilter: the pattern runs on every text

  // FilteredRE2's atoms are every leaf of an AND/OR tree, so "any atom seen" would make a pattern
  // like (write|make) .* (ransomware|keylogger) a candidate on every text containing "make". Find
  // instead up to `max_groups` disjoint sufficient groups: sets S such that every match contains
  // an atom of S. Each is a necessary condition, so a pattern is a candidate only when every group
  // was seen. Each group is found greedily from the atoms no earlier group took, dropping short
  // (usually common) atoms first while the rest stays sufficient.
  const int n = static_cast<int>(atoms.size());
  std::vector<int> order(n);
  for (int i = 0; i < n; i++) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return atoms[a].size() < atoms[b].size(); });
  std::vector<bool> taken(n, false);
  for (int g = 0; g < max_groups; g++) {
    std::vector<bool> inGroup(n);
    for (int i = 0; i < n; i++) inGroup[i] = !taken[i];
    if (!IsSufficient(filter, n, inGroup)) break;  // the atoms left cannot form another group
    for (int candidate : order) {
      if (!inGroup[candidate]) continue;
      inGroup[candidate] = false;
      if (!IsSufficient(filter, n, inGroup)) inGroup[candidate] = true;  // needed
    }
    std::vector<std::string> group;
    for (int i = 0; i < n; i++) {
      if (inGroup[i]) {
        group.push_back(atoms[i]);
        taken[i] = true;
      }
    }
    if (group.empty()) break;
    result->groups.push_back(group);
  }
  // Rarest first: the group whose shortest atom is longest (then the smaller group), since the
  // first group places the regex's confirmation windows.
  auto shortest = [](const std::vector<std::string> &group) {
    size_t m = SIZE_MAX;
    for (const auto &atom : group) m = std::min(m, atom.size());
    return m;
  };
  std::stable_sort(result->groups.begin(), result->groups.end(), [&](const auto &a, const auto &b) {
    if (shortest(a) != shortest(b)) return shortest(a) > shortest(b);
    return a.size() < b.size();
  });
  return result;
}

void cre2_atoms_delete(cre2_atoms *atoms) { delete atoms; }

int cre2_atoms_group_count(const cre2_atoms *atoms) { return static_cast<int>(atoms->groups.size()); }

int cre2_atoms_count(const cre2_atoms *atoms, int group) {
  return static_cast<int>(atoms->groups[static_cast<size_t>(group)].size());
}

const char *cre2_atoms_at(const cre2_atoms *atoms, int group, int index, size_t *length) {
  const std::string &atom = atoms->groups[static_cast<size_t>(group)][static_cast<size_t>(index)];
  *length = atom.size();
  return atom.data();
}

}  // extern "C"
