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

/// a * b / 2^32 mod p for a, b in (-p, p) as i32 (the vector `mul_lazy` lane by lane); result
/// in (-p, p) as i32.
#[inline(always)]
pub const fn mont_mul_lazy(a: u32, b: u32) -> u32 {
    let t = a as i32 as i64 * b as i32 as i64;
    let q = (t as u32).wrapping_mul(MU) as i32 as i64;
    // t - q p is a multiple of 2^32 (q p = t mod 2^32): the shift is exact.
    ((t - q * P as i64) >> 32) as u32
}

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

/// a - b mod p for a, b < p: on a borrow the difference wrapped to >= 2^32 - p and adding p
/// (wrapping) gives the smaller, right value; otherwise adding p gives the larger one.
#[inline(always)]
pub const fn sub(a: u32, b: u32) -> u32 {
    let d = a.wrapping_sub(b);
    min(d, d.wrapping_add(P))
}

/// Operations on 16 values < p (Montgomery form, except `load`/`store`, which move bits).
pub trait Packed: Copy {
    fn splat(x: u32) -> Self;
    fn load(x: &[u32; LANES]) -> Self;
    fn store(self) -> [u32; LANES];
    /// Element `i` of each of the LANES rows of width `w` that make up `rows` (raw bits).
    /// Plain code gathers into an array and loads that; the array's 16 scalar stores then
    /// stall the vector load behind them (no store forwarding), which AVX-512 avoids with a
    /// gather instruction.
    #[inline(always)]
    fn gather(rows: &[u32], w: usize, i: usize) -> Self {
        let mut col = [0u32; LANES];
        for (c, row) in col.iter_mut().zip(rows.chunks_exact(w)) {
            *c = row[i];
        }
        Self::load(&col)
    }
    fn add(self, o: Self) -> Self;
    /// self - o mod p.
    fn sub(self, o: Self) -> Self;
    /// Montgomery product: self * o / 2^32 mod p.
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        self.mul_lazy(o, Self::splat(MU)).canonical()
    }
    /// Montgomery product of values in (-p, p) (lanes read as i32; canonical values qualify),
    /// left in (-p, p): |a b| < p^2 and |q p| <= 2^31 p, so (a b - q p) / 2^32 is in (-p, p).
    /// Chained products (the S-box) skip the correction to [0, p) until the end.
    ///
    /// `mu` is `splat(MU)`, passed in so that hot loops can hide its value from LLVM
    /// (`poseidon2::permute_block`): with the constant in sight, LLVM rewrites the vpmuludq by
    /// MU and inserts a useless zero-extension (two shifts) before each of the two products
    /// by p, four extra instructions per product.
    fn mul_lazy(self, o: Self, mu: Self) -> Self;
    /// A value in (-p, p) (as i32) moved to [0, p): as u32 a negative value is >= 2^32 - p
    /// and adding p (wrapping) gives the smaller, right value; otherwise adding p gives the
    /// larger one.
    fn canonical(self) -> Self;
    fn wrapping_add(self, o: Self) -> Self;
    // Raw lane operations (no reduction), for the cheap multiplications by 2^-k of the
    // internal layer. Shift counts are constants after inlining, so they compile to
    // immediate shifts.
    fn shl(self, n: u32) -> Self;
    fn shr(self, n: u32) -> Self;
    fn and(self, o: Self) -> Self;
    fn wrapping_sub(self, o: Self) -> Self;
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
    fn sub(self, o: Self) -> Self {
        Scalar(std::array::from_fn(|l| sub(self.0[l], o.0[l])))
    }
    #[inline(always)]
    fn mul_lazy(self, o: Self, _mu: Self) -> Self {
        Scalar(std::array::from_fn(|l| mont_mul_lazy(self.0[l], o.0[l])))
    }
    #[inline(always)]
    fn canonical(self) -> Self {
        Scalar(self.0.map(|x| min(x, x.wrapping_add(P))))
    }
    #[inline(always)]
    fn wrapping_add(self, o: Self) -> Self {
        Scalar(std::array::from_fn(|l| self.0[l].wrapping_add(o.0[l])))
    }
    #[inline(always)]
    fn shl(self, n: u32) -> Self {
        Scalar(self.0.map(|x| x << n))
    }
    #[inline(always)]
    fn shr(self, n: u32) -> Self {
        Scalar(self.0.map(|x| x >> n))
    }
    #[inline(always)]
    fn and(self, o: Self) -> Self {
        Scalar(std::array::from_fn(|l| self.0[l] & o.0[l]))
    }
    #[inline(always)]
    fn wrapping_sub(self, o: Self) -> Self {
        Scalar(std::array::from_fn(|l| self.0[l].wrapping_sub(o.0[l])))
    }
}

#[cfg(target_arch = "x86_64")]
pub use x86::{Avx2, Avx512};

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{Packed, LANES, P};
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
        fn gather(rows: &[u32], w: usize, i: usize) -> Self {
            // The offsets l * w must fit i32; wider rows (never seen in practice) take the
            // plain path.
            if rows.len() != LANES * w || i >= w || w > i32::MAX as usize / LANES {
                let mut col = [0u32; LANES];
                for (c, row) in col.iter_mut().zip(rows.chunks_exact(w)) {
                    *c = row[i];
                }
                return Self::load(&col);
            }
            // SAFETY: lane l reads rows[l * w + i], inside `rows` by the checks above.
            unsafe {
                let lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
                let offsets = _mm512_mullo_epi32(lanes, _mm512_set1_epi32(w as i32));
                Avx512(_mm512_i32gather_epi32::<4>(
                    offsets,
                    rows.as_ptr().add(i).cast(),
                ))
            }
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
        fn sub(self, o: Self) -> Self {
            unsafe {
                let d = _mm512_sub_epi32(self.0, o.0);
                Avx512(_mm512_min_epu32(
                    d,
                    _mm512_add_epi32(d, _mm512_set1_epi32(P as i32)),
                ))
            }
        }
        #[inline(always)]
        fn mul_lazy(self, o: Self, mu: Self) -> Self {
            // vpmuldq multiplies the even 32-bit lanes (signed) into 64-bit products: run it
            // on the even lanes and on the odd lanes moved down, reduce both (as in
            // `mont_mul_lazy`), and merge the high halves back into 16 lanes.
            unsafe {
                let (mu, p) = (mu.0, _mm512_set1_epi32(P as i32));
                let prod_e = _mm512_mul_epi32(self.0, o.0);
                let prod_o = _mm512_mul_epi32(odd_down(self.0), odd_down(o.0));
                let q_e = _mm512_mul_epu32(prod_e, mu);
                let q_o = _mm512_mul_epu32(prod_o, mu);
                // The low halves of prod and q p agree, so the 64-bit difference is exact and
                // its high half is the result: one merge instead of one per operand.
                let d_e = _mm512_sub_epi64(prod_e, _mm512_mul_epi32(q_e, p));
                let d_o = _mm512_sub_epi64(prod_o, _mm512_mul_epi32(q_o, p));
                // Even lanes: high halves of d_e moved down; odd lanes: d_o's, in place.
                Avx512(_mm512_mask_blend_epi32(
                    0xAAAA,
                    _mm512_srli_epi64::<32>(d_e),
                    d_o,
                ))
            }
        }
        #[inline(always)]
        fn canonical(self) -> Self {
            unsafe {
                Avx512(_mm512_min_epu32(
                    self.0,
                    _mm512_add_epi32(self.0, _mm512_set1_epi32(P as i32)),
                ))
            }
        }
        #[inline(always)]
        fn wrapping_add(self, o: Self) -> Self {
            Avx512(unsafe { _mm512_add_epi32(self.0, o.0) })
        }
        #[inline(always)]
        fn shl(self, n: u32) -> Self {
            Avx512(unsafe { _mm512_sll_epi32(self.0, _mm_cvtsi32_si128(n as i32)) })
        }
        #[inline(always)]
        fn shr(self, n: u32) -> Self {
            Avx512(unsafe { _mm512_srl_epi32(self.0, _mm_cvtsi32_si128(n as i32)) })
        }
        #[inline(always)]
        fn and(self, o: Self) -> Self {
            Avx512(unsafe { _mm512_and_si512(self.0, o.0) })
        }
        #[inline(always)]
        fn wrapping_sub(self, o: Self) -> Self {
            Avx512(unsafe { _mm512_sub_epi32(self.0, o.0) })
        }
    }

    /// Each odd lane copied into the even lane below it (only the even lanes matter to
    /// vpmuldq). A shuffle rather than a 64-bit shift: the shift would compete with the
    /// products for the same ports.
    #[inline(always)]
    unsafe fn odd_down(x: __m512i) -> __m512i {
        _mm512_shuffle_epi32::<0b11_11_01_01>(x)
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
    unsafe fn sub8(a: __m256i, b: __m256i) -> __m256i {
        let d = _mm256_sub_epi32(a, b);
        _mm256_min_epu32(d, _mm256_add_epi32(d, _mm256_set1_epi32(P as i32)))
    }

    /// As in `Avx512::mul_lazy`, on 8 lanes.
    #[inline(always)]
    unsafe fn mul_lazy8(a: __m256i, b: __m256i, mu: __m256i) -> __m256i {
        let p = _mm256_set1_epi32(P as i32);
        let odd_down = |x| _mm256_shuffle_epi32::<0b11_11_01_01>(x);
        let prod_e = _mm256_mul_epi32(a, b);
        let prod_o = _mm256_mul_epi32(odd_down(a), odd_down(b));
        let q_e = _mm256_mul_epu32(prod_e, mu);
        let q_o = _mm256_mul_epu32(prod_o, mu);
        let d_e = _mm256_sub_epi64(prod_e, _mm256_mul_epi32(q_e, p));
        let d_o = _mm256_sub_epi64(prod_o, _mm256_mul_epi32(q_o, p));
        _mm256_blend_epi32::<0b1010_1010>(_mm256_srli_epi64::<32>(d_e), d_o)
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
        fn sub(self, o: Self) -> Self {
            unsafe { Avx2([sub8(self.0[0], o.0[0]), sub8(self.0[1], o.0[1])]) }
        }
        #[inline(always)]
        fn mul_lazy(self, o: Self, mu: Self) -> Self {
            unsafe {
                Avx2([
                    mul_lazy8(self.0[0], o.0[0], mu.0[0]),
                    mul_lazy8(self.0[1], o.0[1], mu.0[1]),
                ])
            }
        }
        #[inline(always)]
        fn canonical(self) -> Self {
            unsafe {
                let p = _mm256_set1_epi32(P as i32);
                let c = |x| _mm256_min_epu32(x, _mm256_add_epi32(x, p));
                Avx2([c(self.0[0]), c(self.0[1])])
            }
        }
        #[inline(always)]
        fn wrapping_add(self, o: Self) -> Self {
            unsafe {
                Avx2([
                    _mm256_add_epi32(self.0[0], o.0[0]),
                    _mm256_add_epi32(self.0[1], o.0[1]),
                ])
            }
        }
        #[inline(always)]
        fn shl(self, n: u32) -> Self {
            unsafe {
                let n = _mm_cvtsi32_si128(n as i32);
                Avx2([
                    _mm256_sll_epi32(self.0[0], n),
                    _mm256_sll_epi32(self.0[1], n),
                ])
            }
        }
        #[inline(always)]
        fn shr(self, n: u32) -> Self {
            unsafe {
                let n = _mm_cvtsi32_si128(n as i32);
                Avx2([
                    _mm256_srl_epi32(self.0[0], n),
                    _mm256_srl_epi32(self.0[1], n),
                ])
            }
        }
        #[inline(always)]
        fn and(self, o: Self) -> Self {
            unsafe {
                Avx2([
                    _mm256_and_si256(self.0[0], o.0[0]),
                    _mm256_and_si256(self.0[1], o.0[1]),
                ])
            }
        }
        #[inline(always)]
        fn wrapping_sub(self, o: Self) -> Self {
            unsafe {
                Avx2([
                    _mm256_sub_epi32(self.0[0], o.0[0]),
                    _mm256_sub_epi32(self.0[1], o.0[1]),
                ])
            }
        }
    }
}
