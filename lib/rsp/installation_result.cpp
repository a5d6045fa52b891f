/// \file
/// \brief ProfileInstallationResult and ProfileInstallationResultData (SGP.22 §5.7.6).

#include "message_codec.h"

#include "openrsp/rsp/installation_result.h"
#include "openrsp/rsp/tags.h"

namespace openrsp::rsp {

namespace {
constexpr std::string_view pir_type = "ProfileInstallationResult";
constexpr std::string_view data_type = "ProfileInstallationResultData";
constexpr std::string_view success_type = "SuccessResult";
constexpr std::string_view error_type = "ErrorResult";

result<std::variant<success_result, error_result>> decode_final_result(const der::tlv& a2)
{
    auto choice = der::parse_one(a2.value);
    if (!choice) return codec::invalid(data_type, "finalResult is not exactly one CHOICE alternative");
    if (choice->tag == tag::final_result::success_result) {
        namespace t = tag::success_result;
        auto f = codec::fields::read(choice->value, success_type, {t::aid, t::sima_response});
        if (!f) return f.take_error();
        auto aid = f->need(t::aid, "aid");
        if (!aid) return aid.take_error();
        auto aid_v = codec::octets(*aid, success_type, "aid", 5, 16);
        if (!aid_v) return aid_v.take_error();
        auto sima = f->need(t::sima_response, "simaResponse");
        if (!sima) return sima.take_error();
        return std::variant<success_result, error_result>(
            success_result{std::move(*aid_v), bytes(sima->value.begin(), sima->value.end())});
    }
    if (choice->tag == tag::final_result::error_result) {
        namespace t = tag::error_result;
        auto f = codec::fields::read(choice->value, error_type, {t::bpp_command_id, t::error_reason, t::sima_response});
        if (!f) return f.take_error();
        error_result e;
        auto cmd = f->need(t::bpp_command_id, "bppCommandId");
        if (!cmd) return cmd.take_error();
        auto cmd_v = codec::code(*cmd, error_type, "bppCommandId");
        if (!cmd_v) return cmd_v.take_error();
        e.bpp_command_id = static_cast<bpp_command_id>(*cmd_v);
        auto reason = f->need(t::error_reason, "errorReason");
        if (!reason) return reason.take_error();
        auto reason_v = codec::code(*reason, error_type, "errorReason");
        if (!reason_v) return reason_v.take_error();
        e.error_reason = static_cast<install_error_reason>(*reason_v);
        if (const auto sima = f->find(t::sima_response))
            e.sima_response = bytes(sima->value.begin(), sima->value.end());
        return std::variant<success_result, error_result>(std::move(e));
    }
    return codec::invalid(data_type, "finalResult has the unknown alternative " + codec::tag_text(choice->tag));
}
} // namespace

std::string error_result::sentence() const
{
    return describe(error_reason) + " (BPP command " + std::to_string(static_cast<unsigned>(bpp_command_id)) + ")";
}

bytes profile_installation_result::encode_data() const
{
    if (!data_raw.empty()) return data_raw;
    namespace t = tag::profile_installation_result_data_fields;
    auto oid = der::encode_oid(smdp_oid);
    der::writer w;
    w.begin(tag::profile_installation_result_data)
        .add(t::transaction_id, transaction_id)
        .raw(notification_metadata.encode())
        .add(t::smdp_oid, oid ? *oid : bytes{})
        .begin(t::final_result);
    if (const auto* s = success()) {
        namespace st = tag::success_result;
        w.begin(tag::final_result::success_result).add(st::aid, s->aid).add(st::sima_response, s->sima_response).end();
    } else if (const auto* e = error()) {
        namespace et = tag::error_result;
        w.begin(tag::final_result::error_result)
            .add_uint(et::bpp_command_id, static_cast<unsigned>(e->bpp_command_id))
            .add_uint(et::error_reason, static_cast<unsigned>(e->error_reason));
        if (e->sima_response) w.add(et::sima_response, *e->sima_response);
        w.end();
    }
    w.end().end();
    return w.finish();
}

result<profile_installation_result> profile_installation_result::decode(byte_view der)
{
    namespace t = tag::profile_installation_result_fields;
    namespace d = tag::profile_installation_result_data_fields;
    auto outer = codec::open(der, tag::profile_installation_result, pir_type);
    if (!outer) return outer.take_error();
    auto f = codec::fields::read(outer->value, pir_type, {t::profile_installation_result_data, t::euicc_sign_pir});
    if (!f) return f.take_error();
    auto data = f->need(t::profile_installation_result_data, "profileInstallationResultData");
    if (!data) return data.take_error();
    auto sig = f->need(t::euicc_sign_pir, "euiccSignPIR");
    if (!sig) return sig.take_error();

    profile_installation_result out;
    auto df = codec::fields::read(data->value, data_type,
                                  {d::transaction_id, d::notification_metadata, d::smdp_oid, d::final_result});
    if (!df) return df.take_error();
    auto tid = df->need(d::transaction_id, "transactionId");
    if (!tid) return tid.take_error();
    auto tid_v = codec::transaction_id(*tid, data_type);
    if (!tid_v) return tid_v.take_error();
    out.transaction_id = std::move(*tid_v);
    auto meta = df->need(d::notification_metadata, "notificationMetadata");
    if (!meta) return meta.take_error();
    auto meta_v = notification_metadata::decode(meta->raw);
    if (!meta_v) return meta_v.take_error();
    out.notification_metadata = std::move(*meta_v);
    auto oid = df->need(d::smdp_oid, "smdpOid");
    if (!oid) return oid.take_error();
    auto oid_v = der::decode_oid(oid->value);
    if (!oid_v) return codec::invalid(data_type, "smdpOid is not an OBJECT IDENTIFIER (" + oid_v.error().message + ")");
    out.smdp_oid = std::move(*oid_v);
    auto fr = df->need(d::final_result, "finalResult");
    if (!fr) return fr.take_error();
    auto fr_v = decode_final_result(*fr);
    if (!fr_v) return fr_v.take_error();
    out.final_result = std::move(*fr_v);
    out.data_raw.assign(data->raw.begin(), data->raw.end());
    out.euicc_sign_pir.assign(sig->value.begin(), sig->value.end());
    return out;
}

bytes profile_installation_result::encode() const
{
    der::writer w;
    w.begin(tag::profile_installation_result)
        .raw(encode_data())
        .add(tag::profile_installation_result_fields::euicc_sign_pir, euicc_sign_pir)
        .end();
    return w.finish();
}

} // namespace openrsp::rsp
