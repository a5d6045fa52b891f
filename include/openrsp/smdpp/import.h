#pragma once
/// \file
/// \brief Bulk profile import into an operator's ES2+ inventory (Available, no matching ID): CSV, JSON or a folder
/// of SAIP DER packages, committed in batches so an interrupted import can be run again and continues.
///
/// Every profile goes through the same intake as `add_inventory_profile` (validation, SAIP package and metadata
/// built once, secrets sealed by the store under its key-encryption key). Re-running an import is harmless: a
/// profile already there with the same data is counted as present, one there with other data is a conflict and
/// is left as it is.

#include "openrsp/core/result.h"
#include "openrsp/rsp/saip.h"
#include "openrsp/smdpp/smdpp.h"
#include "openrsp/store/store.h"

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace openrsp::smdpp {

/// \brief The store record for an ES2+ inventory profile (what add_inventory_profile stores): Available, owned by
/// the operator, with its SAIP package and metadata built.
result<store::inventory_profile> make_inventory_record(const rsp::profile_description& profile,
                                                    const inventory_profile_options& options);

struct import_report;

struct import_options {
    std::string operator_id;          ///< owner of every imported profile (required)
    std::string smdp_address;         ///< notification address written into the profile metadata
    std::string default_profile_type; ///< for rows without a profile type (and every SAIP package)
    std::size_t batch_size = 500;     ///< profiles per transaction
    /// Stop at the first bad row or conflict; the batch holding it is not imported (earlier batches stay).
    bool strict = false;
    /// Called after each committed batch with the report so far; returning false stops the import there (the
    /// committed batches stay, so a later run continues). May be empty.
    std::function<bool(const import_report&)> after_batch;
};

/// \brief One row that was not imported, and why.
struct import_problem {
    std::size_t line = 0; ///< CSV or JSON Lines line, JSON array position (1-based), or SAIP file position
    std::string where;    ///< the SAIP file name; empty otherwise
    std::string iccid;    ///< when it could be read
    std::string reason;
    bool conflict = false; ///< the ICCID is known with other data (else the row itself is bad)
};

struct import_report {
    std::size_t imported = 0; ///< added by this run
    std::size_t present = 0;  ///< already there with the same data (an earlier run)
    std::size_t conflicts = 0;
    std::size_t rejected = 0; ///< bad rows
    std::size_t batches = 0;  ///< committed transactions
    bool stopped = false;     ///< --strict stopped at a problem, or after_batch asked to stop
    std::vector<import_problem> problems;
};

/// \brief CSV with a header row naming the columns, in any order and case, `_`, `-` and spaces ignored: iccid,
/// imsi, ki, opc, spn, profileName (required); apn, profileType, mncLength (optional). RFC 4180 quoting.
/// Fails (importing nothing) when the header is unusable; bad rows are reported in the result instead.
result<import_report> import_csv(store::inventory& inventory, std::string_view text, const import_options& options);

/// \brief JSON: an array of objects, or one object per line (JSON Lines), with the add-profile keys (iccid, imsi,
/// ki, opc, spn, profileName, apn, mncLength) and an optional profileType.
result<import_report> import_json(store::inventory& inventory, std::string_view text, const import_options& options);

/// \brief Every `*.der` file of a folder (in name order) as a SAIP profile package: ICCID, IMSI, Ki and OPc are
/// read from the package, which is stored as it is; the profile name is the file name without `.der`, the
/// service provider name comes from EF.SPN when the package has one.
result<import_report> import_saip_dir(store::inventory& inventory, const std::string& dir,
                                      const import_options& options);

} // namespace openrsp::smdpp
