#include <stemviz/media/versions.hpp>

#include <fmt/format.h>
#include <libyuv/version.h>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
}

#include <link.h>

namespace stemviz {

namespace {

std::string version_text(unsigned version) {
  return fmt::format("{}.{}.{}", AV_VERSION_MAJOR(version), AV_VERSION_MINOR(version), AV_VERSION_MICRO(version));
}

// libx264 is loaded by libavcodec, not linked by stemviz, and its soname carries its build
// number (libx264.so.164): read it off the loaded objects.
std::string x264_build() {
  std::string build;
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* out) {
        const std::string name = info->dlpi_name ? info->dlpi_name : "";
        const std::size_t at = name.rfind("libx264.so.");
        if (at != std::string::npos) *static_cast<std::string*>(out) = name.substr(at + 11);
        return 0;
      },
      &build);
  return build.empty() ? "unknown" : build;
}

}  // namespace

MediaVersions media_versions() {
  return {av_version_info(), version_text(avcodec_version()), version_text(avformat_version()), x264_build(),
          std::to_string(LIBYUV_VERSION)};
}

}  // namespace stemviz
