// Fuzz target: the audio loader. The bytes are opened as a stem through libsndfile's
// virtual I/O (any format it detects), in another process first as stemviz opens a file,
// checked as probe_stems checks a file, then read to the end as mono and as stereo and
// summed into a 48 kHz mix, as the analysis does. A damaged stem must be refused with an
// error, never read out of bounds.
#include <stemviz/audio/stems.hpp>
#include <stemviz/util/error.hpp>
#include <stemviz/util/files.hpp>

#include <sndfile.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

// The sanitizers' runtime has it; the replay build without sanitizers does not.
extern "C" __attribute__((weak)) void __sanitizer_set_death_callback(void (*callback)());

using namespace stemviz;

namespace {

struct Memory {
  const std::uint8_t* data;
  sf_count_t size;
  sf_count_t position = 0;
};

sf_count_t memory_length(void* user) { return static_cast<Memory*>(user)->size; }

sf_count_t memory_seek(sf_count_t offset, int whence, void* user) {
  auto& m = *static_cast<Memory*>(user);
  const sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? m.position : m.size;
  const sf_count_t target = base + offset;
  if (target < 0 || target > m.size) return -1;
  m.position = target;
  return m.position;
}

sf_count_t memory_read(void* out, sf_count_t count, void* user) {
  auto& m = *static_cast<Memory*>(user);
  const sf_count_t n = std::clamp<sf_count_t>(m.size - m.position, 0, count);
  if (n > 0) std::memcpy(out, m.data + m.position, static_cast<std::size_t>(n));
  m.position += n;
  return n;
}

sf_count_t memory_write(const void*, sf_count_t, void*) { return 0; }
sf_count_t memory_tell(void* user) { return static_cast<Memory*>(user)->position; }

SndfilePtr open_memory(Memory& memory, SF_INFO& info) {
  static SF_VIRTUAL_IO io{memory_length, memory_seek, memory_read, memory_write, memory_tell};
  info = {};
  return SndfilePtr(sf_open_virtual(&io, SFM_READ, &info, &memory));
}

bool write_all(int fd, const void* bytes, std::size_t size) {
  for (auto* at = static_cast<const char*>(bytes); size > 0;) {
    const ssize_t done = write(fd, at, size);
    if (done < 0 && errno == EINTR) continue;  // libFuzzer's timer signal
    if (done <= 0) return false;
    at += done;
    size -= static_cast<std::size_t>(done);
  }
  return true;
}

bool read_all(int fd, void* bytes, std::size_t size) {
  for (auto* at = static_cast<char*>(bytes); size > 0;) {
    const ssize_t done = read(fd, at, size);
    if (done < 0 && errno == EINTR) continue;
    if (done <= 0) return false;
    at += done;
    size -= static_cast<std::size_t>(done);
  }
  return true;
}

// stemviz opens each file in a child process first (its own program again, run_watched),
// since libsndfile's header parsers can loop for good on damaged bytes. A process per input
// would slow this target down many times, so one helper process, forked once, opens the
// inputs it is sent and answers each; one that does not answer in time is killed and
// replaced. The fuzzer runs on one thread, so the fork inherits no lock held elsewhere.
class OpenHelper {
 public:
  // returned, crashed (the helper died), or busy (no answer in time: refused, as stemviz
  // refuses the file).
  ChildOutcome open(const std::uint8_t* data, std::size_t size) {
    if (pid_ <= 0) start();
    if (pid_ <= 0) return ChildOutcome::unchecked;
    const std::uint64_t length = size;
    char answer = 0;
    if (write_all(to_, &length, sizeof length) && write_all(to_, data, size)) {
      // Inputs are at most a few kilobytes, opened in microseconds even under sanitizers;
      // a longer wait would slow the fuzzer down on the many mutations of a looping input.
      if (!wait_readable(from_, std::chrono::milliseconds(100))) {
        stop();
        return ChildOutcome::busy;
      }
      if (read_all(from_, &answer, 1)) return ChildOutcome::returned;
    }
    stop();
    return ChildOutcome::crashed;
  }

 private:
  void start() {
    int to[2], from[2];
    if (pipe(to) != 0) return;
    if (pipe(from) != 0) {
      close(to[0]);
      close(to[1]);
      return;
    }
    std::signal(SIGPIPE, SIG_IGN);  // a helper that died is noticed by the failed write
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      // A sanitizer report here must not make libFuzzer's artifact, which would hold the
      // input the fuzzer ran when it forked this helper: the parent reproduces the crash.
      if (&__sanitizer_set_death_callback != nullptr) __sanitizer_set_death_callback(nullptr);
      close(to[1]);
      close(from[0]);
      std::vector<std::uint8_t> bytes;
      for (std::uint64_t length = 0; read_all(to[0], &length, sizeof length);) {
        bytes.resize(length);
        if (!read_all(to[0], bytes.data(), length)) break;
        Memory memory{bytes.data(), static_cast<sf_count_t>(length)};
        SF_INFO info;
        const SndfilePtr file = open_memory(memory, info);
        if (!write_all(from[1], "", 1)) break;
      }
      _exit(0);
    }
    close(to[0]);
    close(from[1]);
    to_ = to[1];
    from_ = from[0];
  }

  void stop() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    close(to_);
    close(from_);
    pid_ = -1;
  }

  pid_t pid_ = -1;
  int to_ = -1, from_ = -1;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    constexpr std::int64_t kBlock = 4096;
    Memory memory{data, static_cast<sf_count_t>(size)};
    // As open_sndfile does the first time it opens a file. A loop is refused; a crash is
    // reproduced below, where the fuzzer sees it.
    static OpenHelper helper;
    if (helper.open(data, size) == ChildOutcome::busy) return 0;
    SF_INFO info;
    SndfilePtr file = open_memory(memory, info);
    if (!file) return 0;  // not audio: probe_stems refuses it by name
    const StemInfo stem = describe_stem("fuzz.wav", info.channels, info.samplerate, info.frames);
    StemReader reader(stem, std::move(file));
    std::vector<float> mono(kBlock), stereo(2 * kBlock), mix(2 * kBlock);
    // Headers may promise far more than the bytes hold: read at most what is there.
    const std::int64_t most = std::min<std::int64_t>(stem.samples, static_cast<std::int64_t>(size) + kBlock);
    for (std::int64_t done = 0; done < most;) {
      const std::int64_t got = reader.read_mono(mono.data(), kBlock);
      if (got <= 0) break;
      done += got;
    }
    reader.seek(0);
    MixBus bus({stem}, 48000);
    for (std::int64_t done = 0; done < most;) {
      const std::int64_t got = reader.read_stereo(stereo.data(), kBlock);
      if (got <= 0) break;
      bus.add(0, stereo.data(), got);
      while (bus.ready() > 0) bus.take(mix.data(), std::min<std::int64_t>(bus.ready(), kBlock));
      done += got;
    }
    bus.end(0);
  } catch (const InputError&) {
  } catch (const Failure&) {
    // A read error in a damaged file: reported with the file's name.
  }
  return 0;
}
