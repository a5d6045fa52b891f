#pragma once
/// \file
/// \brief Typed download messages (SGP.22 v2.2.2 RSPDefinitions): SmdpSigned2, PrepareDownloadRequest, EUICCSigned2,
/// PrepareDownloadResponse (§5.7.5), BoundProfilePackage with InitialiseSecureChannelRequest (§2.5.5, §5.5.1) and
/// StoreMetadataRequest (§5.5.3).
///
/// Every message: `static result<x> decode(byte_view der)` takes the whole TLV (outer tag included), rejects another
/// outer tag, trailing bytes, a missing mandatory field (1.3.1 / 2.2) and a field SGP.22 sizes otherwise
/// (1.3.1 / 2.1), and skips unknown extension fields; `bytes encode() const` writes DER. Signed parts keep the bytes
/// as received in `raw`: signatures are checked over those, and encode() writes them back unchanged. A part built
/// locally leaves `raw` empty and is encoded from its fields (clear `raw` after changing a decoded part).
///
/// **Example**
/// \code
///   auto pd = rsp::prepare_download_response::decode(der);
///   if (!pd) return pd.take_error();
///   if (const auto* ok = pd->ok()) verify(concat({ok->euicc_signed2.raw, smdp_signature2_tlv}), ok->euicc_signature2);
/// \endcode

#include "openrsp/core/bytes.h"
#include "openrsp/core/result.h"
#include "openrsp/rsp/install_codes.h"

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace openrsp::rsp {

/// SmdpSigned2 `30` (§5.7.5): what smdpSignature2 covers (together with the euiccSignature1 TLV).
struct smdp_signed2 {
    bytes transaction_id;                ///< 1..16 bytes
    bool cc_required = false;            ///< ccRequiredFlag
    std::optional<bytes> bpp_euicc_otpk; ///< bppEuiccOtpk `5F49`: the otPK of a BPP being re-bound
    bytes raw;                           ///< the whole `30` TLV as received; empty when built locally

    static result<smdp_signed2> decode(byte_view der);
    bytes encode() const;
};

/// PrepareDownloadRequest `BF21` (§5.7.5).
struct prepare_download_request {
    rsp::smdp_signed2 smdp_signed2;
    bytes smdp_signature2;        ///< `5F37` contents: raw r||s
    std::optional<bytes> hash_cc; ///< Octet32
    bytes smdp_certificate;       ///< CERT.DPpb, the whole `30` TLV

    static result<prepare_download_request> decode(byte_view der);
    bytes encode() const;
};

/// EUICCSigned2 `30` (§5.7.5): what euiccSignature2 covers (together with the smdpSignature2 TLV).
struct euicc_signed2 {
    bytes transaction_id;         ///< 1..16 bytes
    bytes euicc_otpk;             ///< `5F49` otPK.EUICC.ECKA (uncompressed point)
    std::optional<bytes> hash_cc; ///< Octet32
    bytes raw;                    ///< the whole `30` TLV as received; empty when built locally

    static result<euicc_signed2> decode(byte_view der);
    bytes encode() const;
};

/// PrepareDownloadResponseOk (`A0`).
struct prepare_download_response_ok {
    rsp::euicc_signed2 euicc_signed2;
    bytes euicc_signature2; ///< `5F37` contents
};

/// PrepareDownloadResponseError (`A1`). Our eUICC leaves transactionId out when the request could not be read at all
/// (SGP.22 makes it mandatory): decode accepts that (empty transaction_id) and encode() then omits it.
struct prepare_download_response_error {
    bytes transaction_id;
    unsigned download_error_code = 127; ///< DownloadErrorCode: 1 invalidCertificate .. 5 invalidTransactionId, 127
};

/// PrepareDownloadResponse `BF21` CHOICE (§5.7.5).
struct prepare_download_response {
    std::variant<prepare_download_response_ok, prepare_download_response_error> value;

    [[nodiscard]] const prepare_download_response_ok* ok() const { return std::get_if<0>(&value); }
    [[nodiscard]] const prepare_download_response_error* error() const { return std::get_if<1>(&value); }

    static result<prepare_download_response> decode(byte_view der);
    bytes encode() const;
};

/// ControlRefTemplate (`A6` of InitialiseSecureChannelRequest). The values are not judged here: the eUICC answers
/// wrong ones with unsupportedCrtValues (§5.5.1), not with a decoding error.
struct control_ref_template {
    bytes key_type; ///< keyType Octet1, '88' (AES)
    bytes key_len;  ///< keyLen Octet1, '10'
    bytes host_id;  ///< hostId OctetTo16
};

/// InitialiseSecureChannelRequest `BF23` (§5.5.1). smdpSign covers every component before it (as received, see
/// `signed_part()`) followed by the eUICC's otPK TLV.
struct initialise_secure_channel_request {
    std::uint64_t remote_op_id = 1; ///< RemoteOpId: installBoundProfilePackage(1); other values are the eUICC's call
    bytes transaction_id;
    rsp::control_ref_template control_ref_template;
    bytes smdp_otpk; ///< `5F49`
    bytes smdp_sign; ///< `5F37` contents
    bytes raw;       ///< the whole `BF23` TLV as received; empty when built locally

    /// The contents of BF23 up to (not including) smdpSign: `raw`'s when decoded, else freshly encoded.
    [[nodiscard]] bytes signed_part() const;

    static result<initialise_secure_channel_request> decode(byte_view der);
    bytes encode() const;
};

/// BoundProfilePackage `BF36` (§2.5.5). Every segment keeps its exact TLV: the LPA re-sends them one STORE DATA
/// series each and the eUICC unwraps them (SCP03t, §2.6.4).
struct bound_profile_package {
    rsp::initialise_secure_channel_request initialise_secure_channel_request;
    std::vector<bytes> first_sequence_of_87;                 ///< `87` TLVs (ConfigureISDP)
    std::vector<bytes> sequence_of_88;                       ///< `88` TLVs (StoreMetadata)
    std::optional<std::vector<bytes>> second_sequence_of_87; ///< `87` TLVs (ReplaceSessionKeys)
    std::vector<bytes> sequence_of_86;                       ///< `86` TLVs (the protected UPP)

    static result<bound_profile_package> decode(byte_view der);
    bytes encode() const;
    /// The ES10b LoadBoundProfilePackage series of SGP.22 §2.5.5 (as lpac sends them): BF36 header + BF23; the A0
    /// TLV; the A1 header; each 88; the A2 TLV if present; the A3 header; each 86.
    [[nodiscard]] std::vector<bytes> store_data_series() const;
};

/// NotificationConfigurationInformation (§5.5.3): who wants to hear of which profile operations.
struct notification_configuration_information {
    bytes profile_management_operation; ///< NotificationEvent BIT STRING contents (several bits allowed)
    std::string notification_address;   ///< FQDN

    [[nodiscard]] bool has(notification_event e) const;
};

/// Decodes / encodes the contents of a `B6` notificationConfigurationInfo (SEQUENCE OF the above).
result<std::vector<notification_configuration_information>> decode_notification_configuration_info(byte_view contents);
bytes encode_notification_configuration_info(const std::vector<notification_configuration_information>& list);

/// OperatorId (profileOwner `B7`, also in the RAT).
struct operator_id {
    bytes mcc_mnc; ///< 3 bytes, TS 24.008 coding
    std::optional<bytes> gid1;
    std::optional<bytes> gid2;

    /// From / to the contents of the constructed element (`B7` value).
    static result<operator_id> decode_contents(byte_view contents);
    [[nodiscard]] bytes encode_contents() const;
};

/// StoreMetadataRequest `BF25` (§5.5.3): the JSON profileMetadata of authenticateClient and the plaintext of the
/// BPP's `88` segments. refArDo (`BF76`, an Android extension lpac reads) is skipped like any extension.
struct store_metadata_request {
    bytes iccid;                           ///< BCD as in EF.ICCID, 10 bytes
    std::string service_provider_name;     ///< at most 32 bytes
    std::string profile_name;              ///< at most 64 bytes
    std::optional<unsigned> icon_type;     ///< IconType: jpg(0), png(1)
    std::optional<bytes> icon;             ///< at most 1024 bytes
    std::optional<unsigned> profile_class; ///< ProfileClass test(0) provisioning(1) operational(2); absent = DEFAULT
    std::vector<notification_configuration_information> notification_configuration_info; ///< empty: absent
    std::optional<rsp::operator_id> profile_owner;
    bytes profile_policy_rules; ///< PprIds BIT STRING contents; empty: absent

    /// The ICCID digits (rsp::iccid_from_bcd).
    [[nodiscard]] std::string iccid_digits() const;
    /// profileClass with its DEFAULT applied: operational(2) when absent.
    [[nodiscard]] unsigned profile_class_or_default() const { return profile_class.value_or(2); }

    static result<store_metadata_request> decode(byte_view der);
    bytes encode() const;
};

} // namespace openrsp::rsp
