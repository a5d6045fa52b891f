#pragma once
/// \file
/// \brief ES10a/b/c as the LPA calls them: DER requests in STORE DATA APDUs to the ISD-R (SGP.22 §5.7).

#include "openrsp/core/bytes.h"
#include "openrsp/core/result.h"
#include "openrsp/rsp/card_transport.h"
#include "openrsp/rsp/codes.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace openrsp::lpa {

/// ProfileInfo (E3) as listed by GetProfilesInfo.
struct profile_info {
    std::string iccid;
    bytes isdp_aid;
    bool enabled = false;
    std::string nickname;
    std::string service_provider_name;
    std::string profile_name;
    int profile_class = 2; ///< 0 test, 1 provisioning, 2 operational
};

/// NotificationMetadata (BF2F).
struct notification_info {
    std::uint64_t seq_number = 0;
    std::string operation; ///< install, enable, disable, delete
    std::string address;
    std::string iccid;
};

/// \brief The result code of an ES10 management function, one of the rsp/codes.h code sets (e.g.
/// rsp::enable_profile_result); rsp::describe(code.value) is the sentence for people.
template <rsp::code_enum E> struct es10c_code {
    E value{};
    [[nodiscard]] bool ok() const { return rsp::to_int(value) == 0; }
};

/// \brief EUICCInfo2 (BF22, SGP.22 §5.7.8) decoded for people: versions as "a.b.c", bit strings as the ASN.1 names
/// of the bits that are set, CI key ids as hex. Absent optional fields stay empty / nullopt.
struct euicc_info2 {
    std::string profile_version;                             ///< 81: SAIP version supported
    std::string svn;                                         ///< 82: SGP.22 version
    std::string firmware_version;                            ///< 83: euiccFirmwareVer
    std::optional<std::uint64_t> installed_applications;     ///< 84/81 (TS 102 226 extCardResource)
    std::optional<std::uint64_t> free_nvm;                   ///< 84/82: free non-volatile memory, bytes
    std::optional<std::uint64_t> free_ram;                   ///< 84/83: free volatile memory, bytes
    std::vector<std::string> uicc_capability;                ///< 85
    std::string ts102241_version;                            ///< 86
    std::string globalplatform_version;                      ///< 87
    std::vector<std::string> rsp_capability;                 ///< 88
    std::vector<std::string> ci_pkids_for_verification;      ///< A9
    std::vector<std::string> ci_pkids_for_signing;           ///< AA
    std::optional<int> euicc_category;                       ///< 8B: 0 other, 1 basic, 2 medium, 3 contactless
    std::vector<std::string> forbidden_profile_policy_rules; ///< 99
    std::string pp_version;                                  ///< 04
    std::string sas_accreditation_number;                    ///< 0C
};
/// \brief Decodes a BF22 TLV; unknown fields are skipped (later SGP.22 versions add some).
result<euicc_info2> parse_euicc_info2(byte_view bf22);
/// Name of an euiccCategory value ("basicEuicc"...), or the number.
std::string euicc_category_name(int category);

/// \brief ES10a GetEuiccConfiguredAddresses (BF3C, SGP.22 §5.7.3).
struct configured_addresses {
    std::string default_dp_address; ///< empty if none is set
    std::string root_ds_address;
};
result<configured_addresses> parse_configured_addresses(byte_view bf3c);

/// \brief eUICCMemoryReset options (BF34 `82` resetOptions, SGP.22 §5.7.19).
struct memory_reset_options {
    bool operational_profiles = false; ///< bit 0 deleteOperationalProfiles
    bool test_profiles = false;        ///< bit 1 deleteFieldLoadedTestProfiles
    bool default_smdp_address = false; ///< bit 2 resetDefaultSmdpAddress
};

/// \brief A profile named by ICCID (up to 20 digits) or by ISD-P AID (32 hex digits), as the ProfileIdentifier
/// CHOICE of Enable/Disable/DeleteProfile allows. Returns the `5A` or `4F` TLV, or a sentence saying what is wrong.
result<bytes> profile_identifier_tlv(std::string_view iccid_or_aid);

/// \brief DeviceInfo (SGP.22 §4.2) the LPA puts into AuthenticateServer's ctxParams1.
/// With an IMEI, the TAC is its first 8 digits; without one, a generic TAC is sent, as lpac does.
struct device_info {
    std::string imei; ///< 15 digits (IMEI) or 16 (IMEISV); empty: not sent
};
/// \brief Encodes DeviceInfo (A1 {80 tac, A1 deviceCapabilities, [82 imei]}); a sentence if the IMEI is malformed.
result<bytes> encode_device_info(const device_info& d);

class es10_client {
public:
    /// block_size: STORE DATA payload per APDU (lpac uses 120 by default; up to 255).
    /// isd_r_aid: empty for the standard ISD-R (SGP.22 §2.2.3); some removable eUICCs use another AID.
    explicit es10_client(rsp::card_transport& transport, std::size_t block_size = 255, bytes isd_r_aid = {});
    ~es10_client();
    es10_client(const es10_client&) = delete;
    es10_client& operator=(const es10_client&) = delete;

    /// Connects and opens a logical channel to the ISD-R. When the card is reachable but has no ISD-R (a plain SIM,
    /// or no card), the sentence starts with "no eSIM found".
    result<void> open();
    void close();

    /// One ES10 command: the DER request split into STORE DATA blocks, the response reassembled (61xx).
    result<bytes> call(byte_view request);

    result<bytes> get_euicc_info1();
    result<bytes> get_euicc_challenge();
    result<std::string> get_eid();
    /// AuthenticateServer: BF38 built from the SM-DP+'s initiateAuthentication answer.
    result<bytes> authenticate_server(byte_view server_signed1, byte_view server_signature1_tlv,
                                      byte_view euicc_ci_pkid_tlv, byte_view server_certificate,
                                      std::string_view matching_id, const device_info& device = {});
    /// PrepareDownload: BF21; hash_cc present when a confirmation code was asked for.
    result<bytes> prepare_download(byte_view smdp_signed2, byte_view smdp_signature2_tlv, byte_view smdp_certificate,
                                   const std::optional<bytes>& hash_cc);
    /// LoadBoundProfilePackage in the STORE DATA series of SGP.22 §2.5.5; returns the final BF37.
    /// `progress` gets the bytes sent so far and the total after each series.
    result<bytes>
    load_bound_profile_package(byte_view bpp,
                               const std::function<void(std::size_t loaded, std::size_t total)>& progress = {});
    /// CancelSession: returns the BF41 response to forward to the SM-DP+.
    result<bytes> cancel_session(byte_view transaction_id, rsp::cancel_session_reason reason);

    /// GetEUICCInfo2: the raw BF22 (parse_euicc_info2 decodes it).
    result<bytes> get_euicc_info2();
    result<configured_addresses> get_configured_addresses();
    /// SetDefaultDpAddress; an empty address clears it.
    result<es10c_code<rsp::set_default_dp_address_result>> set_default_dp_address(std::string_view address);
    result<es10c_code<rsp::euicc_memory_reset_result>> memory_reset(const memory_reset_options& options);

    result<std::vector<profile_info>> get_profiles_info();
    /// Enable/Disable/Delete take an ICCID or an ISD-P AID (profile_identifier_tlv).
    result<es10c_code<rsp::enable_profile_result>> enable_profile(std::string_view iccid_or_aid, bool refresh = true);
    result<es10c_code<rsp::disable_profile_result>> disable_profile(std::string_view iccid_or_aid, bool refresh = true);
    result<es10c_code<rsp::delete_profile_result>> delete_profile(std::string_view iccid_or_aid);
    result<es10c_code<rsp::set_nickname_result>> set_nickname(std::string_view iccid, std::string_view nickname);

    result<std::vector<notification_info>> list_notifications();
    /// The signed PendingNotification (BF37 or 30 TLV) with that sequence number.
    result<bytes> retrieve_notification(std::uint64_t seq_number);
    result<es10c_code<rsp::notification_sent_result>> remove_notification(std::uint64_t seq_number);

    /// APDU bytes moved so far (commands + responses).
    [[nodiscard]] std::size_t bytes_moved() const { return m_bytes; }
    [[nodiscard]] std::size_t apdu_count() const { return m_apdus; }

private:
    result<bytes> transmit(byte_view apdu);
    rsp::card_transport& m_transport;
    std::size_t m_block_size;
    bytes m_isd_r_aid;
    int m_channel = -1;
    std::size_t m_bytes = 0;
    std::size_t m_apdus = 0;
};

} // namespace openrsp::lpa
