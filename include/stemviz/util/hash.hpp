// Content hashes (SHA-256, OpenSSL) for stems, feature files and cache keys. SHA-256 so
// that a user can check a stem's hash with `sha256sum`.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace stemviz {

// Bytes as lowercase hex digits, two per byte.
std::string to_hex(std::string_view bytes);

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  Sha256& update(const void* data, std::size_t size);
  Sha256& update(std::string_view text) { return update(text.data(), text.size()); }
  // The 32-byte digest; the object takes no more input after this.
  std::string digest();
  // The digest as 64 lowercase hex digits, as sha256sum prints it.
  std::string hex() { return to_hex(digest()); }

 private:
  struct ContextDeleter {
    void operator()(evp_md_ctx_st* context) const;
  };
  std::unique_ptr<evp_md_ctx_st, ContextDeleter> context_;
};

// The SHA-256 of a file's bytes, as `sha256sum` prints it. Throws InputError naming the
// file when it cannot be read.
std::string sha256_of_file(const std::filesystem::path& path);

}  // namespace stemviz
