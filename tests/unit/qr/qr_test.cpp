#include "openrsp/qr/qr.h"

#include <gtest/gtest.h>
#include <png.h>
#include <turbojpeg.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

/// A per-test scratch directory, removed afterwards.
class qr_test : public ::testing::Test {
protected:
    void SetUp() override
    {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        m_dir =
            fs::temp_directory_path() / ("openrsp_qr_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
        fs::create_directories(m_dir);
    }
    void TearDown() override { fs::remove_all(m_dir); }
    std::string file(const std::string& name) const { return (m_dir / name).string(); }

    fs::path m_dir;
};

/// Splits on '\n' (the output ends with one, so no trailing empty element).
std::vector<std::string> lines_of(const std::string& text)
{
    std::vector<std::string> lines;
    std::size_t start = 0;
    for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
        lines.push_back(text.substr(start, nl - start));
    EXPECT_EQ(start, text.size()) << "output must end with a newline";
    return lines;
}

/// Counts the cells of a line, failing on anything but the four allowed glyphs.
std::size_t cells_of(const std::string& line)
{
    static const std::string full = "\u2588", upper = "\u2580", lower = "\u2584";
    std::size_t cells = 0;
    for (std::size_t i = 0; i < line.size(); ++cells) {
        if (line[i] == ' ') {
            ++i;
        } else if (line.compare(i, 3, full) == 0 || line.compare(i, 3, upper) == 0 || line.compare(i, 3, lower) == 0) {
            i += 3;
        } else {
            ADD_FAILURE() << "unexpected byte at " << i << " in: " << line;
            return 0;
        }
    }
    return cells;
}

TEST_F(qr_test, when_activation_code_written_then_read_back_identically)
{
    const std::string code = "LPA:1$smdp.example.com:8443$ABCD-1234-EFGH";
    ASSERT_TRUE(openrsp::qr::write_png(code, file("ac.png")));
    auto back = openrsp::qr::read_png(file("ac.png"));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, code);
}

TEST_F(qr_test, when_255_chars_written_at_small_scale_then_read_back_identically)
{
    std::string text;
    for (int i = 0; text.size() < 255; ++i) text += static_cast<char>('!' + i % 90);
    ASSERT_TRUE(openrsp::qr::write_png(text, file("long.png"), 4, 4));
    auto back = openrsp::qr::read_png(file("long.png"));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, text);
}

TEST_F(qr_test, when_utf8_text_written_then_bytes_come_back_unchanged)
{
    const std::string text = "LPA:1$smdp.example.com$\xC3\xA9t\xC3\xA9"; // "été"
    ASSERT_TRUE(openrsp::qr::write_png(text, file("utf8.png")));
    auto back = openrsp::qr::read_png(file("utf8.png"));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, text);
}

TEST_F(qr_test, when_text_empty_or_too_long_then_write_fails)
{
    EXPECT_FALSE(openrsp::qr::write_png("", file("empty.png")));
    auto too_long = openrsp::qr::write_png(std::string(4000, 'x'), file("big.png"));
    ASSERT_FALSE(too_long);
    EXPECT_NE(too_long.error().message.find("too long"), std::string::npos) << too_long.error().message;
    EXPECT_FALSE(openrsp::qr::write_png("x", file("bad.png"), 0));
}

TEST_F(qr_test, when_png_is_blank_then_no_qr_code_found)
{
    std::vector<png_byte> white(64 * 64, 0xFF);
    png_image image{};
    image.version = PNG_IMAGE_VERSION;
    image.width = 64;
    image.height = 64;
    image.format = PNG_FORMAT_GRAY;
    ASSERT_NE(::png_image_write_to_file(&image, file("blank.png").c_str(), 0, white.data(), 0, nullptr), 0);

    auto r = openrsp::qr::read_png(file("blank.png"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "no QR code found in " + file("blank.png"));
}

TEST_F(qr_test, when_file_is_not_png_then_cannot_read)
{
    std::ofstream(file("text.png")) << "this is not a PNG file\n";
    auto r = openrsp::qr::read_png(file("text.png"));
    ASSERT_FALSE(r);
    EXPECT_TRUE(r.error().message.starts_with("cannot read image " + file("text.png") + ": ")) << r.error().message;
}

TEST_F(qr_test, when_file_missing_then_cannot_read)
{
    auto r = openrsp::qr::read_png(file("missing.png"));
    ASSERT_FALSE(r);
    EXPECT_TRUE(r.error().message.starts_with("cannot read image " + file("missing.png") + ": ")) << r.error().message;
}

TEST_F(qr_test, when_rendered_for_terminal_then_half_blocks_with_quiet_zone)
{
    const std::string out = openrsp::qr::render_terminal("LPA:1$smdp.example.com:8443$ABCD-1234-EFGH");
    const auto lines = lines_of(out);
    ASSERT_FALSE(lines.empty());
    const std::size_t side = cells_of(lines.front());
    // A symbol is 21 + 4k modules wide, plus 4 quiet modules each side; two module rows per line.
    ASSERT_GE(side, 29u);
    EXPECT_EQ((side - 29) % 4, 0u);
    EXPECT_EQ(lines.size(), (side + 1) / 2);
    for (const auto& line : lines) EXPECT_EQ(cells_of(line), side);

    std::string quiet_row;
    for (std::size_t i = 0; i < side; ++i) quiet_row += "\u2588";
    EXPECT_EQ(lines[0], quiet_row);
    EXPECT_EQ(lines[1], quiet_row);
    // Odd module count: the last line holds the final quiet row in its upper half only.
    std::string last_row;
    for (std::size_t i = 0; i < side; ++i) last_row += "\u2580";
    EXPECT_EQ(lines.back(), last_row);
}

TEST_F(qr_test, when_terminal_rendering_rasterized_then_it_decodes)
{
    // Blocks are light pixels, spaces dark: what a light-on-dark terminal shows.
    const std::string code = "LPA:1$smdp.example.com:8443$ABCD-1234-EFGH";
    const auto lines = lines_of(openrsp::qr::render_terminal(code));
    ASSERT_FALSE(lines.empty());
    const std::size_t side = cells_of(lines.front());
    constexpr std::size_t scale = 4;
    const std::size_t px = side * scale;
    std::vector<png_byte> pixels(px * px, 0x00);
    for (std::size_t row = 0; row < lines.size(); ++row) {
        const std::string& line = lines[row];
        for (std::size_t i = 0, x = 0; i < line.size(); ++x) {
            bool top = false, bottom = false;
            if (line[i] == ' ') {
                ++i;
            } else {
                const std::string glyph = line.substr(i, 3);
                top = glyph != "\u2584";
                bottom = glyph != "\u2580";
                i += 3;
            }
            for (std::size_t half = 0; half < 2; ++half) {
                const std::size_t y = row * 2 + half;
                if (y >= side || !(half == 0 ? top : bottom)) continue;
                for (std::size_t dy = 0; dy < scale; ++dy)
                    for (std::size_t dx = 0; dx < scale; ++dx) pixels[(y * scale + dy) * px + x * scale + dx] = 0xFF;
            }
        }
    }
    png_image image{};
    image.version = PNG_IMAGE_VERSION;
    image.width = static_cast<png_uint_32>(px);
    image.height = static_cast<png_uint_32>(px);
    image.format = PNG_FORMAT_GRAY;
    ASSERT_NE(::png_image_write_to_file(&image, file("term.png").c_str(), 0, pixels.data(), 0, nullptr), 0);
    auto back = openrsp::qr::read_png(file("term.png"));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, code);
}

TEST_F(qr_test, when_text_cannot_be_encoded_then_terminal_output_empty)
{
    EXPECT_TRUE(openrsp::qr::render_terminal("").empty());
    EXPECT_TRUE(openrsp::qr::render_terminal(std::string(4000, 'x')).empty());
}

} // namespace

namespace {

/// Reads a PNG into 8-bit gray and writes it as a JPEG of the given quality, as a phone screenshot would be saved.
void png_to_jpeg(const std::string& png, const std::string& jpeg, int quality)
{
    png_image image{};
    image.version = PNG_IMAGE_VERSION;
    ASSERT_NE(::png_image_begin_read_from_file(&image, png.c_str()), 0);
    image.format = PNG_FORMAT_GRAY;
    std::vector<png_byte> pixels(PNG_IMAGE_SIZE(image));
    ASSERT_NE(::png_image_finish_read(&image, nullptr, pixels.data(), 0, nullptr), 0);
    tjhandle tj = ::tjInitCompress();
    ASSERT_NE(tj, nullptr);
    unsigned char* out = nullptr;
    unsigned long out_size = 0;
    const int rc = ::tjCompress2(tj, pixels.data(), static_cast<int>(image.width), 0, static_cast<int>(image.height),
                                 TJPF_GRAY, &out, &out_size, TJSAMP_GRAY, quality, 0);
    if (rc == 0) std::ofstream(jpeg, std::ios::binary).write(reinterpret_cast<const char*>(out), static_cast<long>(out_size));
    ::tjFree(out);
    ::tjDestroy(tj);
    ASSERT_EQ(rc, 0);
}

} // namespace

TEST_F(qr_test, when_image_is_a_jpeg_then_read_image_decodes_it)
{
    const std::string ac = "LPA:1$smdp.example.com:8443$K2LQ-7FZP-3WXA-9M4C";
    ASSERT_TRUE(openrsp::qr::write_png(ac, file("ac.png"), 4));
    // Quality 50 blurs module edges the way a screenshot or photo does; the decoder must still read it.
    png_to_jpeg(file("ac.png"), file("ac.jpg"), 50);
    auto back = openrsp::qr::read_image(file("ac.jpg"));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, ac);
    // The same call still reads PNG; the format comes from the file's signature, not its name.
    std::filesystem::copy_file(file("ac.png"), file("ac.jpeg"));
    auto png = openrsp::qr::read_image(file("ac.jpeg"));
    ASSERT_TRUE(png) << png.error().message;
    EXPECT_EQ(*png, ac);
}

TEST_F(qr_test, when_image_is_neither_png_nor_jpeg_or_a_broken_jpeg_then_cannot_read)
{
    std::ofstream(file("text.jpg")) << "this is not an image\n";
    auto r = openrsp::qr::read_image(file("text.jpg"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "cannot read image " + file("text.jpg") + ": it is neither a PNG nor a JPEG file");

    std::ofstream(file("cut.jpg"), std::ios::binary) << std::string("\xFF\xD8\xFF\xE0\x00\x10JFIF", 10);
    r = openrsp::qr::read_image(file("cut.jpg"));
    ASSERT_FALSE(r);
    EXPECT_TRUE(r.error().message.starts_with("cannot read image " + file("cut.jpg") + ": ")) << r.error().message;

    r = openrsp::qr::read_image(file("missing.jpg"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "cannot read image " + file("missing.jpg") + ": No such file or directory");
}
