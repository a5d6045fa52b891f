#pragma once
/// \file
/// \brief The virtual eUICC: an ISD-R that speaks ES10a/b/c in STORE DATA APDUs, with its own certificate
/// chain, a crash-safe profile store in one file, notifications and Milenage for the enabled profile.

#include "openrsp/core/bytes.h"
#include "openrsp/core/result.h"
#include "openrsp/rsp/card_transport.h"

#include <memory>
#include <string>
#include <vector>

namespace openrsp::euicc {

/// \brief OperatorId (SGP.22 §2.9.2.2, rsp.asn): a Profile Owner, or a pattern of them in the RAT.
struct operator_id {
    bytes mcc_mnc{0xEE, 0xEE, 0xEE}; ///< 3 octets as in EF.IMSI; in the RAT a nibble 'E' matches any digit
    bytes gid1;                       ///< optional; in the RAT, absent matches any
    bytes gid2;                       ///< optional; in the RAT, absent matches any
};

/// \brief One ProfilePolicyAuthorisationRule of the Rules Authorisation Table (SGP.22 §2.9.2.2, ES10b.GetRAT).
struct rat_rule {
    bool ppr1 = true; ///< pprIds bit 1: Profiles may forbid their disabling
    bool ppr2 = true; ///< pprIds bit 2: Profiles may forbid their deletion
    std::vector<operator_id> allowed_operators{operator_id{}};
    bool consent_required = false; ///< pprFlags bit 0, for the LPA's user prompt
};

/// \brief The RAT a new eUICC gets: PPR1 and PPR2 allowed for any operator, no end-user consent required.
std::vector<rat_rule> default_rat();

/// \brief Capacity and capability settings of the card (SGP.22 §5.7.6 insufficientMemory, unsupportedProfileClass).
struct card_limits {
    std::size_t max_profiles = 8;
    std::size_t memory_bytes = 4 * 1024 * 1024; ///< NVM for profiles; each costs its UPP size plus 512 bytes
    bool test_profiles_supported = true;        ///< rspCapability testProfileSupport; else class test is refused
};

/// \brief A further eUICC certificate (same EID) with its key and EUM, under another CI (e.g. brainpool beside NIST).
struct identity_pems {
    std::string euicc_cert_pem;
    std::string euicc_key_pem;
    std::string eum_cert_pem;
};

/// \brief Material to create a new virtual eUICC file.
struct provisioning {
    std::string euicc_cert_pem;
    std::string euicc_key_pem;
    std::string eum_cert_pem;
    std::vector<std::string> ci_cert_pems; ///< trusted CIs (verification and signing lists)
    std::string default_smdp_address;      ///< optional (ES10a GetEuiccConfiguredAddresses)
    card_limits limits{};
    std::vector<rat_rule> rat = default_rat();
    /// Identities besides the first: EUICCInfo1/2 list every CI, AuthenticateServer signs with the identity whose
    /// EUM chains to euiccCiPKIdToBeUsed.
    std::vector<identity_pems> more_identities{};
};

/// \brief Files of an existing identity, e.g. the SGP.26 test eUICC (certificates PEM or DER, key PEM).
struct identity_files {
    std::string euicc_cert;
    std::string euicc_key;
    std::string eum_cert;
    std::vector<std::string> ci_certs;
};
/// \brief Reads identity_files into provisioning material; plain sentence naming the file that is unusable.
result<provisioning> load_identity(const identity_files& files);
/// \brief Several identities (the first is the primary one); their CI certificates are merged.
result<provisioning> load_identities(const std::vector<identity_files>& files);
/// \brief The identities of a PKI directory made by `openrsp pki init` (one, or two with `--curve both`).
result<provisioning> load_pki_identities(const std::string& pki_dir);

/// \brief A profile as the eUICC keeps it (for listing without APDUs, e.g. tests and the network sim).
struct stored_profile {
    std::string iccid;
    bytes isdp_aid;
    bool enabled = false;
    std::string nickname;
    std::string service_provider_name;
    std::string profile_name;
    unsigned profile_class = 2;
    std::string imsi;
    bytes ki;
    bytes opc;
    std::string apn;
};

class virtual_euicc {
public:
    virtual ~virtual_euicc() = default;

    /// Creates a new eUICC file at path (fails if it exists). The EID is read from the eUICC certificate.
    static result<void> create(const std::string& path, const provisioning& p);
    /// Opens an existing eUICC file; certificates and keys are parsed once here.
    static result<std::unique_ptr<virtual_euicc>> open(const std::string& path);

    /// One C-APDU in, one R-APDU (with SW1 SW2) out. Handles MANAGE CHANNEL, SELECT, STORE DATA
    /// (chained, P1 0x11/0x91), GET RESPONSE (CLA 0x/8x). Never throws; bad APDUs get an ISO status word.
    virtual bytes transmit(byte_view command_apdu) = 0;

    [[nodiscard]] virtual std::string eid() const = 0;
    [[nodiscard]] virtual std::vector<stored_profile> profiles() const = 0;

    /// A card_transport that talks to this eUICC in-process (the LPA's default).
    virtual std::unique_ptr<rsp::card_transport> make_transport() = 0;

    /// Simulates a proactive (CAT) session in progress: until cleared, EnableProfile, DisableProfile and
    /// eUICCMemoryReset answer catBusy (SGP.22 §5.7.16, §5.7.17, §5.7.19). Not persisted.
    virtual void set_cat_busy(bool busy) = 0;
};

} // namespace openrsp::euicc
