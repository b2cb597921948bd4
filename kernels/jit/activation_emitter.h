// Emits the epilogue activations on one zmm register, for any CodeGenerator. Constants live in a
// table the kernel emits after its code (emit_activation_constants), addressed rip-relative.
#pragma once

#include <xbyak/xbyak.h>

namespace encore::jit {

// Scratch registers the GELU sequence may clobber.
struct ActivationScratch {
  Xbyak::Zmm x, x2, p, q;
};

// v = max(v, 0).
void emit_relu(Xbyak::CodeGenerator& code, const Xbyak::Zmm& v, const Xbyak::Label& constants);

// v = 0.5 v (1 + erf(v / sqrt 2)), the exact-erf GELU of transformers. erf is Eigen's rational
// approximation on [-4, 4] (|error| < 2e-7 absolute; erf is ±1 in float beyond), no exp needed.
void emit_gelu_erf(Xbyak::CodeGenerator& code, const Xbyak::Zmm& v, const ActivationScratch& s,
                   const Xbyak::Label& constants);

// Emits the 64-byte aligned constant table at the current position and binds `constants` to it.
void emit_activation_constants(Xbyak::CodeGenerator& code, Xbyak::Label& constants);

}  // namespace encore::jit
