// Files and folders that appear complete or not at all. Each is written under a temporary
// name beside its target, flushed to disk, then renamed over the target, so a crash, a full
// disk or an exception mid-write leaves the old target (or none), never a partial one.
//
//   write_file_atomic(dir / "state.json", text);
//
//   AtomicFile f(dir / "lora.safetensors");
//   f.write(header.data(), header.size());
//   f.commit();                    // without commit(), the destructor discards the bytes
//
//   AtomicDirectory ckpt(out / "checkpoint-500");
//   write_file_atomic(ckpt.path() / "state.json", text);
//   ckpt.commit();                 // replaces an existing checkpoint-500 safely
//
// Failures (a full disk, a missing permission) throw reel::Error naming the path and the
// system's reason.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>

namespace reel {

// Writes `bytes` to `path` atomically.
void write_file_atomic(const std::filesystem::path& path, std::string_view bytes);

// A file written in pieces: "<target>.tmp-XXXXXX" in the target's folder until commit().
class AtomicFile {
 public:
  // Creates the temporary file; the target's folder must exist.
  explicit AtomicFile(std::filesystem::path target);
  // Without commit(): closes and removes the temporary file; the target is untouched.
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, size_t n);
  void write(std::string_view bytes) { write(bytes.data(), bytes.size()); }

  // Flushes the data to disk, renames the file over the target and flushes the folder entry.
  void commit();

  const std::filesystem::path& target() const { return target_; }
  const std::filesystem::path& temp_path() const { return temp_; }
  uint64_t bytes_written() const { return written_; }

 private:
  void discard() noexcept;

  std::filesystem::path target_, temp_;
  int fd_ = -1;
  uint64_t written_ = 0;
  bool failed_ = false, committed_ = false;
};

// A folder (a checkpoint) built under "<target>.tmp-XXXXXX" beside the target, then renamed
// into place by commit().
class AtomicDirectory {
 public:
  // Creates the temporary folder; the target's parent folder must exist.
  explicit AtomicDirectory(std::filesystem::path target);
  // Without commit(): removes the temporary folder and everything in it.
  ~AtomicDirectory();
  AtomicDirectory(const AtomicDirectory&) = delete;
  AtomicDirectory& operator=(const AtomicDirectory&) = delete;

  // The temporary folder to write into.
  const std::filesystem::path& path() const { return temp_; }
  const std::filesystem::path& target() const { return target_; }

  // Flushes every file and folder inside to disk, then puts the folder at the target. An
  // existing target is swapped out in one atomic step where the file system supports it
  // (renameat2 RENAME_EXCHANGE), else renamed aside, replaced and deleted, so that a crash
  // leaves either the old or the new folder at the target, or the old one beside it.
  void commit();

 private:
  std::filesystem::path target_, temp_;
  bool committed_ = false;
};

namespace detail {
// Puts the folder `from` at `to`, replacing an existing `to` as AtomicDirectory::commit()
// describes. `allow_exchange` false forces the rename-aside path (exposed for tests).
void replace_directory(const std::filesystem::path& from, const std::filesystem::path& to,
                       bool allow_exchange = true);
}  // namespace detail

}  // namespace reel
