#include <stemviz/analysis/fft.hpp>

#include <stemviz/util/error.hpp>

#include <cmath>
#include <numbers>

namespace stemviz {

HannFft::HannFft(int size) : size_(size), hann_(static_cast<std::size_t>(size)) {
  for (int i = 0; i < size; ++i) {
    hann_[static_cast<std::size_t>(i)] = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * i / size);
  }
  input_.reset(fftw_alloc_real(static_cast<std::size_t>(size)));
  output_.reset(fftw_alloc_complex(static_cast<std::size_t>(bins())));
  if (!input_ || !output_) throw Failure("out of memory for the spectrum analysis");
  plan_.reset(fftw_plan_dft_r2c_1d(size, input_.get(), output_.get(), FFTW_ESTIMATE));
  if (!plan_) throw Failure("FFTW could not plan the spectrum analysis");
}

void HannFft::run(const CentredWindows& windows, std::int64_t start) {
  for (int i = 0; i < size_; ++i) {
    input_[static_cast<std::size_t>(i)] = windows.sample(start + i) * hann_[static_cast<std::size_t>(i)];
  }
  fftw_execute(plan_.get());
}

}  // namespace stemviz
