#pragma once
/// \file
/// \brief The SAIP part of the tag names (include openrsp/rsp/tags.h, which includes this): Profile Element tags of
/// the TS.48 / SIMalliance eUICC Profile Package, one nested namespace per ASN.1 type.

#include "openrsp/der/der.h"

namespace openrsp::rsp::tag {
using der::tag_t;

// ---- SAIP (TS.48 / SIMalliance eUICC Profile Package) Profile Element tags. ----------------------------------

/// The TCA (SIMalliance) eUICC Profile Package, ASN.1 module PE_Definitions (automatic tags): the unprotected
/// profile package SGP.22 carries inside the BPP (§2.5.5 sequenceOf86). One nested namespace per ASN.1 type.
namespace saip {

/// ProfileElement CHOICE: the outer tag of each element of the package.
namespace profile_element {
inline constexpr tag_t header = 0xA0;
inline constexpr tag_t pin_codes = 0xA2;
inline constexpr tag_t puk_codes = 0xA3;
inline constexpr tag_t aka_parameter = 0xA4;
inline constexpr tag_t non_standard = 0xA9;
inline constexpr tag_t end = 0xAA;
inline constexpr tag_t mf = 0xB0;
inline constexpr tag_t usim = 0xB3;
inline constexpr tag_t opt_usim = 0xB4;
} // namespace profile_element

/// The members every ProfileElement SEQUENCE but ProfileHeader starts with: its PEHeader, then, in the elements
/// built from a template (PE-MF, PE-USIM, PE-OPT-USIM, ...), the templateID.
namespace profile_element_fields {
inline constexpr tag_t header = 0xA0;
inline constexpr tag_t template_id = 0x81; ///< OBJECT IDENTIFIER
} // namespace profile_element_fields

/// PEHeader.
namespace pe_header {
inline constexpr tag_t mandated = 0x80;
inline constexpr tag_t identification = 0x81;
} // namespace pe_header

/// ProfileHeader.
namespace profile_header {
inline constexpr tag_t major_version = 0x80;
inline constexpr tag_t minor_version = 0x81;
inline constexpr tag_t profile_type = 0x82;
inline constexpr tag_t iccid = 0x83;
inline constexpr tag_t euicc_mandatory_services = 0xA5;
inline constexpr tag_t euicc_mandatory_gfste_list = 0xA6; ///< SEQUENCE OF OBJECT IDENTIFIER
} // namespace profile_header

/// ServicesList (eUICC-Mandatory-services): NULL flags.
namespace services_list {
inline constexpr tag_t usim = 0x81;
inline constexpr tag_t milenage = 0x84;
} // namespace services_list

/// PE-MF.
namespace pe_mf {
inline constexpr tag_t mf = 0xA2;
inline constexpr tag_t ef_iccid = 0xA4;
inline constexpr tag_t ef_dir = 0xA5;
inline constexpr tag_t ef_arr = 0xA6;
} // namespace pe_mf

/// PE-USIM.
namespace pe_usim {
inline constexpr tag_t adf_usim = 0xA2;
inline constexpr tag_t ef_imsi = 0xA3;
inline constexpr tag_t ef_arr = 0xA4;
inline constexpr tag_t ef_ust = 0xA8;
inline constexpr tag_t ef_spn = 0xAD;
inline constexpr tag_t ef_est = 0xAE;
inline constexpr tag_t ef_acc = 0xB2;
inline constexpr tag_t ef_ad = 0xB5;
inline constexpr tag_t ef_ecc = 0xB6;
} // namespace pe_usim

/// PE-OPT-USIM.
namespace pe_opt_usim {
inline constexpr tag_t ef_acl = 0xB9;
} // namespace pe_opt_usim

/// PE-PUKCodes; each PUKCodes entry is a SEQUENCE (universal `30`) of the puk_code members.
namespace pe_puk_codes {
inline constexpr tag_t puk_codes = 0xA1;
} // namespace pe_puk_codes

/// The SEQUENCE inside PUKCodes.
namespace puk_code {
inline constexpr tag_t key_reference = 0x80;
inline constexpr tag_t puk_value = 0x81;
} // namespace puk_code

/// PE-PINCodes; pinCodes is a CHOICE whose pinconfig is a SEQUENCE OF PINConfiguration (each `30`).
namespace pe_pin_codes {
inline constexpr tag_t pin_codes = 0xA1;
inline constexpr tag_t pinconfig = 0xA0; ///< inside pin_codes
} // namespace pe_pin_codes

/// PINConfiguration.
namespace pin_configuration {
inline constexpr tag_t key_reference = 0x80;
inline constexpr tag_t pin_value = 0x81;
inline constexpr tag_t unblocking_pin_reference = 0x82;
inline constexpr tag_t pin_attributes = 0x83;
inline constexpr tag_t max_num_of_attempts_retry_num_left = 0x84;
} // namespace pin_configuration

/// PE-AKAParameter; algoConfiguration is the AlgoConfiguration CHOICE.
namespace pe_aka_parameter {
inline constexpr tag_t algo_configuration = 0xA1;
inline constexpr tag_t algo_parameter = 0xA1; ///< inside algo_configuration (the other choice maps another NAA)
} // namespace pe_aka_parameter

/// AlgoParameter.
namespace algo_parameter {
inline constexpr tag_t algorithm_id = 0x80;
inline constexpr tag_t algorithm_options = 0x81;
inline constexpr tag_t key = 0x82;
inline constexpr tag_t opc = 0x83;
} // namespace algo_parameter

/// File ::= SEQUENCE OF CHOICE { doNotCreate, fileDescriptor Fcp, fillFileOffset, fillFileContent }.
namespace file {
inline constexpr tag_t file_descriptor = 0xA1; ///< the Fcp
inline constexpr tag_t fill_file_offset = 0x82;
inline constexpr tag_t fill_file_content = 0x83;
} // namespace file

/// Fcp (the FCP template of ETSI TS 102 222 as PE_Definitions writes it).
namespace fcp {
inline constexpr tag_t ef_file_size = 0x80;
inline constexpr tag_t file_descriptor = 0x82;
inline constexpr tag_t file_id = 0x83;
inline constexpr tag_t df_name = 0x84;
inline constexpr tag_t proprietary_ef_info = 0xA5;
inline constexpr tag_t security_attributes_referenced = 0x8B;
inline constexpr tag_t pin_status_template_do = 0xC6;
} // namespace fcp

/// ProprietaryEFInfo (inside fcp::proprietary_ef_info).
namespace proprietary_ef_info {
inline constexpr tag_t fill_pattern = 0xC1;
inline constexpr tag_t repeat_pattern = 0xC2;
} // namespace proprietary_ef_info

/// EF.DIR record content: application template (ETSI TS 102 221 §13.1).
namespace ef_dir {
inline constexpr tag_t application_template = 0x61;
inline constexpr tag_t application_identifier = 0x4F;
inline constexpr tag_t application_label = 0x50;
} // namespace ef_dir

/// EF.ACL content (3GPP TS 31.102 §4.2.48): APN TLVs after the count byte.
namespace ef_acl {
inline constexpr tag_t apn = 0xDD;
} // namespace ef_acl

} // namespace saip

// (SAIP section ends)

} // namespace openrsp::rsp::tag
