#include "kernels/jit/activation_emitter.h"

#include <bit>
#include <cstdint>

namespace encore::jit {
namespace {

using Xbyak::util::rip;

// Eigen's generic_fast_erf_float: erf(x) = x P(x^2) / Q(x^2) for x clamped to [-4, 4].
constexpr float kErfAlpha[] = {
    -1.60960333262415e-02f, -2.95459980854025e-03f, -7.34990630326855e-04f, -5.69250639462346e-05f,
    -2.10102402082508e-06f, 2.77068142495902e-08f,  -2.72614225801306e-10f};  // x^1, x^3, ..., x^13
constexpr float kErfBeta[] = {-1.42647390514189e-02f, -7.37332916720468e-03f,
                              -1.68282697438203e-03f, -2.13374055278905e-04f,
                              -1.45660718464996e-05f};  // x^0, x^2, ..., x^8

enum Constant : int {
  kZero,
  kHalf,
  kInvSqrt2,
  kClampHigh,
  kClampLow,
  kAlpha0,                                  // kErfAlpha[i] at kAlpha0 + i
  kBeta0 = kAlpha0 + std::size(kErfAlpha),  // kErfBeta[i] at kBeta0 + i
  kConstantCount = kBeta0 + std::size(kErfBeta),
};

float constant_value(int index) {
  switch (index) {
    case kZero:
      return 0.0f;
    case kHalf:
      return 0.5f;
    case kInvSqrt2:
      return 0.70710678118654752f;
    case kClampHigh:
      return 4.0f;
    case kClampLow:
      return -4.0f;
  }
  if (index < kBeta0) return kErfAlpha[index - kAlpha0];
  return kErfBeta[index - kBeta0];
}

Xbyak::RegRip at(const Xbyak::Label& constants, int index) {
  return rip + constants + index * 4;
}

}  // namespace

void emit_relu(Xbyak::CodeGenerator& code, const Xbyak::Zmm& v, const Xbyak::Label& constants) {
  code.vmaxps(v, v, code.ptr_b[at(constants, kZero)]);
}

void emit_gelu_erf(Xbyak::CodeGenerator& code, const Xbyak::Zmm& v, const ActivationScratch& s,
                   const Xbyak::Label& constants) {
  auto c = [&](int index) { return code.ptr_b[at(constants, index)]; };
  code.vmulps(s.x, v, c(kInvSqrt2));
  code.vminps(s.x, s.x, c(kClampHigh));
  code.vmaxps(s.x, s.x, c(kClampLow));
  code.vmulps(s.x2, s.x, s.x);
  // Horner in x^2, highest power first.
  const int alpha_last = kAlpha0 + static_cast<int>(std::size(kErfAlpha)) - 1;
  code.vbroadcastss(s.p, code.ptr[at(constants, alpha_last)]);
  for (int i = alpha_last - 1; i >= kAlpha0; --i) code.vfmadd213ps(s.p, s.x2, c(i));
  code.vmulps(s.p, s.p, s.x);
  const int beta_last = kBeta0 + static_cast<int>(std::size(kErfBeta)) - 1;
  code.vbroadcastss(s.q, code.ptr[at(constants, beta_last)]);
  for (int i = beta_last - 1; i >= kBeta0; --i) code.vfmadd213ps(s.q, s.x2, c(i));
  code.vdivps(s.p, s.p, s.q);       // erf(v / sqrt 2)
  code.vmulps(s.x, v, c(kHalf));    // h = v / 2
  code.vfmadd213ps(s.p, s.x, s.x);  // h erf + h
  code.vmovaps(v, s.p);
}

void emit_activation_constants(Xbyak::CodeGenerator& code, Xbyak::Label& constants) {
  code.align(64);
  code.L(constants);
  for (int i = 0; i < kConstantCount; ++i) code.dd(std::bit_cast<uint32_t>(constant_value(i)));
}

}  // namespace encore::jit
