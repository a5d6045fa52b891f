/// \file
/// \brief Child process of the crash-safety test (crash_test.cpp): opens an eUICC file and performs exactly one
/// operation through APDUs, so the parent can SIGKILL it anywhere in that operation (directly, or through the
/// OPENRSP_EUICC_CRASH_POINT hook of the store's write path).
///
/// Usage: openrsp_euicc_crash_helper PKI_DIR STORE OPERATION [ARG...]
///   install ICCID | install-bad ICCID | enable ICCID | disable ICCID | delete ICCID |
///   nickname ICCID TEXT | remove-notification SEQ | memory-reset
/// Exit status: 0 the card reported success, 3 it reported an error, 2 bad usage or the file did not open.

#include "support/euicc_doubles.h"

#include "openrsp/rsp/tags.h"

#include <cstdio>
#include <string>

using namespace openrsp;
using namespace openrsp::euicc;
using namespace openrsp::euicc::test;

namespace {

/// `OUTER{80 code}` -> code, or 999.
unsigned simple_code(const bytes& response)
{
    auto top = der::parse_one(response);
    if (!top) return 999;
    auto code = der::reader(top->value).find(0x80);
    if (!code) return 999;
    auto v = der::decode_uint(code->value);
    return v ? static_cast<unsigned>(*v) : 999;
}

bytes iccid_tlv(const std::string& iccid)
{
    return der::encode(rsp::tag::iccid, *rsp::iccid_to_bcd(iccid));
}

int run(const std::string& pki_dir, virtual_euicc& card, const std::string& op, const std::string& arg,
        const std::string& arg2)
{
    auto t = card.make_transport();
    const int ch = open_isdr(*t);
    if (ch < 0) return 2;
    if (op == "install" || op == "install-bad") {
        const test_pki pki = load_test_pki(pki_dir);
        test_smdp dp(pki);
        if (!authenticate_and_prepare(*t, ch, dp)) return 3;
        bpp_options o;
        o.tamper_86 = op == "install-bad";
        const auto bpp = dp.build_bpp(sample_profile(arg), hex(card.eid()), o);
        const auto pir = decode_pir(load_series(*t, ch, bpp.series));
        return pir && pir->success ? 0 : 3;
    }
    bytes request;
    if (op == "enable")
        request = der::encode(rsp::tag::enable_profile, concat({der::encode(0xA0, iccid_tlv(arg)), hex("810100")}));
    else if (op == "disable")
        request = der::encode(rsp::tag::disable_profile, concat({der::encode(0xA0, iccid_tlv(arg)), hex("810100")}));
    else if (op == "delete")
        request = der::encode(rsp::tag::delete_profile, iccid_tlv(arg));
    else if (op == "nickname")
        request = der::encode(rsp::tag::set_nickname, concat({iccid_tlv(arg), der::encode(0x90, as_bytes(arg2))}));
    else if (op == "remove-notification")
        request = der::encode(rsp::tag::notification_sent, der::encode(0x80, der::encode_uint(std::stoull(arg))));
    else if (op == "memory-reset")
        request = der::encode(rsp::tag::euicc_memory_reset, hex("820205E0"));
    else
        return 2;
    return simple_code(es10(*t, ch, request)) == 0 ? 0 : 3;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s PKI_DIR STORE OPERATION [ARG...]\n", argv[0]);
        return 2;
    }
    auto card = virtual_euicc::open(argv[2]);
    if (!card) {
        std::fprintf(stderr, "%s\n", card.error().message.c_str());
        return 2;
    }
    return run(argv[1], **card, argv[3], argc > 4 ? argv[4] : "", argc > 5 ? argv[5] : "");
}
