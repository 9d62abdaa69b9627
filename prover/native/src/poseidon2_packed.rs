//! 16 BabyBear values in Montgomery form (R = 2^32) operated on together: the vector type of
//! the Poseidon2 kernels. One implementation per instruction set: AVX-512 (one register),
//! AVX2 (two registers) and plain arrays (any CPU). Written with intrinsics because LLVM's
//! auto-vectoriser, given the permutation over `[[u32; 16]; 16]`, vectorised across the wrong
//! axis (gathers and scatters) and ran at scalar speed.
//!
//! The methods are `#[inline(always)]` and call `target_feature` intrinsics: the AVX types may
//! only be used inside functions compiled with those features (`poseidon2`'s dispatch does
//! that after checking the CPU), where everything inlines into straight vector code.

/// The BabyBear prime 2^31 - 2^27 + 1.
pub const P: u32 = 0x7800_0001;
/// Values per vector.
pub const LANES: usize = 16;

/// p^-1 mod 2^32, by Newton iteration (each step doubles the number of correct low bits).
pub const MU: u32 = {
    let mut inv: u32 = 1;
    let mut i = 0;
    while i < 5 {
        inv = inv.wrapping_mul(2u32.wrapping_sub(P.wrapping_mul(inv)));
        i += 1;
    }
    inv
};

/// a * b / 2^32 mod p for a, b < p; result in [0, p).
#[inline(always)]
pub const fn mont_mul(a: u32, b: u32) -> u32 {
    let t = a as u64 * b as u64;
    let m = (t as u32).wrapping_mul(MU);
    let u = m as u64 * P as u64;
    // t and u agree in their low 32 bits, so t - u = (th - uh) * 2^32 exactly; th, uh < p.
    let r = ((t >> 32) as u32).wrapping_sub((u >> 32) as u32);
    // On a borrow r wrapped above 2^32 - p and r + p (wrapping) is the answer; otherwise
    // r + p > r. Either way the minimum is right (and it is one vpminud in the vector types).
    min(r, r.wrapping_add(P))
}

#[inline(always)]
const fn min(a: u32, b: u32) -> u32 {
    if a < b {
        a
    } else {
        b
    }
}

/// a + b mod p for a, b < p (the sum fits u32 since 2p < 2^32).
#[inline(always)]
pub const fn add(a: u32, b: u32) -> u32 {
    let s = a + b;
    min(s, s.wrapping_sub(P))
}

/// Operations on 16 values < p (Montgomery form, except `load`/`store`, which move bits).
pub trait Packed: Copy {
    fn splat(x: u32) -> Self;
    fn load(x: &[u32; LANES]) -> Self;
    fn store(self) -> [u32; LANES];
    fn add(self, o: Self) -> Self;
    /// Montgomery product: self * o / 2^32 mod p.
    fn mul(self, o: Self) -> Self;
}

/// Plain arrays: the path for CPUs without AVX2.
#[derive(Clone, Copy)]
pub struct Scalar([u32; LANES]);

impl Packed for Scalar {
    #[inline(always)]
    fn splat(x: u32) -> Self {
        Scalar([x; LANES])
    }
    #[inline(always)]
    fn load(x: &[u32; LANES]) -> Self {
        Scalar(*x)
    }
    #[inline(always)]
    fn store(self) -> [u32; LANES] {
        self.0
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        Scalar(std::array::from_fn(|l| add(self.0[l], o.0[l])))
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        Scalar(std::array::from_fn(|l| mont_mul(self.0[l], o.0[l])))
    }
}

#[cfg(target_arch = "x86_64")]
pub use x86::{Avx2, Avx512};

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{Packed, LANES, MU, P};
    use std::arch::x86_64::*;

    /// One AVX-512 register of 16 u32 lanes.
    #[derive(Clone, Copy)]
    pub struct Avx512(__m512i);

    // SAFETY (every `unsafe` block below): `Avx512` values only exist inside functions
    // compiled with avx512f (the dispatch in `poseidon2` checks the CPU first); loads and
    // stores go through references to 16 u32s, unaligned intrinsics.
    impl Packed for Avx512 {
        #[inline(always)]
        fn splat(x: u32) -> Self {
            Avx512(unsafe { _mm512_set1_epi32(x as i32) })
        }
        #[inline(always)]
        fn load(x: &[u32; LANES]) -> Self {
            Avx512(unsafe { _mm512_loadu_si512(x.as_ptr().cast()) })
        }
        #[inline(always)]
        fn store(self) -> [u32; LANES] {
            let mut out = [0u32; LANES];
            unsafe { _mm512_storeu_si512(out.as_mut_ptr().cast(), self.0) };
            out
        }
        #[inline(always)]
        fn add(self, o: Self) -> Self {
            unsafe {
                let s = _mm512_add_epi32(self.0, o.0);
                Avx512(_mm512_min_epu32(
                    s,
                    _mm512_sub_epi32(s, _mm512_set1_epi32(P as i32)),
                ))
            }
        }
        #[inline(always)]
        fn mul(self, o: Self) -> Self {
            // vpmuludq multiplies the even 32-bit lanes into 64-bit products: run it on the
            // even lanes and on the odd lanes shifted down, reduce both (Montgomery, as in
            // `mont_mul`), and blend the high halves back into 16 lanes.
            unsafe {
                let (mu, p) = (_mm512_set1_epi32(MU as i32), _mm512_set1_epi32(P as i32));
                let prod_e = _mm512_mul_epu32(self.0, o.0);
                let prod_o = _mm512_mul_epu32(
                    _mm512_srli_epi64::<32>(self.0),
                    _mm512_srli_epi64::<32>(o.0),
                );
                let qp_e = _mm512_mul_epu32(_mm512_mul_epu32(prod_e, mu), p);
                let qp_o = _mm512_mul_epu32(_mm512_mul_epu32(prod_o, mu), p);
                // High halves: even lanes shifted down, odd lanes already in place.
                let prod_hi =
                    _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64::<32>(prod_e), prod_o);
                let qp_hi = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64::<32>(qp_e), qp_o);
                let r = _mm512_sub_epi32(prod_hi, qp_hi);
                Avx512(_mm512_min_epu32(r, _mm512_add_epi32(r, p)))
            }
        }
    }

    /// Two AVX2 registers of 8 u32 lanes each.
    #[derive(Clone, Copy)]
    pub struct Avx2([__m256i; 2]);

    #[inline(always)]
    unsafe fn add8(a: __m256i, b: __m256i) -> __m256i {
        let s = _mm256_add_epi32(a, b);
        _mm256_min_epu32(s, _mm256_sub_epi32(s, _mm256_set1_epi32(P as i32)))
    }

    #[inline(always)]
    unsafe fn mul8(a: __m256i, b: __m256i) -> __m256i {
        // As in `Avx512::mul`, on 8 lanes.
        let (mu, p) = (_mm256_set1_epi32(MU as i32), _mm256_set1_epi32(P as i32));
        let prod_e = _mm256_mul_epu32(a, b);
        let prod_o = _mm256_mul_epu32(_mm256_srli_epi64::<32>(a), _mm256_srli_epi64::<32>(b));
        let qp_e = _mm256_mul_epu32(_mm256_mul_epu32(prod_e, mu), p);
        let qp_o = _mm256_mul_epu32(_mm256_mul_epu32(prod_o, mu), p);
        let prod_hi = _mm256_blend_epi32::<0b1010_1010>(_mm256_srli_epi64::<32>(prod_e), prod_o);
        let qp_hi = _mm256_blend_epi32::<0b1010_1010>(_mm256_srli_epi64::<32>(qp_e), qp_o);
        let r = _mm256_sub_epi32(prod_hi, qp_hi);
        _mm256_min_epu32(r, _mm256_add_epi32(r, p))
    }

    // SAFETY (every `unsafe` block below): as for `Avx512`, with avx2.
    impl Packed for Avx2 {
        #[inline(always)]
        fn splat(x: u32) -> Self {
            let v = unsafe { _mm256_set1_epi32(x as i32) };
            Avx2([v, v])
        }
        #[inline(always)]
        fn load(x: &[u32; LANES]) -> Self {
            unsafe {
                let p = x.as_ptr().cast::<__m256i>();
                Avx2([_mm256_loadu_si256(p), _mm256_loadu_si256(p.add(1))])
            }
        }
        #[inline(always)]
        fn store(self) -> [u32; LANES] {
            let mut out = [0u32; LANES];
            unsafe {
                let p = out.as_mut_ptr().cast::<__m256i>();
                _mm256_storeu_si256(p, self.0[0]);
                _mm256_storeu_si256(p.add(1), self.0[1]);
            }
            out
        }
        #[inline(always)]
        fn add(self, o: Self) -> Self {
            unsafe { Avx2([add8(self.0[0], o.0[0]), add8(self.0[1], o.0[1])]) }
        }
        #[inline(always)]
        fn mul(self, o: Self) -> Self {
            unsafe { Avx2([mul8(self.0[0], o.0[0]), mul8(self.0[1], o.0[1])]) }
        }
    }
}
