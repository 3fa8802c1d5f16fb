// Errors and exit codes. Exit codes are part of stemviz's interface: scripts and
// schedulers decide from them whether a failed render is worth retrying.
#pragma once

#include <atomic>
#include <stdexcept>
#include <string>

namespace stemviz {

enum class ExitCode : int {
  success = 0,
  failure = 1,        // runtime failure (disk, encoder, ...): worth retrying
  usage = 2,          // bad command line
  invalid_input = 3,  // bad stems, scene or settings: retrying cannot help
  job_mismatch = 4,   // a job made by another stemviz version: retrying cannot help
  interrupted = 130,  // SIGINT/SIGTERM
};

// Base of every error stemviz reports; only main() catches it. Never thrown directly.
class Error : public std::runtime_error {
 public:
  ExitCode exit_code() const { return code_; }

 protected:
  Error(const std::string& message, ExitCode code) : std::runtime_error(message), code_(code) {}

 private:
  ExitCode code_;
};

// Something went wrong while running (I/O, libav, out of memory): exit code 1.
class Failure : public Error {
 public:
  explicit Failure(const std::string& message) : Error(message, ExitCode::failure) {}
};

// The command line is malformed or contradicts itself: exit code 2.
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& message) : Error(message, ExitCode::usage) {}
};

// The user's input (stems, files, values) cannot be rendered: exit code 3.
class InputError : public Error {
 public:
  explicit InputError(const std::string& message) : Error(message, ExitCode::invalid_input) {}
};

// A file made by another stemviz version or format (a job, a feature file): exit code 4.
class JobMismatch : public Error {
 public:
  explicit JobMismatch(const std::string& message) : Error(message, ExitCode::job_mismatch) {}
};

// The render was cancelled by a signal: exit code 130.
class Interrupted : public Error {
 public:
  Interrupted() : Error("interrupted", ExitCode::interrupted) {}
};

// Set from the SIGINT/SIGTERM handler; long-running loops poll it between frames.
std::atomic<bool>& cancel_requested();

// Throws Interrupted when a cancel was requested.
void throw_if_cancelled();

}  // namespace stemviz
