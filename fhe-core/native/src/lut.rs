//! Lookup tables for the programmable bootstrap.
//!
//! A table of `D` values (D a power of two, 2 ≤ D ≤ N) describes f over the input domain [0, D):
//! the input value v must be encoded as v·(2^63 / D) (one padding bit), and the bootstrap outputs
//! f(v)·Δout. Each value occupies a box of N/D accumulator positions; the box is centred on v so
//! that noise up to half a box either way still reads v ("approximate rounding" beyond that).
//!
//! The bootstrap reads a phase on a circle of 2N positions; the second half is negacyclic: a plain
//! table reads −f(v − D) there, so a value that leaves [0, D) comes back with the wrong sign. A
//! *saturating* table is stored as (2f − s)·Δout/2 with s = f(0) + f(D − 1), and s·Δout/2 is added
//! to the bootstrap's output: the first half still reads f, the second half reads s − f(v − D).
//! When f is flat near both ends, that second half continues each end with its own value (just
//! past the top it reads s − f(0) = f(D − 1), just below 0 it reads s − f(D − 1) = f(0)), so a value
//! that overshoots either end by less than the flat length reads the nearer end's value.

use crate::error::{ensure, FheResult};
use crate::params::FheParams;
use tfhe::core_crypto::prelude::*;

/// Input encoding scale for a table over a domain of `domain` values.
pub fn input_delta(domain: usize) -> u64 {
    (1u64 << 63) / domain as u64
}

pub fn check_domain(params: &FheParams, domain: usize) -> FheResult<()> {
    let n = params.polynomial_size.0;
    ensure(domain.is_power_of_two() && domain >= 2 && domain <= n, || {
        format!("lookup table domain {domain} must be a power of two in [2, {n}]")
    })
}

/// A table's accumulator and the constant added to every bootstrap output through it.
pub struct Accumulator {
    pub glwe: GlweCiphertextOwned<u64>,
    pub output_offset: u64,
}

/// Builds the trivial GLWE accumulator for one table; `saturating` as in the module doc (then
/// `delta_out` must be even, so that Δout/2 is exact).
pub fn accumulator(params: &FheParams, table: &[i64], delta_out: u64, saturating: bool) -> FheResult<Accumulator> {
    check_domain(params, table.len())?;
    ensure(!saturating || delta_out % 2 == 0, || {
        format!("a saturating table needs an even output delta, got {delta_out}")
    })?;
    let n = params.polynomial_size.0;
    let box_size = n / table.len();
    // Wrapping arithmetic: (2f − s)·Δ/2 + s·Δ/2 = f·Δ holds modulo 2^64 whatever the values.
    let (sum, scale) = if saturating {
        let ends = table[0].wrapping_add(table[table.len() - 1]) as u64;
        (ends, delta_out / 2)
    } else {
        (0, delta_out)
    };
    let stored = |f: i64| {
        let f = f as u64;
        if saturating { f.wrapping_mul(2).wrapping_sub(sum) } else { f }
    };
    let mut acc = GlweCiphertext::new(0u64, params.glwe_size(), params.polynomial_size, params.ciphertext_modulus);
    {
        let mut body = acc.get_mut_body();
        let coeffs = body.as_mut();
        for (i, c) in coeffs.iter_mut().enumerate() {
            *c = stored(table[i / box_size]).wrapping_mul(scale);
        }
        // Centre each box on its value: the first half box wraps to the end, negated
        // (the accumulator is negacyclic).
        let half = box_size / 2;
        for c in coeffs[..half].iter_mut() {
            *c = c.wrapping_neg();
        }
        coeffs.rotate_left(half);
    }
    Ok(Accumulator { glwe: acc, output_offset: sum.wrapping_mul(scale) })
}
