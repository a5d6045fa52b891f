#include "support/euicc_doubles.h"

#include "openrsp/rsp/tags.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace openrsp::euicc::test {

namespace {

std::string read_text(const std::string& path)
{
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string make_temp_dir()
{
    std::string templ = (std::filesystem::temp_directory_path() / "openrsp-euicc-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) std::abort();
    return templ;
}

test_pki make_pki(const std::string& eid)
{
    const std::string dir = make_temp_dir();
    pki::init_options o;
    o.directory = dir;
    o.eid = eid;
    o.overwrite = true;
    auto r = pki::init(o);
    if (!r) {
        ADD_FAILURE() << "pki::init: " << r.error().message;
        std::abort();
    }
    return load_test_pki(dir);
}

} // namespace

test_pki load_test_pki(const std::string& dir)
{
    auto ci = crypto::certificate::load_file(dir + "/" + pki::files::ci_cert);
    auto dpauth = pki::load_credential(dir, pki::files::dpauth_cert, pki::files::dpauth_key);
    auto dppb = pki::load_credential(dir, pki::files::dppb_cert, pki::files::dppb_key);
    if (!ci || !dpauth || !dppb) std::abort();
    return test_pki{dir,
                    std::move(*ci),
                    std::move(*dpauth),
                    std::move(*dppb),
                    read_text(dir + "/" + pki::files::euicc_cert),
                    read_text(dir + "/" + pki::files::euicc_key),
                    read_text(dir + "/" + pki::files::eum_cert),
                    read_text(dir + "/" + pki::files::ci_cert)};
}

namespace {

struct pki_holder {
    test_pki main = make_pki("89049032123451234512345678901235");
    test_pki other = make_pki("89049032123451234512345678901235");
    ~pki_holder()
    {
        std::error_code ec;
        std::filesystem::remove_all(main.dir, ec);
        std::filesystem::remove_all(other.dir, ec);
    }
};

pki_holder& holder()
{
    static pki_holder h; // one PKI per test binary: key generation is the slow part
    return h;
}

bytes sd(std::uint8_t cla, std::uint8_t p1, std::uint8_t p2, byte_view data)
{
    bytes a{cla, 0xE2, p1, p2, static_cast<std::uint8_t>(data.size())};
    append(a, data);
    return a;
}

unsigned sw_of(const bytes& r) { return r.size() < 2 ? 0 : (r[r.size() - 2] << 8 | r[r.size() - 1]); }

} // namespace

const test_pki& main_pki() { return holder().main; }
const test_pki& other_pki() { return holder().other; }

temp_dir::temp_dir() : m_path(make_temp_dir()) {}
temp_dir::~temp_dir()
{
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
}

std::unique_ptr<virtual_euicc> make_card(const std::string& path) { return make_card(path, {}); }

std::unique_ptr<virtual_euicc> make_card(const std::string& path, const std::function<void(provisioning&)>& adjust)
{
    const auto& p = main_pki();
    provisioning prov;
    prov.euicc_cert_pem = p.euicc_cert_pem;
    prov.euicc_key_pem = p.euicc_key_pem;
    prov.eum_cert_pem = p.eum_cert_pem;
    prov.ci_cert_pems = {p.ci_pem};
    prov.default_smdp_address = "smdp.openrsp.test";
    if (adjust) adjust(prov);
    auto c = virtual_euicc::create(path, prov);
    EXPECT_TRUE(c) << (c ? "" : c.error().message);
    auto card = virtual_euicc::open(path);
    EXPECT_TRUE(card) << (card ? "" : card.error().message);
    return card ? std::move(*card) : nullptr;
}

bytes es10(rsp::card_transport& t, int channel, byte_view request, unsigned& sw, std::size_t mss,
           bool get_response_proprietary)
{
    const auto cla = static_cast<std::uint8_t>(0x80 | channel);
    bytes last;
    std::size_t off = 0;
    unsigned block = 0;
    do {
        const std::size_t n = std::min(mss, request.size() - off);
        const bool final_block = off + n == request.size();
        auto r = t.transmit(sd(cla, final_block ? 0x91 : 0x11, static_cast<std::uint8_t>(block++), request.subspan(off, n)));
        if (!r) return {};
        last = std::move(*r);
        off += n;
        if (!final_block && sw_of(last) != 0x9000) break;
    } while (off < request.size());
    bytes data(last.begin(), last.end() - 2);
    sw = sw_of(last);
    while ((sw & 0xFF00) == 0x6100) {
        const auto gr_cla = static_cast<std::uint8_t>(get_response_proprietary ? cla : channel);
        auto r = t.transmit(bytes{gr_cla, 0xC0, 0x00, 0x00, static_cast<std::uint8_t>(sw & 0xFF)});
        if (!r) return {};
        data.insert(data.end(), r->begin(), r->end() - 2);
        sw = sw_of(*r);
    }
    return data;
}

bytes es10(rsp::card_transport& t, int channel, byte_view request)
{
    unsigned sw = 0;
    bytes out = es10(t, channel, request, sw);
    EXPECT_EQ(sw, 0x9000u);
    return out;
}

test_smdp::test_smdp(const test_pki& p, std::string addr) : pki(p), address(std::move(addr)) {}

bytes test_smdp::authenticate_server_request(byte_view euicc_challenge, const std::function<void(bytes&)>& tamper)
{
    transaction_id = crypto::random_bytes(16);
    server_challenge = crypto::random_bytes(16);
    der::writer s1;
    s1.begin(0x30)
        .add(0x80, transaction_id)
        .add(0x81, euicc_challenge)
        .add(0x83, std::string_view{address})
        .add(0x84, server_challenge)
        .end();
    bytes signed1 = s1.finish();
    auto sig = crypto::ecdsa_sign(pki.dpauth.key, signed1);
    EXPECT_TRUE(sig);
    if (tamper) tamper(signed1);
    der::writer w;
    w.begin(rsp::tag::authenticate_server)
        .raw(signed1)
        .add(0x5F37, *sig)
        .add(0x04, ci_pkid.value_or(pki.dpauth.cert.authority_key_id()))
        .raw(pki.dpauth.cert.der())
        .begin(0xA0)
        .add(0x80, std::string_view{"TEST-MATCHING-ID"})
        .begin(0xA1)
        .add(0x80, bytes{0x35, 0x29, 0x06, 0x11})
        .begin(0xA1)
        .end()
        .end()
        .end()
        .end();
    return w.finish();
}

bool test_smdp::accept_authenticate_server(byte_view resp)
{
    auto top = der::parse_one(resp);
    if (!top || top->tag != rsp::tag::authenticate_server) return false;
    auto ok = der::reader(top->value).find(0xA0);
    if (!ok) return false;
    auto items = der::reader(ok->value).all();
    if (!items || items->size() != 4) return false;
    auto cert = crypto::certificate::from_der((*items)[2].raw);
    if (!cert) return false;
    euicc_cert = *cert;
    const auto& signed1 = (*items)[0];
    if (!crypto::ecdsa_verify(cert->public_key(), signed1.raw, (*items)[1].value)) return false;
    // serverChallenge must come back inside euiccSigned1.
    auto sc = der::reader(signed1.value).find(0x84);
    if (!sc || !std::ranges::equal(sc->value, server_challenge)) return false;
    euicc_signature1.assign((*items)[1].value.begin(), (*items)[1].value.end());
    return true;
}

bytes test_smdp::prepare_download_request(bool cc_required, std::optional<bytes> hash_cc)
{
    der::writer s2;
    s2.begin(0x30).add(0x80, transaction_id).add_bool(0x01, cc_required).end();
    const bytes signed2 = s2.finish();
    const bytes data = concat({signed2, der::encode(0x5F37, euicc_signature1)});
    auto sig = crypto::ecdsa_sign(pki.dppb.key, data);
    EXPECT_TRUE(sig);
    smdp_signature2_tlv = der::encode(0x5F37, *sig);
    der::writer w;
    w.begin(rsp::tag::prepare_download).raw(signed2).raw(smdp_signature2_tlv);
    if (hash_cc) w.add(0x04, *hash_cc);
    w.raw(pki.dppb.cert.der()).end();
    return w.finish();
}

bool test_smdp::accept_prepare_download(byte_view resp)
{
    auto top = der::parse_one(resp);
    if (!top || top->tag != rsp::tag::prepare_download || !euicc_cert) return false;
    auto ok = der::reader(top->value).find(0xA0);
    if (!ok) return false;
    auto items = der::reader(ok->value).all();
    if (!items || items->size() != 2) return false;
    const auto& signed2 = (*items)[0];
    if (!crypto::ecdsa_verify(euicc_cert->public_key(), concat({signed2.raw, smdp_signature2_tlv}),
                              (*items)[1].value))
        return false;
    auto pk = der::reader(signed2.value).find(0x5F49);
    if (!pk) return false;
    euicc_otpk.assign(pk->value.begin(), pk->value.end());
    return true;
}

bound_package test_smdp::build_bpp(const rsp::profile_description& d, byte_view eid, const bpp_options& opts)
{
    bound_package out;
    const bytes host_id = bytes(8, 0x80);
    auto otk = crypto::ec_key::generate(pki.dppb.key.key_curve());
    EXPECT_TRUE(otk);
    const bytes otpk = otk->public_point();

    der::writer body;
    body.add(0x82, bytes{opts.remote_op_id})
        .add(0x80, opts.bf23_transaction_id.value_or(transaction_id))
        .begin(0xA6)
        .add(0x80, bytes{opts.crt_key_type})
        .add(0x81, bytes{0x10})
        .add(0x84, host_id)
        .end()
        .add(0x5F49, otpk);
    const bytes body_bytes = body.finish();
    auto sig = crypto::ecdsa_sign(pki.dppb.key, concat({body_bytes, der::encode(0x5F49, euicc_otpk)}));
    EXPECT_TRUE(sig);
    if (opts.tamper_bf23_signature) (*sig)[5] ^= 0x01;
    bytes bf23_value = body_bytes;
    append(bf23_value, der::encode(0x5F37, *sig));
    const bytes bf23 = der::encode(rsp::tag::initialise_secure_channel, bf23_value);

    auto peer = crypto::ec_key::from_public_point(otk->key_curve(), euicc_otpk);
    EXPECT_TRUE(peer);
    auto shs = crypto::ecka(*otk, *peer);
    EXPECT_TRUE(shs);
    crypto::scp03t_channel ch(crypto::derive_bpp_session_keys(*shs, host_id, eid));

    const bytes a0_seg = *ch.wrap_encrypted(0x87, bytes{0xBF, 0x24, 0x00});
    const bytes a0 = der::encode(0xA0, a0_seg);

    der::writer md;
    md.begin(rsp::tag::store_metadata)
        .add(0x5A, *rsp::iccid_to_bcd(opts.metadata_iccid.value_or(d.iccid)))
        .add(0x91, std::string_view{d.service_provider_name})
        .add(0x92, std::string_view{d.profile_name});
    if (opts.profile_class) md.add_uint(0x95, *opts.profile_class);
    if (!opts.notification_config.empty()) md.add(0xB6, opts.notification_config);
    if (!opts.profile_owner.empty()) md.add(0xB7, opts.profile_owner);
    if (!opts.ppr.empty()) md.add(0x99, opts.ppr);
    md.end();
    const bytes metadata = md.finish();
    std::vector<bytes> segs88;
    for (std::size_t off = 0; off < metadata.size(); off += crypto::max_mac_only_segment_plaintext) {
        const std::size_t n = std::min(crypto::max_mac_only_segment_plaintext, metadata.size() - off);
        segs88.push_back(*ch.wrap_mac_only(0x88, byte_view(metadata).subspan(off, n)));
    }
    bytes a1_value;
    for (const auto& s : segs88) append(a1_value, s);

    bytes a2;
    if (opts.use_ppk) {
        const crypto::scp03t_keys ppk{bytes(16, 0x00), bytes(16, 0x11), bytes(16, 0x22)};
        der::writer rk;
        rk.begin(rsp::tag::replace_session_keys).add(0x80, ppk.initial_mcv).add(0x81, ppk.s_enc).add(0x82, ppk.s_mac).end();
        a2 = der::encode(0xA2, *ch.wrap_encrypted(0x87, rk.finish()));
        ch.replace_keys(ppk);
    }

    auto upp = opts.upp ? result<bytes>(*opts.upp) : rsp::build_upp(d);
    EXPECT_TRUE(upp) << (upp ? "" : upp.error().message);
    std::vector<bytes> segs86;
    for (std::size_t off = 0; off < upp->size(); off += crypto::max_encrypted_segment_plaintext) {
        const std::size_t n = std::min(crypto::max_encrypted_segment_plaintext, upp->size() - off);
        segs86.push_back(*ch.wrap_encrypted(0x86, byte_view(*upp).subspan(off, n)));
    }
    if (opts.tamper_86) segs86.front()[10] ^= 0x01;
    bytes a3_value;
    for (const auto& s : segs86) append(a3_value, s);

    const bytes a1 = der::encode(0xA1, a1_value);
    const bytes a3 = der::encode(0xA3, a3_value);
    bytes inner = concat({bf23, a0, a1, a2, a3});
    out.whole = der::encode(rsp::tag::bound_profile_package, inner);

    bytes first;
    der::put_header(first, rsp::tag::bound_profile_package, inner.size());
    append(first, bf23);
    out.series.push_back(first);
    out.series.push_back(a0);
    bytes a1_head;
    der::put_header(a1_head, 0xA1, a1_value.size());
    out.series.push_back(a1_head);
    for (auto& s : segs88) out.series.push_back(s);
    if (!a2.empty()) out.series.push_back(a2);
    bytes a3_head;
    der::put_header(a3_head, 0xA3, a3_value.size());
    out.series.push_back(a3_head);
    for (auto& s : segs86) out.series.push_back(s);
    return out;
}

rsp::profile_description sample_profile(const std::string& iccid)
{
    rsp::profile_description d;
    d.iccid = iccid;
    d.imsi = "001010123456063";
    d.ki = hex("000102030405060708090a0b0c0d0e0f");
    d.opc = hex("cd63cb71954a9f4e48a5994e37a02baf");
    d.service_provider_name = "OpenRSP Test";
    d.profile_name = "Test profile " + iccid;
    d.apn = "internet";
    return d;
}

bool authenticate_and_prepare(rsp::card_transport& t, int channel, test_smdp& dp)
{
    const bytes ch = es10(t, channel, hex("BF2E00"));
    auto c = der::parse_one(ch);
    if (!c) return false;
    auto challenge = der::reader(c->value).find(0x80);
    if (!challenge) return false;
    const bytes auth = es10(t, channel, dp.authenticate_server_request(challenge->value));
    if (!dp.accept_authenticate_server(auth)) return false;
    const bytes prep = es10(t, channel, dp.prepare_download_request());
    return dp.accept_prepare_download(prep);
}

bytes load_series(rsp::card_transport& t, int channel, const std::vector<bytes>& series)
{
    bytes last;
    for (const auto& s : series) {
        last = es10(t, channel, s);
        if (!last.empty()) break; // BF37: the eUICC has finished (or failed)
    }
    return last;
}

std::optional<pir_outcome> decode_pir(byte_view bf37)
{
    auto top = der::parse_one(bf37);
    if (!top || top->tag != rsp::tag::profile_installation_result) return std::nullopt;
    auto bf27 = der::reader(top->value).find(rsp::tag::profile_installation_result_data);
    auto sig = der::reader(top->value).find(0x5F37);
    if (!bf27 || !sig) return std::nullopt;
    auto fr = der::reader(bf27->value).find(0xA2);
    if (!fr) return std::nullopt;
    pir_outcome o;
    o.bf27.assign(bf27->raw.begin(), bf27->raw.end());
    o.signature.assign(sig->value.begin(), sig->value.end());
    const der::reader r(fr->value);
    if (auto okr = r.find(0xA0)) {
        o.success = true;
        if (auto aid = der::reader(okr->value).find(0x4F)) o.isdp_aid.assign(aid->value.begin(), aid->value.end());
    } else if (auto err = r.find(0xA1)) {
        const der::reader e(err->value);
        if (auto c = e.find(0x80)) o.bpp_command_id = static_cast<unsigned>(*der::decode_uint(c->value));
        if (auto c = e.find(0x81)) o.error_reason = static_cast<unsigned>(*der::decode_uint(c->value));
    } else {
        return std::nullopt;
    }
    return o;
}

bytes challenge(rsp::card_transport& t, int channel)
{
    const bytes r = es10(t, channel, hex("BF2E00"));
    auto c = der::reader(der::parse_one(r)->value).find(0x80);
    return bytes(c->value.begin(), c->value.end());
}

int error_code(const bytes& r)
{
    auto top = der::parse_one(r);
    auto a1 = top ? der::reader(top->value).find(0xA1) : std::nullopt;
    auto code = a1 ? der::reader(a1->value).find(0x02) : std::nullopt;
    return code ? static_cast<int>(*der::decode_uint(code->value)) : -1;
}

int open_isdr(rsp::card_transport& t)
{
    auto ch = t.open_logical_channel(rsp::isd_r_aid());
    EXPECT_TRUE(ch);
    return ch ? *ch : -1;
}

bytes download(rsp::card_transport& t, int channel, const std::string& eid, const rsp::profile_description& d,
               const bpp_options& o, bool whole_bf36)
{
    test_smdp dp(main_pki());
    if (!authenticate_and_prepare(t, channel, dp)) {
        ADD_FAILURE() << "authentication or PrepareDownload failed";
        return {};
    }
    auto bpp = dp.build_bpp(d, hex(eid), o);
    if (whole_bf36) return es10(t, channel, bpp.whole);
    return load_series(t, channel, bpp.series);
}

} // namespace openrsp::euicc::test
