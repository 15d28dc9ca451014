//! Lookup tables for the programmable bootstrap.
//!
//! A table of `D` values (D a power of two, 2 ≤ D ≤ N) describes f over the input domain [0, D):
//! the input value v must be encoded as v·(2^63 / D) (one padding bit), and the bootstrap outputs
//! f(v)·Δout. Each value occupies a box of N/D accumulator positions; the box is centred on v so
//! that noise up to half a box either way still reads v ("approximate rounding" beyond that).

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

/// Builds the trivial GLWE accumulator for one table.
pub fn accumulator(params: &FheParams, table: &[i64], delta_out: u64) -> FheResult<GlweCiphertextOwned<u64>> {
    check_domain(params, table.len())?;
    let n = params.polynomial_size.0;
    let box_size = n / table.len();
    let mut acc = GlweCiphertext::new(0u64, params.glwe_size(), params.polynomial_size, params.ciphertext_modulus);
    {
        let mut body = acc.get_mut_body();
        let coeffs = body.as_mut();
        for (i, c) in coeffs.iter_mut().enumerate() {
            *c = (table[i / box_size] as u64).wrapping_mul(delta_out);
        }
        // Centre each box on its value: the first half box wraps to the end, negated
        // (the accumulator is negacyclic).
        let half = box_size / 2;
        for c in coeffs[..half].iter_mut() {
            *c = c.wrapping_neg();
        }
        coeffs.rotate_left(half);
    }
    Ok(acc)
}
