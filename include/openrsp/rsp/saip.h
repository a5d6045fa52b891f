#pragma once
/// \file
/// \brief The subset of the TCA eUICC Profile Package (SAIP, PE definitions v2.3+) that OpenRSP writes and reads.
///
/// An unprotected profile package (UPP) is DER ProfileElements concatenated, starting with header (A0)
/// and ending with end (AA).

#include "openrsp/core/bytes.h"
#include "openrsp/core/result.h"

#include <optional>
#include <string>

namespace openrsp::rsp {

/// \brief What an operator gives the SM-DP+ for one profile (the `add-profile` JSON).
struct profile_description {
    std::string iccid;                 ///< 18-20 digits (19 + Luhn typical)
    std::string imsi;                  ///< 6-15 digits
    bytes ki;                          ///< 16 bytes
    bytes opc;                         ///< 16 bytes
    std::string service_provider_name; ///< <= 32 bytes UTF-8, also written to EF.SPN
    std::string profile_name;          ///< <= 64 bytes UTF-8
    std::string apn;                   ///< default APN, may be empty
    unsigned mnc_length = 2;           ///< for EF.AD (2 or 3)
};

/// \brief Validates a description (digits, lengths); the error sentence names the bad field.
result<void> validate(const profile_description& d);

/// \brief Builds a SAIP UPP: header (ICCID, mandatory services), MF with EF.ICCID, USIM with EF.IMSI,
/// EF.SPN, EF.AD, AKA parameters (Milenage, Ki, OPc), the APN, and end.
result<bytes> build_upp(const profile_description& d);

/// \brief What the eUICC needs out of a UPP (ours or a TS.48 test profile).
struct upp_summary {
    std::string iccid;                 ///< digits from the header (plain order)
    std::string imsi;                  ///< from EF.IMSI, empty if absent
    unsigned algorithm_id = 0;         ///< 1 milenage, 2 tuak, 3 usim-test-algorithm; 0 if no akaParameter
    bytes ki;                          ///< from akaParameter
    bytes opc;
    std::string service_provider_name; ///< from EF.SPN if present
    std::string apn;                   ///< empty if absent
    std::size_t profile_elements = 0;  ///< count of PEs
};

/// \brief Parses and checks a UPP: must start with header and end with end; fails on malformed DER.
result<upp_summary> parse_upp(byte_view upp);

/// ICCID digits <-> 10-byte BCD, nibble-swapped, F padded (as in EF.ICCID and the `5A` Iccid of SGP.22).
result<bytes> iccid_to_bcd(std::string_view digits);
std::string iccid_from_bcd(byte_view bcd);

} // namespace openrsp::rsp
