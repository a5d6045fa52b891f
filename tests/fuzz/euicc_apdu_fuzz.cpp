/// \file
/// \brief libFuzzer target for the virtual eUICC's APDU front end (ISO 7816 framing, STORE DATA chaining,
/// GET RESPONSE, ES10 dispatch and every handler behind it, BPP loader included).
///
/// Input layout: one mode byte, then records `[ctl][len][len bytes]` until the input ends.
///  * mode bit0: the card already holds two profiles and pending notifications (else it is empty);
///    bit1: a test SM-DP+ has run GetEUICCChallenge, AuthenticateServer and PrepareDownload first, so the
///    records meet a live download session; bit2 (with bit1): the BPP's BF23 was accepted too, so the session
///    keys are in place and the records reach the A0/A1/A2/A3 stages.
///  * ctl bit7 clear: the record is one raw C-APDU, sent as is.
///    ctl bit7 set: the record is an ES10 request, sent as STORE DATA on channel (ctl>>4 & 3) in blocks of
///    block_sizes[ctl & 0x0F] bytes (lpac's 120 and the 255 maximum among them), then 61xx is collected;
///    with bit6 set too, len is two bytes (big endian), so whole BPP segments and BF38 requests fit.
/// Each input starts from a fresh copy of a prepared eUICC file, so runs are independent and reproducible.

#include "support/euicc_doubles.h"

#include "openrsp/rsp/tags.h"

#include <cstdint>
#include <cstdlib>
#include <filesystem>

using namespace openrsp;
using namespace openrsp::euicc;
using namespace openrsp::euicc::test;

namespace {

constexpr const char* eid_text = "89049032123451234512345678901235";
/// STORE DATA block sizes an ES10 record can use: lpac's minimum 6, its default 120, the maximum 255, odd ones.
constexpr std::size_t block_sizes[16] = {6, 7, 16, 32, 64, 100, 119, 120, 121, 128, 200, 240, 250, 253, 254, 255};

struct fixture {
    std::unique_ptr<temp_dir> dir;
    std::string empty_card;  ///< a new eUICC file
    std::string loaded_card; ///< two profiles, one enabled, notifications pending
    std::string work;        ///< the copy each input runs on
};

fixture& the_fixture()
{
    static fixture f = [] {
        fixture x;
        x.dir = std::make_unique<temp_dir>();
        x.empty_card = x.dir->file("empty.json");
        x.loaded_card = x.dir->file("loaded.json");
        x.work = x.dir->file("work.json");
        if (!make_card(x.empty_card)) std::abort();
        auto card = make_card(x.loaded_card);
        if (!card) std::abort();
        auto t = card->make_transport();
        const int ch = open_isdr(*t);
        der::writer cfg;
        cfg.begin(0x30).add_named_bits(0x80, {1, 2, 3}).add(0x81, std::string_view{"notify.openrsp.test"}).end();
        bpp_options o;
        o.notification_config = cfg.finish();
        (void)download(*t, ch, eid_text, sample_profile("8949449999999990148"), o);
        (void)download(*t, ch, eid_text, sample_profile("8949449999999990155"));
        const bytes iccid = der::encode(rsp::tag::iccid, *rsp::iccid_to_bcd("8949449999999990148"));
        unsigned sw = 0;
        (void)es10(*t, ch, der::encode(rsp::tag::enable_profile, concat({der::encode(0xA0, iccid), hex("810100")})),
                   sw);
        return x;
    }();
    return f;
}

/// The SM-DP+ half of a session whose BPP will be fuzzed: keeps the bound package for the BF23 series.
void start_session(rsp::card_transport& t, int ch, bool with_bf23)
{
    test_smdp dp(main_pki());
    if (!authenticate_and_prepare(t, ch, dp)) std::abort(); // the harness itself is broken
    if (!with_bf23) return;
    const auto bpp = dp.build_bpp(sample_profile("8949449999999990163"), hex(eid_text));
    unsigned sw = 0;
    (void)es10(t, ch, bpp.series.front(), sw);
}

void send_es10(virtual_euicc& card, std::uint8_t ctl, byte_view request)
{
    if (request.empty()) return;
    const auto channel = static_cast<std::uint8_t>((ctl >> 4) & 0x03);
    const std::size_t block = block_sizes[ctl & 0x0F];
    std::size_t off = 0;
    unsigned p2 = 0;
    bytes last;
    while (off < request.size()) {
        const std::size_t n = std::min(block, request.size() - off);
        const bool final_block = off + n == request.size();
        bytes apdu{static_cast<std::uint8_t>(0x80 | channel), 0xE2,
                   static_cast<std::uint8_t>(final_block ? 0x91 : 0x11), static_cast<std::uint8_t>(p2++),
                   static_cast<std::uint8_t>(n)};
        append(apdu, request.subspan(off, n));
        last = card.transmit(apdu);
        off += n;
        if (last.size() < 2 || (!final_block && (last[last.size() - 2] != 0x90 || last.back() != 0x00))) return;
    }
    // Collect a long response the way lpac does (GET RESPONSE with the proprietary class), bounded.
    for (int i = 0; i < 64 && last.size() >= 2 && last[last.size() - 2] == 0x61; ++i)
        last = card.transmit(bytes{static_cast<std::uint8_t>(0x80 | channel), 0xC0, 0x00, 0x00, last.back()});
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    // Every input copies and may rewrite (with fsync) the eUICC file: on tmpfs that costs nothing.
    if (std::getenv("TMPDIR") == nullptr && std::filesystem::is_directory("/dev/shm"))
        ::setenv("TMPDIR", "/dev/shm", 1);
    (void)the_fixture();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 1) return 0;
    const fixture& f = the_fixture();
    const std::uint8_t mode = data[0];
    std::filesystem::copy_file((mode & 1) != 0 ? f.loaded_card : f.empty_card, f.work,
                               std::filesystem::copy_options::overwrite_existing);
    auto opened = virtual_euicc::open(f.work);
    if (!opened) std::abort();
    virtual_euicc& card = **opened;
    if ((mode & 2) != 0) {
        auto t = card.make_transport();
        const int ch = open_isdr(*t);
        start_session(*t, ch, (mode & 4) != 0);
        t->close_logical_channel(ch);
    }
    // lpac's opening: a logical channel with the ISD-R selected, so ES10 records on channel 1 work at once.
    (void)card.transmit(hex("0070000001"));
    (void)card.transmit(hex("01A4040010A0000005591010FFFFFFFF8900000100"));

    const byte_view in(data + 1, size - 1);
    std::size_t i = 0;
    while (i + 2 <= in.size()) {
        const std::uint8_t ctl = in[i];
        const bool long_length = (ctl & 0xC0) == 0xC0;
        const std::size_t header = long_length ? 3 : 2;
        if (i + header > in.size()) break;
        const std::size_t declared = long_length ? std::size_t{in[i + 1]} << 8 | in[i + 2] : in[i + 1];
        const std::size_t len = std::min(declared, in.size() - i - header);
        const byte_view record = in.subspan(i + header, len);
        i += header + len;
        if ((ctl & 0x80) == 0) {
            const bytes r = card.transmit(record);
            if (r.size() < 2) std::abort(); // every R-APDU carries at least SW1 SW2
        } else {
            send_es10(card, ctl, record);
        }
    }
    return 0;
}
