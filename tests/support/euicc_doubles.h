#pragma once
/// \file
/// \brief Test doubles for the virtual eUICC tests: a test PKI made once per process, a minimal SM-DP+
/// that signs serverSigned1/smdpSigned2 and binds a BPP (SGP.22 §3.1.3, §2.5.5), and an LPA-side helper
/// that frames ES10 requests as STORE DATA and collects 61xx responses.

#include "openrsp/crypto/ec.h"
#include "openrsp/crypto/scp03t.h"
#include "openrsp/crypto/x509.h"
#include "openrsp/der/der.h"
#include "openrsp/euicc/virtual_euicc.h"
#include "openrsp/pki/pki.h"
#include "openrsp/rsp/saip.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace openrsp::euicc::test {

/// \brief A PKI directory made with pki::init, created once and removed at exit.
struct test_pki {
    std::string dir;
    crypto::certificate ci;
    pki::credential dpauth;
    pki::credential dppb;
    std::string euicc_cert_pem, euicc_key_pem, eum_cert_pem, ci_pem;
};
/// The main test PKI (CI "A"); second() is an unrelated CI "B" for the unknown-CI cases.
const test_pki& main_pki();
const test_pki& other_pki();
/// Reads a PKI directory written by pki::init (e.g. main_pki().dir, from a child process).
test_pki load_test_pki(const std::string& dir);

/// \brief A fresh directory under the system temp dir, removed by the destructor.
class temp_dir {
public:
    temp_dir();
    ~temp_dir();
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    [[nodiscard]] const std::string& path() const { return m_path; }
    [[nodiscard]] std::string file(const std::string& name) const { return m_path + "/" + name; }

private:
    std::string m_path;
};

/// \brief Creates and opens a virtual eUICC file for the main PKI.
std::unique_ptr<virtual_euicc> make_card(const std::string& path);
/// Same, with the provisioning (limits, RAT, ...) adjusted before the file is created.
std::unique_ptr<virtual_euicc> make_card(const std::string& path, const std::function<void(provisioning&)>& adjust);

/// \brief Sends one ES10 request as STORE DATA blocks of `mss` bytes and follows 61xx with GET RESPONSE.
/// Returns the response data; `sw` receives the final status word.
bytes es10(rsp::card_transport& t, int channel, byte_view request, unsigned& sw, std::size_t mss = 120,
           bool get_response_proprietary = true);
/// Same, expecting 9000.
bytes es10(rsp::card_transport& t, int channel, byte_view request);

/// \brief Options for the BPP the test SM-DP+ binds.
struct bpp_options {
    bool tamper_86 = false;            ///< flip one ciphertext byte in the first 86 segment
    bool use_ppk = false;              ///< send A2 ReplaceSessionKeys and protect the UPP with PPKs
    std::optional<std::string> metadata_iccid; ///< ICCID in BF25 if it should differ from the UPP's
    bytes notification_config;         ///< contents of B6, empty for none
    std::optional<unsigned> profile_class; ///< `95` in BF25 if set
    bytes ppr;                         ///< contents of `99` profilePolicyRules, empty for none
    bytes profile_owner;               ///< contents of `B7`, empty for none
    std::optional<bytes> upp;          ///< replaces the UPP built from the description
    std::uint8_t remote_op_id = 0x01;  ///< BF23 `82`
    std::optional<bytes> bf23_transaction_id; ///< BF23 `80` if it should differ from the session's
    std::uint8_t crt_key_type = 0x88;  ///< BF23 CRT `80` keyType
    bool tamper_bf23_signature = false;
};

/// \brief The BPP both as one BF36 and as lpac's STORE DATA series (facts §4.3).
struct bound_package {
    bytes whole;
    std::vector<bytes> series;
};

/// \brief The SM-DP+ side of one download session.
class test_smdp {
public:
    explicit test_smdp(const test_pki& pki, std::string address = "smdp.openrsp.test");

    /// ES9+ initiateAuthentication + the LPA's BF38 request. `tamper` may change serverSigned1 after signing.
    bytes authenticate_server_request(byte_view euicc_challenge, const std::function<void(bytes&)>& tamper = {});
    /// Checks euiccSignature1 with the eUICC certificate carried in the response; keeps it for smdpSignature2.
    bool accept_authenticate_server(byte_view bf38_response);
    /// ES9+ authenticateClient output turned into the BF21 request.
    bytes prepare_download_request(bool cc_required = false, std::optional<bytes> hash_cc = std::nullopt);
    /// Checks euiccSignature2 and keeps otPK.eUICC.
    bool accept_prepare_download(byte_view bf21_response);
    /// Binds a profile (ES8+): BF23, A0 ConfigureISDP, A1 StoreMetadata, [A2 ReplaceSessionKeys], A3 UPP.
    bound_package build_bpp(const rsp::profile_description& d, byte_view eid, const bpp_options& opts = {});

    const test_pki& pki;
    std::string address;
    std::optional<bytes> ci_pkid; ///< euiccCiPKIdToBeUsed if it should not be the DPauth AKI
    bytes transaction_id;
    bytes server_challenge;
    bytes euicc_signature1;
    bytes smdp_signature2_tlv;
    bytes euicc_otpk;
    std::optional<crypto::certificate> euicc_cert;
};

/// \brief A complete description of a test profile with the given ICCID.
rsp::profile_description sample_profile(const std::string& iccid = "8949449999999990148");

/// \brief Runs challenge, AuthenticateServer and PrepareDownload through the transport; true if all succeeded.
bool authenticate_and_prepare(rsp::card_transport& t, int channel, test_smdp& dp);
/// Sends every series of the BPP; returns the last response (BF37 or empty).
bytes load_series(rsp::card_transport& t, int channel, const std::vector<bytes>& series);

/// The `A2` finalResult of a BF37: {true, isdpAid} for success or {false, errorReason}.
struct pir_outcome {
    bool success = false;
    bytes isdp_aid;
    unsigned bpp_command_id = 0;
    unsigned error_reason = 0;
    bytes bf27;      ///< the signed data
    bytes signature; ///< raw r||s
};
std::optional<pir_outcome> decode_pir(byte_view bf37);

/// GetEUICCChallenge (BF2E) on the channel: the eUICC's challenge.
bytes challenge(rsp::card_transport& t, int channel);
/// The error code of `OUTER{A1{80 tid, 02 code}}`, -1 when the response is not an error.
int error_code(const bytes& r);

/// Opens a logical channel to the ISD-R through the transport.
int open_isdr(rsp::card_transport& t);
/// A whole download (challenge .. LoadBoundProfilePackage) with the main PKI; returns the BF37.
bytes download(rsp::card_transport& t, int channel, const std::string& eid, const rsp::profile_description& d,
               const bpp_options& o = {}, bool whole_bf36 = false);

} // namespace openrsp::euicc::test
