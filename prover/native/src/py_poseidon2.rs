//! Python bindings for Poseidon2-BabyBear width 16: batch permutation, row sponge, 2-to-1
//! compression and proof-of-work grinding, plus a scalar permutation on Python lists for the
//! verifier. Arrays cross as numpy uint32 of canonical values; every input is validated
//! (ValueError with a one-line message) before the GIL is released and the rows are spread
//! over rayon's threads.

use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray2, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyList;
use rayon::prelude::*;

use crate::poseidon2::{self, DIGEST, LANES, P, RATE, WIDTH};

fn value_error(msg: String) -> PyErr {
    PyValueError::new_err(msg)
}

/// `obj` as a 2-D uint32 array; anything else (dtype, ndim, not an array) is a ValueError.
fn u32_matrix<'py>(obj: &Bound<'py, PyAny>, what: &str) -> PyResult<PyReadonlyArray2<'py, u32>> {
    obj.extract::<PyReadonlyArray2<'py, u32>>().map_err(|_| {
        let dtype = obj
            .getattr("dtype")
            .map(|d| d.to_string())
            .unwrap_or_default();
        let ndim = obj
            .getattr("ndim")
            .map(|d| d.to_string())
            .unwrap_or_default();
        value_error(format!(
            "{what} must be a 2-D numpy uint32 array, got {} (dtype {dtype:?}, ndim {ndim:?})",
            obj.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        ))
    })
}

/// Values per task of `check_canonical`.
const CHECK_CHUNK: usize = 1 << 14;

/// Errors on the first value >= p of a row-major (n, w) matrix, naming its position.
/// A per-element rayon search (`par_iter().position_first`) neither vectorises nor keeps its
/// state in registers, and cost more than the hashing: chunks are scanned with a maximum
/// (vectorised), and only the first failing chunk is searched element by element.
fn check_canonical(flat: &[u32], w: usize, what: &str) -> PyResult<()> {
    let bad_chunk = flat
        .par_chunks(CHECK_CHUNK)
        .position_first(|c| c.iter().fold(0, |m, &v| m.max(v)) >= P);
    let first_bad = bad_chunk.map(|c| {
        let start = c * CHECK_CHUNK;
        start
            + flat[start..]
                .iter()
                .position(|&v| v >= P)
                .expect("chunk holds a bad value")
    });
    match first_bad {
        Some(pos) => Err(value_error(format!(
            "{what}[{}, {}] = {} is not a canonical BabyBear value (>= p = {P})",
            pos / w,
            pos % w,
            flat[pos]
        ))),
        None => Ok(()),
    }
}

/// Permutes each 16-value row of `flat` (rows in parallel, LANES per kernel call) and keeps
/// the first `keep` values of each result.
fn permute_keep(flat: &[u32], keep: usize) -> Vec<u32> {
    let mut out = vec![0u32; flat.len() / WIDTH * keep];
    out.par_chunks_mut(LANES * keep)
        .zip(flat.par_chunks(LANES * WIDTH))
        .for_each(|(dst, src)| poseidon2::permute_rows(src, dst, keep));
    out
}

/// The (n, 16) input of p2_permute / p2_compress, validated, permuted, `keep` columns kept.
fn permute_array<'py>(
    py: Python<'py>,
    states: &Bound<'py, PyAny>,
    what: &str,
    keep: usize,
) -> PyResult<Bound<'py, PyArray2<u32>>> {
    let arr = u32_matrix(states, what)?;
    let a = arr.as_array();
    let (n, w) = a.dim();
    if w != WIDTH {
        return Err(value_error(format!(
            "{what} must have shape (n, {WIDTH}), got ({n}, {w})"
        )));
    }
    let std = a.as_standard_layout();
    let flat = std.as_slice().expect("standard layout");
    let out = py.detach(|| -> PyResult<Vec<u32>> {
        check_canonical(flat, WIDTH, what)?;
        Ok(permute_keep(flat, keep))
    })?;
    Ok(Array2::from_shape_vec((n, keep), out)
        .expect("shape")
        .into_pyarray(py))
}

/// The Poseidon2 permutation of each row: (n, 16) uint32 -> (n, 16) uint32.
#[pyfunction]
fn p2_permute<'py>(
    py: Python<'py>,
    states: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyArray2<u32>>> {
    permute_array(py, states, "states", WIDTH)
}

/// Truncated permutation, the 2-to-1 Merkle compression of left || right digests:
/// (n, 16) uint32 -> (n, 8) uint32, row i = permute(pairs[i])[0..8].
#[pyfunction]
fn p2_compress<'py>(
    py: Python<'py>,
    pairs: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyArray2<u32>>> {
    permute_array(py, pairs, "pairs", DIGEST)
}

/// Sponge digest of each row: (n, w) uint32, w >= 1 -> (n, 8) uint32. State starts zero with
/// state[8] = w; each chunk of up to 8 values overwrites state[0..len], then the state is
/// permuted; the digest is state[0..8].
#[pyfunction]
fn p2_hash_rows<'py>(
    py: Python<'py>,
    rows: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyArray2<u32>>> {
    rows_digests(py, rows, DIGEST, None, |src, w, _, dst| {
        poseidon2::hash_rows(src, w, dst)
    })
}

/// The same sponge with a runtime shape (the 128-bit security profile): rate `rate` (1..=15),
/// capacity element `rate` starting at `tag` (default: the row width w; < p), digests of
/// `digest` (1..=16) elements: (n, w) uint32, w >= 1 -> (n, digest) uint32.
#[pyfunction]
#[pyo3(signature = (rows, rate, digest, tag=None))]
fn p2_sponge_rows<'py>(
    py: Python<'py>,
    rows: &Bound<'py, PyAny>,
    rate: usize,
    digest: usize,
    tag: Option<u32>,
) -> PyResult<Bound<'py, PyArray2<u32>>> {
    check_sponge_shape(rate, digest)?;
    if let Some(t) = tag {
        if t >= P {
            return Err(value_error(format!("tag {t} is not below p = {P}")));
        }
    }
    rows_digests(py, rows, digest, tag, |src, w, tag, dst| {
        poseidon2::sponge_rows(src, w, rate, tag, digest, dst)
    })
}

/// ValueError unless 1 <= rate < WIDTH and 1 <= digest <= WIDTH.
fn check_sponge_shape(rate: usize, digest: usize) -> PyResult<()> {
    if !(1..WIDTH).contains(&rate) || !(1..=WIDTH).contains(&digest) {
        return Err(value_error(format!(
            "a sponge needs 1 <= rate < {WIDTH} and 1 <= digest <= {WIDTH}, got rate {rate}, \
             digest {digest}"
        )));
    }
    Ok(())
}

/// The (n, `digest`) digests of the rows of a validated (n, w >= 1) matrix, LANES rows per
/// `hash(src, w, tag, dst)` call (`tag`: the given one, else w), rows in parallel.
fn rows_digests<'py, F>(
    py: Python<'py>,
    rows: &Bound<'py, PyAny>,
    digest: usize,
    tag: Option<u32>,
    hash: F,
) -> PyResult<Bound<'py, PyArray2<u32>>>
where
    F: Fn(&[u32], usize, u32, &mut [u32]) + Sync,
{
    let arr = u32_matrix(rows, "rows")?;
    let a = arr.as_array();
    let (n, w) = a.dim();
    if w == 0 {
        return Err(value_error(format!(
            "rows must have at least one column, got shape ({n}, 0)"
        )));
    }
    let tag = tag.unwrap_or((w % P as usize) as u32);
    let std = a.as_standard_layout();
    let flat = std.as_slice().expect("standard layout");
    let out = py.detach(|| -> PyResult<Vec<u32>> {
        check_canonical(flat, w, "rows")?;
        let mut out = vec![0u32; n * digest];
        out.par_chunks_mut(LANES * digest)
            .zip(flat.par_chunks(LANES * w))
            .for_each(|(dst, src)| hash(src, w, tag, dst));
        Ok(out)
    })?;
    Ok(Array2::from_shape_vec((n, digest), out)
        .expect("shape")
        .into_pyarray(py))
}

/// A sequence of at most `max_len` canonical BabyBear ints (any iterable of Python ints).
fn canonical_ints(obj: &Bound<'_, PyAny>, what: &str, max_len: usize) -> PyResult<Vec<u32>> {
    let items = obj
        .try_iter()
        .map_err(|_| value_error(format!("{what} must be a sequence of ints")))?;
    let mut out = Vec::new();
    for (i, item) in items.enumerate() {
        let v = item
            .and_then(|x| x.extract::<i64>())
            .map_err(|_| value_error(format!("{what}[{i}] is not a 64-bit int")))?;
        if !(0..P as i64).contains(&v) {
            return Err(value_error(format!(
                "{what}[{i}] = {v} is not a canonical BabyBear value (0 <= v < {P})"
            )));
        }
        if out.len() == max_len {
            return Err(value_error(format!(
                "{what} holds more than {max_len} values"
            )));
        }
        out.push(v as u32);
    }
    Ok(out)
}

/// The permutation of one state of 16 canonical ints, as a list of 16 ints: the native
/// verifier's entry (one permutation per call, so no numpy round trip and no thread hand-off;
/// the GIL is kept for the microsecond it takes). Anything but 16 canonical ints (a shorter or
/// longer sequence, a value outside [0, p), a non-int) is a ValueError.
#[pyfunction]
fn p2_permute_list<'py>(
    py: Python<'py>,
    state: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyList>> {
    let vals = canonical_ints(state, "state", WIDTH)?;
    let state: [u32; WIDTH] = vals.try_into().map_err(|s: Vec<u32>| {
        value_error(format!("state must hold {WIDTH} values, got {}", s.len()))
    })?;
    PyList::new(py, poseidon2::permute(&state))
}

/// Nonces tried per parallel round of grinding, at first and at most: rounds keep the search
/// in increasing nonce order (a rayon search over [0, p) at once would split it into halves and
/// make one thread start near p / 2), and grow so that long searches amortise the round trips.
const GRIND_FIRST_ROUND: u32 = 16 * LANES as u32;
const GRIND_MAX_ROUND: u32 = 1 << 16;

/// Proof-of-work: the smallest nonce in [0, p) such that, with s = state, s[0..k] = pending
/// (k = len(pending) <= 7), s[k] = nonce, s = permute(s), the low `bits` bits (0..=30) of s[7]
/// are zero. Raises ValueError when no nonce in [0, p) qualifies.
#[pyfunction]
fn p2_grind(
    py: Python<'_>,
    state: &Bound<'_, PyAny>,
    pending: &Bound<'_, PyAny>,
    bits: &Bound<'_, PyAny>,
) -> PyResult<u32> {
    let state = canonical_ints(state, "state", WIDTH)?;
    let state: [u32; WIDTH] = state.try_into().map_err(|s: Vec<u32>| {
        value_error(format!("state must hold {WIDTH} values, got {}", s.len()))
    })?;
    let pending = canonical_ints(pending, "pending", RATE - 1)?;
    let bits = bits
        .extract::<i64>()
        .ok()
        .filter(|b| (0..=30).contains(b))
        .ok_or_else(|| value_error(format!("bits must be an int in 0..=30, got {bits}")))?;
    let mask = (1u32 << bits) - 1;
    let mut base = state;
    base[..pending.len()].copy_from_slice(&pending);
    let base = poseidon2::to_mont_state(&base);
    let slot = pending.len();
    let found = py.detach(|| {
        let (mut start, mut round) = (0u32, GRIND_FIRST_ROUND);
        while start < P {
            let end = start.saturating_add(round).min(P);
            let hit = (start / LANES as u32..end.div_ceil(LANES as u32))
                .into_par_iter()
                .find_map_first(|b| poseidon2::grind_lanes(&base, slot, b * LANES as u32, mask));
            if hit.is_some() {
                return hit;
            }
            start = end;
            round = (round * 2).min(GRIND_MAX_ROUND);
        }
        None
    });
    found.ok_or_else(|| value_error(format!("no nonce in [0, p) gives {bits} zero bits")))
}

/// Rows per task of `p2_hash_lifted` (its gather buffer: `LIFTED_BLOCK * w` values).
const LIFTED_BLOCK: usize = 8 * LANES;

/// Lifted Merkle leaves (the Poseidon2 lifted-tree layout): for i < 2^log_height, leaf i is
/// the row sponge (as `p2_hash_rows`) of `d_0[i >> (H - h_0)] || ... || d_{T-1}[...] ||
/// salts[i]`, where `digests[t]` is a (2^h_t, 8) digest matrix (h_t <= H) and `salts` an
/// optional (2^H, s) matrix. The lifted rows are gathered block by block, never materialised.
#[pyfunction]
#[pyo3(signature = (digests, log_height, salts=None))]
fn p2_hash_lifted<'py>(
    py: Python<'py>,
    digests: &Bound<'py, PyAny>,
    log_height: u32,
    salts: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyArray2<u32>>> {
    lifted_digests(py, digests, log_height, salts, DIGEST, |src, w, dst| {
        poseidon2::hash_rows(src, w, dst)
    })
}

/// `p2_hash_lifted` with the runtime sponge shape of `p2_sponge_rows` (tag: the row width):
/// `digests[t]` are (2^h_t, `digest`) matrices and the leaves (2^H, `digest`).
#[pyfunction]
#[pyo3(signature = (digests, log_height, rate, digest, salts=None))]
fn p2_sponge_lifted<'py>(
    py: Python<'py>,
    digests: &Bound<'py, PyAny>,
    log_height: u32,
    rate: usize,
    digest: usize,
    salts: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyArray2<u32>>> {
    check_sponge_shape(rate, digest)?;
    lifted_digests(py, digests, log_height, salts, digest, |src, w, dst| {
        poseidon2::sponge_rows(src, w, rate, (w % P as usize) as u32, digest, dst)
    })
}

/// The lifted leaves of `p2_hash_lifted` for digests of `dw` elements, LANES gathered rows
/// per `hash(src, w, dst)` call.
fn lifted_digests<'py, F>(
    py: Python<'py>,
    digests: &Bound<'py, PyAny>,
    log_height: u32,
    salts: Option<&Bound<'py, PyAny>>,
    dw: usize,
    hash: F,
) -> PyResult<Bound<'py, PyArray2<u32>>>
where
    F: Fn(&[u32], usize, &mut [u32]) + Sync,
{
    if log_height > 30 {
        return Err(value_error(format!("log_height {log_height} is above 30")));
    }
    let n = 1usize << log_height;
    let list = digests
        .try_iter()
        .map_err(|_| value_error("digests must be a sequence of arrays".to_string()))?;
    let mut arrays = Vec::new();
    for (t, item) in list.enumerate() {
        let item = item?;
        arrays.push(u32_matrix(&item, &format!("digests[{t}]"))?);
    }
    if arrays.is_empty() {
        return Err(value_error(
            "digests must hold at least one matrix".to_string(),
        ));
    }
    let mut shifts = Vec::with_capacity(arrays.len());
    let mut flats = Vec::with_capacity(arrays.len());
    let views: Vec<_> = arrays.iter().map(|a| a.as_array()).collect();
    let stds: Vec<_> = views.iter().map(|v| v.as_standard_layout()).collect();
    for (t, a) in stds.iter().enumerate() {
        let (rows, cols) = a.dim();
        if cols != dw || !rows.is_power_of_two() || rows > n {
            return Err(value_error(format!(
                "digests[{t}] must have shape (2^h, {dw}) with h <= {log_height}, got ({rows}, {cols})"
            )));
        }
        shifts.push(log_height - rows.trailing_zeros());
        flats.push(a.as_slice().expect("standard layout"));
    }
    let salt_arr = salts.map(|s| u32_matrix(s, "salts")).transpose()?;
    let salt_view = salt_arr.as_ref().map(|a| a.as_array());
    let salt_std = salt_view.as_ref().map(|v| v.as_standard_layout());
    let (salt_flat, s_len) = match &salt_std {
        Some(a) => {
            let (rows, cols) = a.dim();
            if rows != n {
                return Err(value_error(format!(
                    "salts must have {n} rows, got ({rows}, {cols})"
                )));
            }
            (a.as_slice().expect("standard layout"), cols)
        }
        None => (&[][..], 0),
    };
    let t_count = flats.len();
    let w = t_count * dw + s_len;
    let out = py.detach(|| -> PyResult<Vec<u32>> {
        for (t, f) in flats.iter().enumerate() {
            check_canonical(f, dw, &format!("digests[{t}]"))?;
        }
        if s_len > 0 {
            check_canonical(salt_flat, s_len, "salts")?;
        }
        let mut out = vec![0u32; n * dw];
        out.par_chunks_mut(LIFTED_BLOCK * dw)
            .enumerate()
            .for_each(|(b, dst)| {
                let first = b * LIFTED_BLOCK;
                let rows = dst.len() / dw;
                let mut buf = vec![0u32; rows * w];
                for (r, row) in buf.chunks_exact_mut(w).enumerate() {
                    let i = first + r;
                    for (t, (f, &sh)) in flats.iter().zip(&shifts).enumerate() {
                        let j = (i >> sh) * dw;
                        row[t * dw..(t + 1) * dw].copy_from_slice(&f[j..j + dw]);
                    }
                    if s_len > 0 {
                        row[t_count * dw..].copy_from_slice(&salt_flat[i * s_len..(i + 1) * s_len]);
                    }
                }
                for (d, src) in dst.chunks_mut(LANES * dw).zip(buf.chunks(LANES * w)) {
                    hash(src, w, d);
                }
            });
        Ok(out)
    })?;
    Ok(Array2::from_shape_vec((n, dw), out)
        .expect("shape")
        .into_pyarray(py))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(p2_permute, m)?)?;
    m.add_function(wrap_pyfunction!(p2_permute_list, m)?)?;
    m.add_function(wrap_pyfunction!(p2_compress, m)?)?;
    m.add_function(wrap_pyfunction!(p2_hash_rows, m)?)?;
    m.add_function(wrap_pyfunction!(p2_grind, m)?)?;
    m.add_function(wrap_pyfunction!(p2_hash_lifted, m)?)?;
    m.add_function(wrap_pyfunction!(p2_sponge_rows, m)?)?;
    m.add_function(wrap_pyfunction!(p2_sponge_lifted, m)?)?;
    Ok(())
}
