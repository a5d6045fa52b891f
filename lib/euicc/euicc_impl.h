#pragma once
/// \file
/// \brief Private state of the virtual eUICC, shared by the APDU front end, the ES10b/ES10c handlers,
/// the BPP loader and the store. Nothing here is visible outside lib/euicc.

#include "openrsp/crypto/ec.h"
#include "openrsp/crypto/scp03t.h"
#include "openrsp/crypto/x509.h"
#include "openrsp/der/der.h"
#include "openrsp/euicc/virtual_euicc.h"
#include "openrsp/rsp/es10_management.h"
#include "openrsp/rsp/notification_metadata.h"
#include "openrsp/rsp/tags.h"

#include "iso7816.h"

#include <nlohmann/json_fwd.hpp>

#include <array>
#include <initializer_list>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace openrsp::euicc::detail {

/// \brief One installed profile with everything StoreMetadata and the UPP gave us.
struct installed_profile {
    stored_profile info;
    bytes iccid_bcd;           ///< the `5A` value exactly as StoreMetadata carried it (10 bytes)
    std::optional<unsigned> icon_type;
    bytes icon;
    bytes notification_config; ///< contents of `B6` (SEQUENCE OF NotificationConfigurationInformation)
    bytes profile_owner;       ///< contents of `B7`
    bytes ppr;                 ///< contents of `99` (profilePolicyRules BIT STRING)
    bytes upp;                 ///< the unprotected profile package as installed
    /// The identity (EUM/eUICC chain) that downloaded it: its later notifications go to an SM-DP+ that trusts that
    /// chain's CI, so they are signed with it too.
    std::size_t identity = 0;
};

/// \brief A pending notification (SGP.22 §5.6): the signed DER plus what ListNotification reports.
struct notification_record {
    std::uint64_t seq = 0;
    rsp::notification_event event = rsp::notification_event::install;
    std::string address;
    bytes iccid_bcd;
    bytes der; ///< the whole PendingNotification: `BF37 …` or `30 …`
};

/// \brief Everything that lives in the eUICC file. Copied, modified and committed as a whole so a failed
/// write never leaves memory ahead of the disk.
struct card_state {
    std::string eid;
    std::string euicc_cert_pem;
    std::string euicc_key_pem;
    std::string eum_cert_pem;
    std::vector<std::string> ci_cert_pems;
    std::vector<identity_pems> more_identities; ///< further EUM/eUICC chains (other CIs), same EID
    std::string default_dp_address;
    std::string root_ds_address = "lpa.ds.gsma.com";
    std::uint64_t next_seq = 1;
    std::vector<installed_profile> profiles;
    std::vector<notification_record> notifications;
    card_limits limits;
    std::vector<rat_rule> rat = default_rat();
};

// policy.cpp: capacity, profile class and Profile Policy Rules (SGP.22 §2.9).
/// NVM the installed profiles take (UPP plus a fixed overhead each), as extCardResource reports it.
std::size_t used_memory(const card_state& s);
/// Free NVM for a new profile.
std::size_t free_memory(const card_state& s);
/// True if the RAT lets a Profile whose profileOwner is `owner_tlv_value` (B7 contents) carry the PPRs set in
/// `ppr` (profilePolicyRules BIT STRING contents). Profiles without PPR1/PPR2 are always allowed.
bool ppr_allowed(const std::vector<rat_rule>& rat, byte_view ppr, byte_view owner_tlv_value);
/// EUICCInfo2 forbiddenProfilePolicyRules (SGP.22 §4.4): the PPRs no rule of the RAT allows for any Profile Owner,
/// as PprIds BIT STRING contents; nullopt when the RAT allows each PPR for someone (the field is then left out).
std::optional<bytes> forbidden_pprs(const std::vector<rat_rule>& rat);
/// GetRAT `BF43` response (SGP.22 ES10b.GetRAT, §5.7.22; rsp.asn GetRatResponse).
bytes encode_rat_response(const std::vector<rat_rule>& rat);
/// Card settings and RAT to and from the file's JSON (missing keys: defaults, for files of older versions).
void policy_to_json(const card_state& s, nlohmann::json& j);
void policy_from_json(const nlohmann::json& j, card_state& s);

/// \brief Serialises the state to the JSON file format.
std::string serialise(const card_state& s);
/// \brief Parses the JSON file format; plain sentence on anything malformed.
result<card_state> deserialise(std::string_view text, const std::string& path);
/// \brief Crash-safe replace: PATH.tmp, fsync, rename over PATH, fsync of the directory.
result<void> write_file_atomically(const std::string& path, std::string_view content, bool must_not_exist);

/// \brief One EUM/eUICC chain with its key: the eUICC signs with the one under euiccCiPKIdToBeUsed.
struct identity {
    crypto::certificate euicc_cert;
    crypto::ec_key euicc_key;
    crypto::certificate eum_cert;
};

/// \brief Certificates and keys parsed once at open(). euicc_cert/euicc_key/eum_cert are identity 0 (the one
/// notifications outside a download are signed with); `more` holds identities 1.. under other CIs.
struct card_credentials {
    crypto::certificate euicc_cert;
    crypto::ec_key euicc_key;
    crypto::certificate eum_cert;
    std::vector<crypto::certificate> cis;
    bytes eid_bytes; ///< 16 bytes, digits packed in plain order (GetEID `5A`, KDF SharedInfo)
    std::vector<identity> more;

    [[nodiscard]] std::size_t identity_count() const { return 1 + more.size(); }
    [[nodiscard]] const crypto::certificate& euicc_cert_at(std::size_t i) const
    {
        return i == 0 ? euicc_cert : more[i - 1].euicc_cert;
    }
    [[nodiscard]] const crypto::ec_key& key_at(std::size_t i) const
    {
        return i == 0 ? euicc_key : more[i - 1].euicc_key;
    }
    [[nodiscard]] const crypto::certificate& eum_cert_at(std::size_t i) const
    {
        return i == 0 ? eum_cert : more[i - 1].eum_cert;
    }
};
result<card_credentials> load_credentials(const card_state& s);

/// \brief ES8+ BPP decoding progress (SGP.22 §5.5 and the lpac STORE DATA split of facts §4.3).
enum class bpp_stage { none, expect_first87, expect_seq88, in_seq88, expect_second87_or_86, in_seq86 };

/// \brief What one download session keeps between ES10b calls (facts §2.1 "State the eUICC must keep").
struct download_session {
    bytes transaction_id;
    std::string server_address;
    bytes server_challenge;
    bytes euicc_signature1;                  ///< raw r||s
    std::size_t ci_index = 0;                ///< CI that verified CERT.DPauth (CERT.DPpb must chain to it too)
    std::size_t identity = 0;                ///< identity chosen by euiccCiPKIdToBeUsed (signs the session)
    std::string dpauth_oid;                  ///< DPauth SAN RID (CancelSession smdpOid)
    bool prepared = false;                   ///< PrepareDownload done
    std::optional<crypto::certificate> dppb; ///< CERT.DPpb
    std::string dppb_oid;                    ///< DPpb SAN RID (PIR smdpOid)
    std::optional<crypto::ec_key> otk;       ///< otSK/otPK.eUICC.ECKA
    bytes euicc_otpk;                        ///< 04||X||Y sent in euiccSigned2

    // LoadBoundProfilePackage progress
    bpp_stage stage = bpp_stage::none;
    std::optional<crypto::scp03t_channel> channel;
    std::size_t seq_remaining = 0; ///< bytes still expected inside the current A1/A3 (split form)
    bytes metadata_plain;          ///< concatenated 88 plaintexts
    std::optional<installed_profile> pending;
    bytes upp;
};

/// \brief Per-logical-channel APDU state.
struct channel_state {
    bool open = false;
    bool isdr_selected = false;
    bytes store_data;           ///< STORE DATA blocks received so far
    unsigned next_block = 0;    ///< expected P2
    bytes pending_response;     ///< data waiting for GET RESPONSE
    std::size_t pending_offset = 0;
};

inline constexpr std::size_t max_channels = 20;
inline constexpr std::size_t max_request_size = 2 * 1024 * 1024;
/// NVM one installed profile costs on top of its UPP (ISD-P, metadata); see used_memory().
inline constexpr std::size_t per_profile_overhead = 512;

/// \brief Outcome of an ES10 command: either response data (SW 9000) or a bare status word.
struct es10_reply {
    bytes data;
    std::uint16_t status = sw::ok;

    static es10_reply of(bytes d) { return es10_reply{std::move(d), sw::ok}; }
    static es10_reply error(std::uint16_t s) { return es10_reply{{}, s}; }
};

/// \brief The ISD-R. Member functions are spread over the files named in each group.
class euicc_impl final : public virtual_euicc {
public:
    euicc_impl(std::string path, card_state state, card_credentials creds);

    bytes transmit(byte_view command_apdu) override;
    [[nodiscard]] std::string eid() const override;
    [[nodiscard]] std::vector<stored_profile> profiles() const override;
    std::unique_ptr<rsp::card_transport> make_transport() override;
    void set_cat_busy(bool busy) override;

    // apdu.cpp
    es10_reply dispatch(byte_view request);

    // es10b_auth.cpp: SGP.22 §5.7.1-§5.7.3, §5.7.14
    bytes get_euicc_info1() const;
    bytes euicc_info2_tlv() const;
    bytes get_euicc_challenge();
    bytes authenticate_server(const der::tlv& request);
    bytes prepare_download(const der::tlv& request);
    bytes cancel_session(const der::tlv& request);
    bytes get_rat() const;

    // es10b_bpp.cpp: SGP.22 §5.7.4 LoadBoundProfilePackage
    es10_reply load_bpp_piece(byte_view piece);

    // es10c.cpp: SGP.22 §5.7.15-§5.7.20, §5.7.17
    bytes get_profiles_info(const der::tlv& request) const;
    bytes enable_profile(const der::tlv& request);
    bytes disable_profile(const der::tlv& request);
    bytes delete_profile(const der::tlv& request);
    bytes set_nickname(const der::tlv& request);
    bytes get_eid(const der::tlv& request) const;
    bytes get_configured_addresses() const;
    bytes set_default_dp_address(const der::tlv& request);
    bytes memory_reset(const der::tlv& request);

    // es10b_notifications.cpp: SGP.22 §5.7.9-§5.7.11
    bytes list_notification(const der::tlv& request) const;
    bytes retrieve_notifications(const der::tlv& request) const;
    bytes remove_notification(const der::tlv& request);
    /// Builds OtherSignedNotifications for a profile event, if the profile's B6 asks for it; consumes seqs in s.
    result<void> add_other_notifications(card_state& s, const installed_profile& p, rsp::notification_event ev) const;
    /// NotificationMetadata `BF2F` as the eUICC writes it.
    static rsp::notification_metadata notification_metadata(std::uint64_t seq, rsp::notification_event ev,
                                                            std::string_view address, byte_view iccid_bcd);

    // card_file.cpp
    /// Writes next to disk and, only on success, makes it the live state (SGP.22 requires the eUICC to
    /// never acknowledge what it has not kept).
    result<void> commit(card_state next);

    /// Signature (raw r||s, the `5F37` value) over message with SK.EUICC of the given identity.
    result<bytes> sign(byte_view message, std::size_t identity = 0) const;

    [[nodiscard]] const card_state& state() const { return m_state; }
    [[nodiscard]] const card_credentials& creds() const { return m_creds; }

private:
    bytes process_apdu(byte_view apdu);
    bytes finish_command(channel_state& ch, es10_reply reply);

    std::string m_path;
    card_state m_state;
    card_credentials m_creds;
    std::array<channel_state, max_channels> m_channels{};
    bytes m_challenge; ///< last euiccChallenge, one use only
    std::optional<download_session> m_session;
    bool m_cat_busy = false; ///< simulated proactive session (set_cat_busy)
    mutable std::mutex m_mutex; ///< transmit() is the only entry point that mutates; one APDU at a time

    friend class bpp_loader;
};

/// Helpers shared by the handlers.
inline std::uint16_t be16(std::uint8_t a, std::uint8_t b) { return static_cast<std::uint16_t>(a << 8 | b); }
/// Finds a profile by ICCID (1..10 bytes; a 9-byte ICCID from older lpac is padded with FF) or ISD-P AID.
installed_profile* find_profile(std::vector<installed_profile>& list, const rsp::profile_identifier& id);
const installed_profile* find_profile(const std::vector<installed_profile>& list, const rsp::profile_identifier& id);
/// BIT STRING contents (unused-bits byte first, DER-minimal) with the given named bits set (bit 0 = MSB).
bytes named_bits(std::initializer_list<unsigned> bits);

} // namespace openrsp::euicc::detail
