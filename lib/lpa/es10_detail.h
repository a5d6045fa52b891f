#pragma once
/// \file
/// \brief Helpers shared by the ES10 calls of lib/lpa (es10.cpp, es10_chip.cpp): the outer-tag check of an answer,
/// the result code of an ES10 management answer, and the typed DeviceInfo.

#include "openrsp/der/der.h"
#include "openrsp/lpa/es10.h"
#include "openrsp/rsp/authentication.h"
#include "openrsp/rsp/es10_management.h"

#include <string>

namespace openrsp::lpa::detail {

/// The answer's one TLV, if it carries the function's outer tag (request and response share it, SGP.22 §5.7).
result<der::tlv> expect(byte_view response, der::tag_t tag, const char* function);

/// \brief The result code of an ES10 management answer (EnableProfileResponse and its siblings, SGP.22 §5.7.4,
/// §5.7.16-§5.7.21), read by its rsp::management_result type; any decode error is the one sentence the LPA has
/// always given for it.
template <rsp::code_enum E> result<es10c_code<E>> result_code(byte_view response, const char* function)
{
    auto answer = rsp::management_result<E>::decode(response);
    if (!answer) return fail(std::string("the eUICC sent a malformed ") + function + " response");
    return es10c_code<E>{answer->result};
}

/// DeviceInfo of SGP.22 §4.2 for this device (a generic TAC without IMEI); a sentence if the IMEI is malformed.
result<rsp::device_info> typed_device_info(const device_info& d);

} // namespace openrsp::lpa::detail
