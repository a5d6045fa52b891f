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

/// \brief Material to create a new virtual eUICC file.
struct provisioning {
    std::string euicc_cert_pem;
    std::string euicc_key_pem;
    std::string eum_cert_pem;
    std::vector<std::string> ci_cert_pems; ///< trusted CIs (verification and signing lists)
    std::string default_smdp_address;      ///< optional (ES10a GetEuiccConfiguredAddresses)
};

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
};

} // namespace openrsp::euicc
