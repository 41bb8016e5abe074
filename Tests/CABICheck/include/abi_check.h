// Exercises the Switchyard C ABI from C, as a C gateway would.
#pragma once
#include <stddef.h>

/// Runs every check against the pack in `rules_dir` (which must fire on `risky_text` and not on
/// `clean_text`) and the policy at `policy_path`. Returns 0 when all pass; otherwise the number of
/// the first failing check, with a message in `report`.
int switchyard_abi_check(const char *rules_dir, const char *policy_path, const char *risky_text,
                         const char *clean_text, char *report, size_t report_capacity);

/// Writes three chained audit records (risky with an identity, clean, risky again) through
/// switchyard_audit_record into `records` (NUL-terminated JSON lines) and checks the calls' results.
/// Returns 0 when all pass; otherwise the number of the failing check, with a message in `report`.
int switchyard_abi_audit_check(const char *rules_dir, const char *policy_path, const char *risky_text,
                               const char *clean_text, char *records, size_t records_capacity,
                               char *report, size_t report_capacity);
