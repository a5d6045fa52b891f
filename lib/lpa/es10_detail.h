#pragma once
/// \file
/// \brief Helpers shared by the ES10 calls of lib/lpa (es10.cpp, es10_chip.cpp): the outer-tag check of an answer,
/// the result code of an ES10 management answer, and the typed DeviceInfo.

#include "openrsp/der/der.h"
#include "openrsp/lpa/es10.h"
#include "openrsp/rsp/authentication.h"

#include <string>

namespace openrsp::lpa::detail {

/// The answer's one TLV, if it carries the function's outer tag (request and response share it, SGP.22 §5.7).
result<der::tlv> expect(byte_view response, der::tag_t tag, const char* function);

/// The empty request of an ES10 function that takes no arguments (e.g. GetEUICCInfo1 `BF20 00`).
bytes empty_request(der::tag_t tag);

/// \brief The result INTEGER of an ES10 management answer `{field [0] INTEGER}` (EnableProfileResponse and its
/// siblings, SGP.22 §5.7.4, §5.7.16-§5.7.21), as a code of its rsp/codes.h set.
template <rsp::code_enum E>
result<es10c_code<E>> result_code(byte_view response, der::tag_t outer, der::tag_t field, const char* function)
{
    auto t = expect(response, outer, function);
    if (!t) return t.take_error();
    auto code = der::reader(t->value).find(field);
    auto v = code ? der::decode_uint(code->value) : result<std::uint64_t>(fail(""));
    if (!v) return fail(std::string("the eUICC sent a malformed ") + function + " response");
    return es10c_code<E>{rsp::code_from_int<E>(static_cast<int>(*v))};
}

/// DeviceInfo of SGP.22 §4.2 for this device (a generic TAC without IMEI); a sentence if the IMEI is malformed.
result<rsp::device_info> typed_device_info(const device_info& d);

} // namespace openrsp::lpa::detail
