#pragma once
/// \file
/// \brief ES10a/b/c as the LPA calls them: DER requests in STORE DATA APDUs to the ISD-R (SGP.22 §5.7).

#include "openrsp/core/bytes.h"
#include "openrsp/core/result.h"
#include "openrsp/rsp/card_transport.h"

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

/// \brief Result codes of ES10c profile operations, turned into sentences by describe().
struct es10c_code {
    int value = 0;
    [[nodiscard]] bool ok() const { return value == 0; }
};

class es10_client {
public:
    /// block_size: STORE DATA payload per APDU (lpac uses 120 by default; up to 255).
    explicit es10_client(rsp::card_transport& transport, std::size_t block_size = 255);
    ~es10_client();
    es10_client(const es10_client&) = delete;
    es10_client& operator=(const es10_client&) = delete;

    /// Connects and opens a logical channel to the ISD-R.
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
                                      std::string_view matching_id);
    /// PrepareDownload: BF21; hash_cc present when a confirmation code was asked for.
    result<bytes> prepare_download(byte_view smdp_signed2, byte_view smdp_signature2_tlv, byte_view smdp_certificate,
                                   const std::optional<bytes>& hash_cc);
    /// LoadBoundProfilePackage in the STORE DATA series of SGP.22 §2.5.5; returns the final BF37.
    result<bytes> load_bound_profile_package(byte_view bpp);
    /// CancelSession: returns the BF41 response to forward to the SM-DP+.
    result<bytes> cancel_session(byte_view transaction_id, int reason);

    result<std::vector<profile_info>> get_profiles_info();
    result<es10c_code> enable_profile(std::string_view iccid, bool refresh = true);
    result<es10c_code> disable_profile(std::string_view iccid, bool refresh = true);
    result<es10c_code> delete_profile(std::string_view iccid);
    result<es10c_code> set_nickname(std::string_view iccid, std::string_view nickname);

    result<std::vector<notification_info>> list_notifications();
    /// The signed PendingNotification (BF37 or 30 TLV) with that sequence number.
    result<bytes> retrieve_notification(std::uint64_t seq_number);
    result<es10c_code> remove_notification(std::uint64_t seq_number);

    /// APDU bytes moved so far (commands + responses).
    [[nodiscard]] std::size_t bytes_moved() const { return m_bytes; }
    [[nodiscard]] std::size_t apdu_count() const { return m_apdus; }

private:
    result<bytes> transmit(byte_view apdu);
    rsp::card_transport& m_transport;
    std::size_t m_block_size;
    int m_channel = -1;
    std::size_t m_bytes = 0;
    std::size_t m_apdus = 0;
};

/// Sentences for ES10c result codes (SGP.22 §5.7.16-18).
std::string describe_enable_result(int code);
std::string describe_disable_result(int code);
std::string describe_delete_result(int code);

/// CancelSessionReason values (SGP.22 §5.7.14).
namespace cancel_reason {
inline constexpr int end_user_rejection = 0;
inline constexpr int postponed = 1;
inline constexpr int timeout = 2;
inline constexpr int ppr_not_allowed = 3;
inline constexpr int metadata_mismatch = 4;
inline constexpr int load_bpp_execution_error = 5;
inline constexpr int undefined_reason = 127;
} // namespace cancel_reason

} // namespace openrsp::lpa
