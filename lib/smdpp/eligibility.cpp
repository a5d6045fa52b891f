// Eligibility of a profile for the eUICC that authenticated (SGP.22 §3.1.3, ES9+ AuthenticateClient: the SM-DP+
// checks that the eUICC can take the profile before binding anything to the session; §5.6.3 code 8.2.5 / 4.3).
#include "service_impl.h"

#include "openrsp/rsp/download.h"
#include "openrsp/rsp/euicc_info.h"

namespace openrsp::smdpp {

namespace {

// RspCapability (EUICCInfo2 `88`, SGP.22 §5.7.8) named bit testProfileSupport.
constexpr unsigned test_profile_support_bit = 3;
// ProfileClass (SGP.22 §5.5.3 StoreMetadataRequest) test(0).
constexpr unsigned profile_class_test = 0;
// PprIds named bits: pprUpdateControl(0), ppr1(1), ppr2(2) (SGP.22 §2.9.1).
constexpr unsigned ppr_bit_count = 3;

const char* const not_eligible = "the profile is not eligible for this eUICC";

} // namespace

result<void> check_eligibility(byte_view euicc_info2_tlv, byte_view profile_metadata)
{
    // The metadata was built by this SM-DP+ at intake; one it cannot read says nothing about eligibility.
    auto md = rsp::store_metadata_request::decode(profile_metadata);
    if (!md) return ok();
    const bool has_ppr = !md->profile_policy_rules.empty();
    const bool test_class = md->profile_class_or_default() == profile_class_test;
    // Most profiles set no policy rule and are operational: nothing to check, EUICCInfo2 is not even decoded.
    if (!has_ppr && !test_class) return ok();

    auto info = rsp::euicc_info2::decode(euicc_info2_tlv);
    if (!info) return fail("8.2.5", "4.3", std::string(not_eligible) + ": its EUICCInfo2 cannot be read");
    // forbiddenProfilePolicyRules: PPRs the eUICC refuses whatever its RAT says (SGP.22 §4.4 EUICCInfo2). The same
    // answer for every rule, so a caller learns no more than that the profile does not fit.
    if (has_ppr && info->forbidden_profile_policy_rules)
        for (unsigned bit = 0; bit < ppr_bit_count; ++bit)
            if (der::bit_is_set(md->profile_policy_rules, bit) &&
                der::bit_is_set(*info->forbidden_profile_policy_rules, bit))
                return fail("8.2.5", "4.3", std::string(not_eligible) + " (a profile policy rule it forbids)");
    // A test profile needs an eUICC declaring testProfileSupport (SGP.22 §2.4.5.1, RspCapability).
    if (test_class && !der::bit_is_set(info->rsp_capability, test_profile_support_bit))
        return fail("8.2.5", "4.3", std::string(not_eligible) + " (a test profile, and the eUICC supports none)");
    return ok();
}

} // namespace openrsp::smdpp
