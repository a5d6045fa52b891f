#include "openrsp/lpa/download.h"

#include "openrsp/crypto/ec.h"
#include "openrsp/der/der.h"
#include "openrsp/rsp/es9p.h"
#include "openrsp/rsp/saip.h"
#include "openrsp/rsp/tags.h"

namespace openrsp::lpa {

namespace {

namespace es9p = rsp::es9p;
using clock_type = std::chrono::steady_clock;

std::string function_url(std::string_view address, std::string_view function)
{
    return "https://" + std::string(address) + std::string(es9p::path_prefix) + std::string(function);
}

const std::vector<http::header_field>& es9p_headers()
{
    static const std::vector<http::header_field> h{{"Content-Type", "application/json"},
                                                   {"X-Admin-Protocol", std::string(es9p::admin_protocol)}};
    return h;
}

// POSTs one ES9+ function; transport failures and non-2xx become sentences naming the SM-DP+.
result<std::string> post(http::client& http, std::string_view address, std::string_view function,
                         const std::string& body)
{
    auto r = http.post(function_url(address, function), body, es9p_headers());
    if (!r) return r.take_error();
    if (r->status < 200 || r->status > 299)
        return fail("the SM-DP+ at " + std::string(address) + " answered " + std::string(function) + " with HTTP " +
                    std::to_string(r->status));
    return std::move(r->body);
}

// Reads the error code of an eUICC's A1 error branch, if the response is one.
std::optional<int> euicc_error_code(byte_view response)
{
    auto outer = der::parse_one(response);
    if (!outer) return std::nullopt;
    auto err = der::reader(outer->value).find(0xA1);
    if (!err) return std::nullopt;
    auto code = der::reader(err->value).find(rsp::tag::integer);
    if (!code) return -1;
    auto v = der::decode_uint(code->value);
    return v ? static_cast<int>(*v) : -1;
}

std::string authenticate_server_error(int code)
{
    switch (code) {
    case 1: return "the SM-DP+ certificate is invalid";
    case 2: return "the SM-DP+ signature is invalid";
    case 3: return "the SM-DP+ uses an unsupported curve";
    case 4: return "the eUICC has no session context";
    case 5: return "the SM-DP+ certificate has the wrong role (OID)";
    case 6: return "the SM-DP+ answered a different eUICC challenge";
    case 7: return "the SM-DP+ certificate issuer is unknown to the eUICC";
    default: return "error " + std::to_string(code);
    }
}

std::string install_error(byte_view pir)
{
    auto outer = der::parse_one(pir);
    if (!outer) return "a malformed installation result";
    auto data = der::reader(outer->value).find(rsp::tag::profile_installation_result_data);
    if (!data) return "a malformed installation result";
    auto fin = der::reader(data->value).find(0xA2);
    if (!fin) return "a malformed installation result";
    auto branch = der::parse_one(fin->value);
    if (branch && branch->tag == 0xA0) return {};
    if (!branch || branch->tag != 0xA1) return "a malformed installation result";
    der::reader e(branch->value);
    auto cmd = e.find(0x80);
    auto reason = e.find(0x81);
    const auto rv = reason ? der::decode_uint(reason->value) : result<std::uint64_t>(fail(""));
    const auto cv = cmd ? der::decode_uint(cmd->value) : result<std::uint64_t>(fail(""));
    static const char* reasons[] = {"",
                                    "incorrect input values",
                                    "invalid signature",
                                    "invalid transaction ID",
                                    "unsupported CRT values",
                                    "unsupported remote operation type",
                                    "unsupported profile class",
                                    "SCP03t structure error",
                                    "SCP03t security error",
                                    "the ICCID is already installed",
                                    "insufficient memory",
                                    "interruption",
                                    "profile element processing error",
                                    "data mismatch",
                                    "invalid test profile NAA key",
                                    "profile policy rules not allowed"};
    std::string text = rv && *rv < std::size(reasons) ? reasons[*rv] : "unknown error";
    if (cv) text += " (BPP command " + std::to_string(*cv) + ")";
    return text;
}

class step_timer {
public:
    step_timer(const download_options& o, es10_client& e, http::client& h, std::string name)
        : m_opts(o), m_euicc(e), m_http(h), m_name(std::move(name)), m_start(clock_type::now()),
          m_apdu0(e.bytes_moved()), m_http0(h.stats().bytes_sent + h.stats().bytes_received)
    {
    }
    void done(std::string detail = {})
    {
        if (!m_opts.on_step) return;
        step_report r;
        r.name = m_name;
        r.duration = std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - m_start);
        r.apdu_bytes = m_euicc.bytes_moved() - m_apdu0;
        r.http_bytes = m_http.stats().bytes_sent + m_http.stats().bytes_received - m_http0;
        r.detail = std::move(detail);
        m_opts.on_step(r);
    }

private:
    const download_options& m_opts;
    es10_client& m_euicc;
    http::client& m_http;
    std::string m_name;
    clock_type::time_point m_start;
    std::size_t m_apdu0, m_http0;
};

result<void> send_notification(es10_client& euicc, http::client& http, std::uint64_t seq, const std::string& address,
                               byte_view notification)
{
    es9p::handle_notification_request req;
    req.pending_notification.assign(notification.begin(), notification.end());
    auto body = post(http, address, es9p::handle_notification_request::function, es9p::to_json(req));
    if (!body) return body.take_error();
    OPENRSP_TRY_VOID(es9p::parse_header_only_response(*body));
    auto removed = euicc.remove_notification(seq);
    if (!removed) return removed.take_error();
    return ok();
}

} // namespace

result<profile_metadata> parse_metadata(byte_view bf25)
{
    auto t = der::parse_one(bf25);
    if (!t || t->tag != rsp::tag::store_metadata) return fail("the SM-DP+ sent malformed profile metadata");
    der::reader f(t->value);
    profile_metadata m;
    auto iccid = f.find(rsp::tag::iccid);
    if (!iccid || iccid->value.size() != 10) return fail("the SM-DP+ sent profile metadata without an ICCID");
    m.iccid = rsp::iccid_from_bcd(iccid->value);
    if (auto v = f.find(rsp::tag::service_provider_name)) m.service_provider_name = to_string(v->value);
    if (auto v = f.find(rsp::tag::profile_name)) m.profile_name = to_string(v->value);
    if (auto v = f.find(rsp::tag::profile_class))
        if (auto c = der::decode_uint(v->value)) m.profile_class = static_cast<int>(*c);
    return m;
}

result<download_result> download_profile(es10_client& euicc, http::client& http, const download_options& o)
{
    const std::string& address = o.activation_code.smdp_address;
    download_result out;

    step_timer init(o, euicc, http, "LPA init");
    auto info1 = euicc.get_euicc_info1();
    if (!info1) return info1.take_error();
    auto challenge = euicc.get_euicc_challenge();
    if (!challenge) return challenge.take_error();
    init.done("GetEUICCInfo1, GetEUICCChallenge");

    step_timer connect(o, euicc, http, "Connect");
    es9p::initiate_authentication_request ia{address, *challenge, *info1};
    auto ia_body = post(http, address, es9p::initiate_authentication_request::function, es9p::to_json(ia));
    if (!ia_body) return ia_body.take_error();
    auto ia_resp = es9p::parse_initiate_authentication_response(*ia_body);
    if (!ia_resp) return ia_resp.take_error();
    auto tid = es9p::transaction_id_from_hex(ia_resp->transaction_id);
    if (!tid) return fail("the SM-DP+ sent a malformed transaction ID");
    out.transaction_id = ia_resp->transaction_id;
    connect.done("TLS to " + address + ", initiateAuthentication");

    // From here on both sides hold a session; any failure cancels it on both.
    auto abort = [&](int reason, error e) -> unexpected {
        if (auto cancel = euicc.cancel_session(*tid, reason)) {
            es9p::cancel_session_request req{ia_resp->transaction_id, *cancel};
            (void)post(http, address, es9p::cancel_session_request::function, es9p::to_json(req));
        }
        return unexpected{std::move(e)};
    };

    step_timer auth(o, euicc, http, "Mutual auth");
    auto as = euicc.authenticate_server(ia_resp->server_signed1, ia_resp->server_signature1,
                                        ia_resp->euicc_ci_pkid_to_be_used, ia_resp->server_certificate,
                                        o.activation_code.matching_id);
    if (!as) return abort(cancel_reason::undefined_reason, as.error());
    if (auto code = euicc_error_code(*as))
        return abort(cancel_reason::undefined_reason,
                     error::plain("the eUICC did not accept the SM-DP+: " + authenticate_server_error(*code)));
    es9p::authenticate_client_request ac{ia_resp->transaction_id, *as};
    auto ac_body = post(http, address, es9p::authenticate_client_request::function, es9p::to_json(ac));
    if (!ac_body) return abort(cancel_reason::undefined_reason, ac_body.error());
    auto ac_resp = es9p::parse_authenticate_client_response(*ac_body);
    if (!ac_resp) return abort(cancel_reason::undefined_reason, ac_resp.error());
    auto metadata = parse_metadata(ac_resp->profile_metadata);
    if (!metadata) return abort(cancel_reason::metadata_mismatch, metadata.error());
    out.metadata = *metadata;
    auth.done("AuthenticateServer, authenticateClient: " + metadata->service_provider_name + " / " +
              metadata->profile_name + " (ICCID " + metadata->iccid + ")");

    if (o.confirm && !o.confirm(*metadata))
        return abort(cancel_reason::end_user_rejection, error::plain("the download was declined by the user"));

    step_timer dl(o, euicc, http, "Download");
    // smdpSigned2.ccRequiredFlag says whether a confirmation code is needed (SGP.22 §5.6.3).
    bool cc_required = o.activation_code.confirmation_code_required;
    if (auto s2 = der::parse_one(ac_resp->smdp_signed2))
        if (auto flag = der::reader(s2->value).find(rsp::tag::boolean))
            cc_required = !flag->value.empty() && flag->value[0] != 0;
    std::optional<bytes> hash_cc;
    if (cc_required) {
        std::optional<std::string> cc = o.ask_confirmation_code ? o.ask_confirmation_code() : std::nullopt;
        if (!cc || cc->empty())
            return abort(cancel_reason::end_user_rejection,
                         error::plain("this profile needs a confirmation code and none was given"));
        hash_cc = crypto::sha256(concat({crypto::sha256(as_bytes(*cc)), *tid}));
    }
    auto pd = euicc.prepare_download(ac_resp->smdp_signed2, ac_resp->smdp_signature2, ac_resp->smdp_certificate,
                                     hash_cc);
    if (!pd) return abort(cancel_reason::undefined_reason, pd.error());
    if (auto code = euicc_error_code(*pd))
        return abort(cancel_reason::undefined_reason,
                     error::plain("the eUICC refused PrepareDownload (error " + std::to_string(*code) + ")"));
    es9p::get_bound_profile_package_request gb{ia_resp->transaction_id, *pd};
    auto gb_body = post(http, address, es9p::get_bound_profile_package_request::function, es9p::to_json(gb));
    if (!gb_body) return abort(cancel_reason::undefined_reason, gb_body.error());
    auto gb_resp = es9p::parse_get_bound_profile_package_response(*gb_body);
    if (!gb_resp) return abort(cancel_reason::undefined_reason, gb_resp.error());
    dl.done("PrepareDownload, getBoundProfilePackage: " + std::to_string(gb_resp->bound_profile_package.size()) +
            "-byte BPP");

    step_timer install(o, euicc, http, "Install");
    auto pir = euicc.load_bound_profile_package(gb_resp->bound_profile_package);
    if (!pir) return abort(cancel_reason::load_bpp_execution_error, pir.error());
    const std::string failure = install_error(*pir);

    // The installation result is a pending notification on the eUICC either way; deliver it.
    if (o.send_notification) {
        auto outer = der::parse_one(*pir);
        std::optional<der::tlv> meta;
        if (outer)
            if (auto data = der::reader(outer->value).find(rsp::tag::profile_installation_result_data))
                meta = der::reader(data->value).find(rsp::tag::notification_metadata);
        if (meta) {
            der::reader m(meta->value);
            auto seq = m.find(0x80);
            auto addr = m.find(rsp::tag::utf8_string);
            auto seq_v = seq ? der::decode_uint(seq->value) : result<std::uint64_t>(fail(""));
            if (seq_v && addr)
                out.notification_sent = static_cast<bool>(send_notification(euicc, http, *seq_v, to_string(addr->value), *pir));
        }
    }
    if (!failure.empty()) return fail("the eUICC could not install the profile: " + failure);
    install.done("LoadBoundProfilePackage, handleNotification" +
                 std::string(out.notification_sent ? "" : " (notification kept for later)"));
    return out;
}

result<std::size_t> process_notifications(es10_client& euicc, http::client& http)
{
    auto list = euicc.list_notifications();
    if (!list) return list.take_error();
    std::size_t sent = 0;
    std::string first_error;
    for (const auto& n : *list) {
        auto raw = euicc.retrieve_notification(n.seq_number);
        if (!raw) return raw.take_error();
        if (auto r = send_notification(euicc, http, n.seq_number, n.address, *raw); r) ++sent;
        else if (first_error.empty()) first_error = r.error().message;
    }
    if (sent < list->size() && sent == 0 && !first_error.empty()) return fail(first_error);
    return sent;
}

} // namespace openrsp::lpa
