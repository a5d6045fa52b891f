#pragma once
/// \file
/// \brief QR codes for SGP.22 activation codes (§4.1): PNG output, PNG and JPEG input, and terminal rendering.

#include "openrsp/core/result.h"

#include <string>
#include <string_view>

namespace openrsp::qr {

/// \brief Encodes `text` as a QR code (byte mode, error correction level M) into a black-on-white grayscale PNG.
/// \param scale pixels per module (>= 1)
/// \param margin quiet zone in modules (>= 0; ISO/IEC 18004 asks for 4)
result<void> write_png(std::string_view text, const std::string& path, int scale = 8, int margin = 4);

/// \brief Draws `text` as a QR code with Unicode half blocks, two module rows per line, 4-module quiet zone.
///
/// Light modules and the quiet zone are drawn as blocks and dark modules as spaces, so the code reads
/// correctly on the usual light-on-dark terminal without colour escapes. Every line ends with '\n'.
/// Empty if `text` does not fit in a QR code.
std::string render_terminal(std::string_view text);

/// \brief Decodes the first QR code in a PNG file (any PNG colour type; transparency is put on white).
/// \return its content bytes as text, or "cannot read image FILE: ..." / "no QR code found in FILE".
result<std::string> read_png(const std::string& path);

/// \brief Decodes the first QR code in a PNG or JPEG file (told apart by their signatures, not the file name).
/// \return its content bytes as text, or "cannot read image FILE: ..." / "no QR code found in FILE".
result<std::string> read_image(const std::string& path);

} // namespace openrsp::qr
