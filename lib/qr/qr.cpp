#include "openrsp/qr/qr.h"

#define ZX_USE_UTF8 1 // zxing-cpp 1.4: text() as UTF-8 std::string, and no transition #pragma message
#include <ZXing/BarcodeFormat.h>
#include <ZXing/DecodeHints.h>
#include <ZXing/ImageView.h>
#include <ZXing/ReadBarcode.h>
#include <png.h>
#include <qrencode.h>
#include <turbojpeg.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <vector>

namespace openrsp::qr {
namespace {

struct qrcode_deleter {
    void operator()(QRcode* q) const { ::QRcode_free(q); }
};
using qrcode_ptr = std::unique_ptr<QRcode, qrcode_deleter>;

/// Releases what png_image_begin_read_* allocated if we leave before png_image_finish_read.
struct png_image_guard {
    png_image* image;
    ~png_image_guard() { ::png_image_free(image); }
};

/// Module (x, y) of a symbol; libqrencode sets bit 0 for dark modules.
bool is_dark(const QRcode& code, int x, int y) { return (code.data[y * code.width + x] & 1) != 0; }

result<qrcode_ptr> encode(std::string_view text)
{
    if (text.empty()) return fail("cannot encode an empty text as a QR code");
    if (text.size() > static_cast<std::size_t>(INT_MAX)) return fail("text is too long for a QR code");
    // Byte mode keeps the text exactly as given (activation codes mix cases, '$' and ':').
    errno = 0;
    qrcode_ptr code{::QRcode_encodeData(static_cast<int>(text.size()),
                                        reinterpret_cast<const unsigned char*>(text.data()), 0, QR_ECLEVEL_M)};
    if (!code) {
        if (errno == ERANGE) return fail("text is too long for a QR code (" + std::to_string(text.size()) + " bytes)");
        return fail(std::string("cannot encode the QR code: ") + std::strerror(errno));
    }
    return code;
}

// Images beyond this are not QR code pictures we expect; refusing them bounds memory use.
constexpr std::uint32_t max_image_side = 16384;

} // namespace

result<void> write_png(std::string_view text, const std::string& path, int scale, int margin)
{
    if (scale < 1 || scale > 100) return fail("QR code scale must be between 1 and 100, not " + std::to_string(scale));
    if (margin < 0 || margin > 100)
        return fail("QR code margin must be between 0 and 100, not " + std::to_string(margin));
    auto code = encode(text);
    if (!code) return code.take_error();
    const QRcode& symbol = **code;

    const int side = (symbol.width + 2 * margin) * scale;
    std::vector<png_byte> pixels(static_cast<std::size_t>(side) * static_cast<std::size_t>(side), 0xFF);
    for (int y = 0; y < symbol.width; ++y) {
        for (int x = 0; x < symbol.width; ++x) {
            if (!is_dark(symbol, x, y)) continue;
            for (int dy = 0; dy < scale; ++dy) {
                const std::size_t row = static_cast<std::size_t>((y + margin) * scale + dy) * side;
                std::memset(&pixels[row + static_cast<std::size_t>((x + margin) * scale)], 0x00,
                            static_cast<std::size_t>(scale));
            }
        }
    }

    png_image image{};
    image.version = PNG_IMAGE_VERSION;
    image.width = static_cast<png_uint_32>(side);
    image.height = static_cast<png_uint_32>(side);
    image.format = PNG_FORMAT_GRAY;
    // The simplified API handles libpng's setjmp error path internally, so no longjmp crosses C++ frames.
    if (::png_image_write_to_file(&image, path.c_str(), 0, pixels.data(), 0, nullptr) == 0) {
        return fail("cannot write image " + path + ": " + image.message);
    }
    return ok();
}

std::string render_terminal(std::string_view text)
{
    auto code = encode(text);
    if (!code) return {};
    const QRcode& symbol = **code;
    constexpr int quiet = 4;
    const int side = symbol.width + 2 * quiet;
    // "Lit" = drawn with the terminal's foreground: light modules, quiet zone. Rows past the bottom stay unlit.
    auto lit = [&](int x, int y) {
        if (y >= side) return false;
        const int sx = x - quiet;
        const int sy = y - quiet;
        if (sx < 0 || sy < 0 || sx >= symbol.width || sy >= symbol.width) return true;
        return !is_dark(symbol, sx, sy);
    };

    std::string out;
    out.reserve(static_cast<std::size_t>((side + 1) / 2) * (static_cast<std::size_t>(side) * 3 + 1));
    for (int y = 0; y < side; y += 2) {
        for (int x = 0; x < side; ++x) {
            const bool top = lit(x, y);
            const bool bottom = lit(x, y + 1);
            if (top && bottom)
                out += "\u2588"; // █
            else if (top)
                out += "\u2580"; // ▀
            else if (bottom)
                out += "\u2584"; // ▄
            else
                out += ' ';
        }
        out += '\n';
    }
    return out;
}

namespace {

/// The first QR code in an 8-bit grayscale bitmap, as raw bytes.
result<std::string> decode_gray(const std::uint8_t* pixels, int width, int height, const std::string& path)
{
    const ZXing::ImageView view(pixels, width, height, ZXing::ImageFormat::Lum);
    auto hints = ZXing::DecodeHints().setFormats(ZXing::BarcodeFormat::QRCode).setTryHarder(true);
    const ZXing::Result found = ZXing::ReadBarcode(view, hints);
    if (!found.isValid()) return fail("no QR code found in " + path);
    // The raw bytes, not a character-set guess: write_png stores the text as-is in byte mode.
    const auto& content = found.bytes();
    return std::string(content.begin(), content.end());
}

struct tj_closer {
    void operator()(void* handle) const { ::tjDestroy(handle); }
};

/// A phone screenshot or camera photo of a QR code is often a JPEG; decoded to grayscale by libjpeg-turbo.
result<std::string> read_jpeg(const std::string& path, const std::vector<unsigned char>& data)
{
    const std::unique_ptr<void, tj_closer> tj(::tjInitDecompress());
    if (!tj) return fail("cannot read image " + path + ": the JPEG decoder could not start");
    int width = 0;
    int height = 0;
    int subsampling = 0;
    int colorspace = 0;
    if (::tjDecompressHeader3(tj.get(), data.data(), static_cast<unsigned long>(data.size()), &width, &height,
                              &subsampling, &colorspace) != 0)
        return fail("cannot read image " + path + ": " + ::tjGetErrorStr2(tj.get()));
    if (width <= 0 || height <= 0 || static_cast<std::uint32_t>(width) > max_image_side ||
        static_cast<std::uint32_t>(height) > max_image_side)
        return fail("cannot read image " + path + ": " + std::to_string(width) + "x" + std::to_string(height) +
                    " pixels is outside the supported size");
    std::vector<unsigned char> pixels(static_cast<std::size_t>(width) * static_cast<std::size_t>(height));
    // A truncated or slightly damaged file still decodes what is there (a warning); only a fatal error stops.
    if (::tjDecompress2(tj.get(), data.data(), static_cast<unsigned long>(data.size()), pixels.data(), width, 0,
                        height, TJPF_GRAY, TJFLAG_ACCURATEDCT) != 0 &&
        ::tjGetErrorCode(tj.get()) == TJERR_FATAL)
        return fail("cannot read image " + path + ": " + ::tjGetErrorStr2(tj.get()));
    return decode_gray(pixels.data(), width, height, path);
}

} // namespace

result<std::string> read_image(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail("cannot read image " + path + ": " + std::strerror(errno));
    unsigned char magic[8] = {};
    in.read(reinterpret_cast<char*>(magic), sizeof magic);
    if (in.gcount() >= 3 && magic[0] == 0xFF && magic[1] == 0xD8 && magic[2] == 0xFF) {
        in.seekg(0, std::ios::end);
        const auto size = static_cast<std::streamoff>(in.tellg());
        constexpr std::streamoff max_file = 64LL * 1024 * 1024;
        if (size > max_file) return fail("cannot read image " + path + ": larger than 64 MiB");
        in.seekg(0);
        std::vector<unsigned char> data(static_cast<std::size_t>(size));
        if (!in.read(reinterpret_cast<char*>(data.data()), size))
            return fail("cannot read image " + path + ": " + std::strerror(errno));
        return read_jpeg(path, data);
    }
    static constexpr unsigned char png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    if (in.gcount() == 8 && std::memcmp(magic, png_magic, 8) == 0) return read_png(path);
    return fail("cannot read image " + path + ": it is neither a PNG nor a JPEG file");
}

result<std::string> read_png(const std::string& path)
{
    png_image image{};
    image.version = PNG_IMAGE_VERSION;
    png_image_guard guard{&image};
    if (::png_image_begin_read_from_file(&image, path.c_str()) == 0) {
        // libpng reports a missing file as a bare "png_image_begin_read_from_file: No such file or directory".
        std::string why = image.message;
        if (auto colon = why.find(": "); why.starts_with("png_image_") && colon != std::string::npos)
            why.erase(0, colon + 2);
        return fail("cannot read image " + path + ": " + why);
    }
    if (image.width == 0 || image.height == 0 || image.width > max_image_side || image.height > max_image_side) {
        return fail("cannot read image " + path + ": " + std::to_string(image.width) + "x" +
                    std::to_string(image.height) + " pixels is outside the supported size");
    }
    image.format = PNG_FORMAT_GRAY;
    std::vector<png_byte> pixels(PNG_IMAGE_SIZE(image));
    const png_color white{0xFF, 0xFF, 0xFF}; // transparent backgrounds must come out light, not black
    if (::png_image_finish_read(&image, &white, pixels.data(), 0, nullptr) == 0) {
        return fail("cannot read image " + path + ": " + image.message);
    }

    return decode_gray(pixels.data(), static_cast<int>(image.width), static_cast<int>(image.height), path);
}

} // namespace openrsp::qr
