#pragma once
/// \file
/// \brief Named DER tags below the SGP.22 layer: ASN.1 universal tags (X.680 §8.4), the context tags of the
/// X.509 / RFC 5280 structures lib/crypto and lib/pki read, and the SCP03t segment tags lib/crypto wraps.
///
/// Tags are written as on the wire (see der::tag_t). SGP.22 message tags live in include/openrsp/rsp/tags.h,
/// whose universal names are aliases of the ones here.

#include "openrsp/der/der.h"

namespace openrsp::der::tag {

// ---- Universal class (X.680 Table 1); SEQUENCE and SET are always constructed in DER. ---------------------------
inline constexpr tag_t boolean = 0x01;
inline constexpr tag_t integer = 0x02;
inline constexpr tag_t bit_string = 0x03;
inline constexpr tag_t octet_string = 0x04;
inline constexpr tag_t null = 0x05;
inline constexpr tag_t oid = 0x06;
inline constexpr tag_t enumerated = 0x0A;
inline constexpr tag_t utf8_string = 0x0C;
inline constexpr tag_t numeric_string = 0x12;
inline constexpr tag_t printable_string = 0x13;
inline constexpr tag_t t61_string = 0x14;
inline constexpr tag_t ia5_string = 0x16;
inline constexpr tag_t utc_time = 0x17;
inline constexpr tag_t generalized_time = 0x18;
inline constexpr tag_t visible_string = 0x1A;
inline constexpr tag_t bmp_string = 0x1E;
inline constexpr tag_t sequence = 0x30;
inline constexpr tag_t set = 0x31;

// ---- X.509 (RFC 5280 §4.1, §4.2, §5.1): context tags per ASN.1 type. ---------------------------------------------

/// TBSCertificate: version [0] EXPLICIT, issuerUniqueID [1] / subjectUniqueID [2] IMPLICIT, extensions [3]
/// EXPLICIT.
namespace tbs_certificate {
inline constexpr tag_t version = 0xA0;
inline constexpr tag_t issuer_unique_id = 0x81;
inline constexpr tag_t subject_unique_id = 0x82;
inline constexpr tag_t extensions = 0xA3;
} // namespace tbs_certificate

/// GeneralName CHOICE (RFC 5280 §4.2.1.6), implicit tags; directoryName is EXPLICIT because Name is a CHOICE.
namespace general_name {
inline constexpr tag_t other_name = 0xA0;
inline constexpr tag_t rfc822_name = 0x81;
inline constexpr tag_t dns_name = 0x82;
inline constexpr tag_t directory_name = 0xA4;
inline constexpr tag_t uniform_resource_identifier = 0x86;
inline constexpr tag_t ip_address = 0x87;
inline constexpr tag_t registered_id = 0x88;
} // namespace general_name

/// AuthorityKeyIdentifier (RFC 5280 §4.2.1.1).
namespace authority_key_identifier {
inline constexpr tag_t key_identifier = 0x80;
inline constexpr tag_t authority_cert_issuer = 0xA1;
inline constexpr tag_t authority_cert_serial_number = 0x82;
} // namespace authority_key_identifier

/// NameConstraints (RFC 5280 §4.2.1.10).
namespace name_constraints {
inline constexpr tag_t permitted_subtrees = 0xA0;
inline constexpr tag_t excluded_subtrees = 0xA1;
} // namespace name_constraints

/// TBSCertList (RFC 5280 §5.1): crlExtensions [0] EXPLICIT.
namespace tbs_cert_list {
inline constexpr tag_t crl_extensions = 0xA0;
} // namespace tbs_cert_list

/// DistributionPointName (RFC 5280 §4.2.1.13), also inside IssuingDistributionPoint (§5.2.5).
namespace distribution_point_name {
inline constexpr tag_t full_name = 0xA0;
inline constexpr tag_t name_relative_to_crl_issuer = 0xA1;
} // namespace distribution_point_name

// ---- SCP03t segments of a BoundProfilePackage (SGP.22 §2.5.5; protection per §2.6.4). lib/crypto sits below
// lib/rsp, so the segment tags it wraps and checks are named here; rsp::tag::bound_profile_package_fields names
// the same values for the message layer. ------------------------------------------------------------------------
namespace scp03t {
/// Profile package data, encrypted and MACed (sequenceOf86).
inline constexpr tag_t segment_86 = 0x86;
/// ConfigureISDP / ReplaceSessionKeys, encrypted and MACed (firstSequenceOf87, secondSequenceOf87).
inline constexpr tag_t segment_87 = 0x87;
/// StoreMetadata, MACed only (sequenceOf88).
inline constexpr tag_t segment_88 = 0x88;
} // namespace scp03t

} // namespace openrsp::der::tag
