//! The engine's operations, all on whole vectors and batches.
//!
//! Client side: encrypt integer vectors (one seeded GLWE each), decrypt LWE results.
//! Server side: dense layer on a GLWE, keyswitch + programmable bootstrap with one table per
//! output, levelled dense layer on LWEs, output compaction. Server operations run on the server
//! key's rayon pool, parallel over outputs.

use crate::ciphertext::{CompactBatch, GlweBatch, LweBatch};
use crate::error::{ensure, FheError, FheResult};
use crate::keys::{ClientKey, ServerKey};
use crate::lut;
use rayon::prelude::*;
use tfhe::core_crypto::fft_impl::fft64::math::fft::Fft;
use tfhe::core_crypto::prelude::*;
use tfhe::core_crypto::seeders::new_seeder;

fn check_params(expected: &str, actual: &str, what: &str) -> FheResult<()> {
    if expected == actual {
        Ok(())
    } else {
        Err(FheError::ParameterMismatch(format!(
            "{what} was made for parameter set '{actual}' but the key uses '{expected}'"
        )))
    }
}

fn check_matrix(inputs: usize, outputs: usize, weights: &[i64], bias: &[i64]) -> FheResult<()> {
    ensure(inputs >= 1 && outputs >= 1, || {
        format!("layer dimensions must be positive, got {inputs} inputs x {outputs} outputs")
    })?;
    ensure(weights.len() == inputs * outputs, || {
        format!(
            "weight matrix has {} values, expected {outputs} outputs x {inputs} inputs = {}",
            weights.len(),
            inputs * outputs
        )
    })?;
    ensure(bias.len() == outputs, || {
        format!("bias has {} values, expected {outputs}", bias.len())
    })
}

// ---------------------------------------------------------------- client side

/// Encrypts `values.len() / vector_len` vectors; value i of a vector goes to coefficient i as
/// `value · delta` (wrapping, so negative values are allowed).
pub fn encrypt(ck: &ClientKey, values: &[i64], vector_len: usize, delta: u64) -> FheResult<GlweBatch> {
    let p = &ck.params;
    let n = p.polynomial_size.0;
    ensure(vector_len >= 1 && vector_len <= n, || {
        format!("vector length {vector_len} must be in [1, {n}]")
    })?;
    ensure(!values.is_empty() && values.len() % vector_len == 0, || {
        format!(
            "{} values do not form whole vectors of length {vector_len}",
            values.len()
        )
    })?;
    let mut seeder = new_seeder();
    let ciphertexts = values
        .chunks(vector_len)
        .map(|vector| {
            let mut plaintexts = PlaintextList::new(0u64, PlaintextCount(n));
            for (pt, &v) in plaintexts.as_mut().iter_mut().zip(vector) {
                *pt = (v as u64).wrapping_mul(delta);
            }
            let mut ct = SeededGlweCiphertext::new(
                0u64,
                p.glwe_size(),
                p.polynomial_size,
                seeder.seed().into(),
                p.ciphertext_modulus,
            );
            encrypt_seeded_glwe_ciphertext(
                &ck.data.glwe_secret_key,
                &mut ct,
                &plaintexts,
                p.glwe_noise,
                seeder.as_mut(),
            );
            ct
        })
        .collect();
    Ok(GlweBatch { params_name: p.name.to_string(), ciphertexts })
}

/// Raw phases (message · Δ + noise) of every LWE in the batch, query-major.
pub fn phases(ck: &ClientKey, batch: &LweBatch) -> FheResult<Vec<u64>> {
    check_params(ck.params.name, &batch.params_name, "LWE batch")?;
    let key = ck.big_lwe_key();
    let mut out = Vec::with_capacity(batch.lists.len() * batch.width());
    for list in &batch.lists {
        for ct in list.iter() {
            out.push(decrypt_lwe_ciphertext(&key, &ct).0);
        }
    }
    Ok(out)
}

/// Raw phases of compact results, lifted back to the 64-bit torus.
pub fn compact_phases(ck: &ClientKey, batch: &CompactBatch) -> FheResult<Vec<u64>> {
    check_params(ck.params.name, &batch.params_name, "compact batch")?;
    let key: &[u64] = if batch.small_key { ck.small_lwe_key().as_ref() } else { ck.data.glwe_secret_key.as_ref() };
    let bytes = CompactBatch::bytes_per_coefficient(batch.bits);
    let lwe_bytes = (key.len() + 1) * bytes;
    let shift = 64 - batch.bits;
    let mut out = Vec::with_capacity(batch.queries.len() * batch.width);
    for packed in &batch.queries {
        for ct in packed.chunks(lwe_bytes) {
            let mut coefficients = ct.chunks(bytes).map(|c| {
                c.iter().rev().fold(0u64, |acc, &b| (acc << 8) | b as u64) << shift
            });
            let dot = key.iter().zip(coefficients.by_ref()).fold(0u64, |acc, (&s, a)| acc.wrapping_add(a.wrapping_mul(s)));
            let body = coefficients.next().unwrap_or(0);
            out.push(body.wrapping_sub(dot));
        }
    }
    Ok(out)
}

/// Rounds a phase to the nearest multiple of `delta`, as a signed integer.
pub fn decode(phase: u64, delta: u64) -> i64 {
    let p = phase as i64 as i128;
    let d = delta as i128;
    (2 * p + d).div_euclid(2 * d) as i64
}

// ---------------------------------------------------------------- server side

/// Dense layer on encrypted vectors: out_j = Σ_i w_ji · x_i + b_j (times Δ), one LWE per output.
///
/// Weights are laid out row-major (`outputs × inputs`). ⌊N/inputs⌋ neurons share one
/// GLWE × polynomial product: neuron k of a group has its weights reversed at offset k·inputs, so
/// coefficient k·inputs + inputs − 1 of the product holds its dot product.
pub fn dense_glwe(
    sk: &ServerKey,
    batch: &GlweBatch,
    inputs: usize,
    outputs: usize,
    weights: &[i64],
    bias: &[i64],
    delta: u64,
) -> FheResult<LweBatch> {
    let p = &sk.params;
    check_params(p.name, &batch.params_name, "GLWE batch")?;
    check_matrix(inputs, outputs, weights, bias)?;
    let n = p.polynomial_size.0;
    ensure(inputs <= n, || format!("{inputs} inputs exceed the polynomial size {n}"))?;
    let per_product = n / inputs;
    let lwe_size = p.big_lwe_dimension().to_lwe_size();
    let polys = p.glwe_size().0;
    let ntt = &sk.ntt;

    let lists = sk.pool.install(|| {
        batch
            .ciphertexts
            .iter()
            .map(|seeded| {
                let glwe = seeded.clone().decompress_into_glwe_ciphertext();
                // Forward NTT of each polynomial of the ciphertext, once per query.
                let residues: Vec<[Vec<u32>; 5]> = glwe
                    .as_polynomial_list()
                    .iter()
                    .map(|poly| {
                        let mut r: [Vec<u32>; 5] = std::array::from_fn(|_| vec![0u32; n]);
                        let [r0, r1, r2, r3, r4] = &mut r;
                        ntt.fwd(poly.as_ref(), r0, r1, r2, r3, r4);
                        r
                    })
                    .collect();
                let mut out = vec![0u64; outputs * lwe_size.0];
                out.par_chunks_mut(per_product * lwe_size.0)
                    .enumerate()
                    .for_each(|(group, chunk)| {
                        let first = group * per_product;
                        let count = chunk.len() / lwe_size.0;
                        let mut w = vec![0u64; n];
                        for k in 0..count {
                            let row = &weights[(first + k) * inputs..(first + k + 1) * inputs];
                            for (i, &wi) in row.iter().enumerate() {
                                w[k * inputs + inputs - 1 - i] = wi as u64;
                            }
                        }
                        let mut wr: [Vec<u32>; 5] = std::array::from_fn(|_| vec![0u32; n]);
                        {
                            let [w0, w1, w2, w3, w4] = &mut wr;
                            ntt.fwd(&w, w0, w1, w2, w3, w4);
                        }
                        let mut product = vec![0u64; polys * n];
                        for (poly_out, res) in product.chunks_mut(n).zip(&residues) {
                            let mut t = res.clone();
                            let [t0, t1, t2, t3, t4] = &mut t;
                            ntt.ntt_0().mul_assign_normalize(t0, &wr[0]);
                            ntt.ntt_1().mul_assign_normalize(t1, &wr[1]);
                            ntt.ntt_2().mul_assign_normalize(t2, &wr[2]);
                            ntt.ntt_3().mul_assign_normalize(t3, &wr[3]);
                            ntt.ntt_4().mul_assign_normalize(t4, &wr[4]);
                            ntt.inv(poly_out, t0, t1, t2, t3, t4);
                        }
                        let product =
                            GlweCiphertext::from_container(product, p.polynomial_size, p.ciphertext_modulus);
                        let mut lwes = LweCiphertextList::from_container(chunk, lwe_size, p.ciphertext_modulus);
                        for (k, mut lwe) in lwes.iter_mut().enumerate() {
                            extract_lwe_sample_from_glwe_ciphertext(
                                &product,
                                &mut lwe,
                                MonomialDegree(k * inputs + inputs - 1),
                            );
                            let b = lwe.get_mut_body().data;
                            *b = b.wrapping_add((bias[first + k] as u64).wrapping_mul(delta));
                        }
                    });
                LweCiphertextList::from_container(out, lwe_size, p.ciphertext_modulus)
            })
            .collect()
    });
    Ok(LweBatch { params_name: p.name.to_string(), lists })
}

/// Keyswitch (big → small key) then programmable bootstrap of every LWE of the batch.
///
/// `tables` holds either one table of `domain` values for all outputs, or one per output
/// (`width × domain`, output-major). Input values must be encoded with `lut::input_delta(domain)`.
pub fn ks_pbs(
    sk: &ServerKey,
    batch: &LweBatch,
    tables: &[i64],
    domain: usize,
    delta_out: u64,
) -> FheResult<LweBatch> {
    let p = &sk.params;
    check_params(p.name, &batch.params_name, "LWE batch")?;
    lut::check_domain(p, domain)?;
    let width = batch.width();
    ensure(tables.len() == domain || tables.len() == domain * width, || {
        format!(
            "{} table values: expected one table of {domain} or {width} tables of {domain}",
            tables.len()
        )
    })?;
    let accumulators = tables
        .chunks(domain)
        .map(|t| lut::accumulator(p, t, delta_out))
        .collect::<FheResult<Vec<_>>>()?;
    let big_size = p.big_lwe_dimension().to_lwe_size();
    let small_size = p.lwe_dimension.to_lwe_size();
    let log_modulus = p.polynomial_size.to_blind_rotation_input_modulus_log();
    // Added before the centred modulus switch (which subtracts half a switched unit) so that a
    // value encoded exactly on a position reads that position on average.
    let half_unit = 1u64 << (63 - log_modulus.0);
    let fft = Fft::new(p.polynomial_size);

    let lists = sk.pool.install(|| {
        batch
            .lists
            .iter()
            .map(|list| {
                let mut out = LweCiphertextList::new(
                    0u64,
                    big_size,
                    list.lwe_ciphertext_count(),
                    p.ciphertext_modulus,
                );
                out.par_iter_mut()
                    .zip(list.par_iter())
                    .enumerate()
                    .for_each_init(
                        || {
                            let mut buffers = ComputationBuffers::new();
                            buffers.resize(
                                blind_rotate_assign_mem_optimized_requirement::<u64>(
                                    p.glwe_size(),
                                    p.polynomial_size,
                                    fft.as_view(),
                                )
                                .unaligned_bytes_required(),
                            );
                            let small = LweCiphertext::new(0u64, small_size, p.ciphertext_modulus);
                            (buffers, small)
                        },
                        |(buffers, small), (j, (mut out_ct, in_ct))| {
                            keyswitch_lwe_ciphertext(&sk.ksk, &in_ct, small);
                            let b = small.get_mut_body().data;
                            *b = b.wrapping_add(half_unit);
                            let switched = lwe_ciphertext_centered_binary_modulus_switch::<u64, usize, _>(
                                small.as_view(),
                                log_modulus,
                            );
                            let mut acc = accumulators[if accumulators.len() == 1 { 0 } else { j }].clone();
                            blind_rotate_assign_mem_optimized(
                                &switched,
                                &mut acc,
                                &sk.fourier_bsk,
                                fft.as_view(),
                                buffers.stack(),
                            );
                            extract_lwe_sample_from_glwe_ciphertext(&acc, &mut out_ct, MonomialDegree(0));
                        },
                    );
                out
            })
            .collect()
    });
    Ok(LweBatch { params_name: p.name.to_string(), lists })
}

/// Levelled dense layer on LWEs: out_j = Σ_i w_ji · in_i + b_j·Δ. No bootstrap; noise grows by
/// the L2 norm of each weight row.
pub fn dense_lwe(
    sk: &ServerKey,
    batch: &LweBatch,
    inputs: usize,
    outputs: usize,
    weights: &[i64],
    bias: &[i64],
    delta: u64,
) -> FheResult<LweBatch> {
    let p = &sk.params;
    check_params(p.name, &batch.params_name, "LWE batch")?;
    check_matrix(inputs, outputs, weights, bias)?;
    ensure(batch.width() == inputs, || {
        format!("the batch holds {} ciphertexts per query but the layer has {inputs} inputs", batch.width())
    })?;
    let lwe_size = p.big_lwe_dimension().to_lwe_size();
    let lists = sk.pool.install(|| {
        batch
            .lists
            .iter()
            .map(|list| {
                let input = list.as_ref();
                let mut out = vec![0u64; outputs * lwe_size.0];
                out.par_chunks_mut(lwe_size.0).enumerate().for_each(|(j, acc)| {
                    let row = &weights[j * inputs..(j + 1) * inputs];
                    for (&w, ct) in row.iter().zip(input.chunks(lwe_size.0)) {
                        if w != 0 {
                            let w = w as u64;
                            for (a, &c) in acc.iter_mut().zip(ct) {
                                *a = a.wrapping_add(c.wrapping_mul(w));
                            }
                        }
                    }
                    let b = &mut acc[lwe_size.0 - 1];
                    *b = b.wrapping_add((bias[j] as u64).wrapping_mul(delta));
                });
                LweCiphertextList::from_container(out, lwe_size, p.ciphertext_modulus)
            })
            .collect()
    });
    Ok(LweBatch { params_name: p.name.to_string(), lists })
}

/// Compacts results for the trip back: each coefficient rounded to its top `bits` bits (8..=32)
/// and packed, after a keyswitch to the small key when `keyswitch` is set. Sizes per value:
/// ⌈bits/8⌉·(n+1) bytes with the keyswitch, ⌈bits/8⌉·(N+1) without. Added noise: the rounding,
/// σ ≈ 2^-bits·√((dim/2+1)/12), plus the keyswitch's ~2^-11 if requested.
pub fn compact(sk: &ServerKey, batch: &LweBatch, keyswitch: bool, bits: u32) -> FheResult<CompactBatch> {
    let p = &sk.params;
    check_params(p.name, &batch.params_name, "LWE batch")?;
    ensure((8..=32).contains(&bits), || format!("compaction bits must be in [8, 32], got {bits}"))?;
    let out_size = if keyswitch { p.lwe_dimension } else { p.big_lwe_dimension() }.to_lwe_size();
    let bytes = CompactBatch::bytes_per_coefficient(bits);
    let shift = 64 - bits;
    let pack = |dst: &mut [u8], src: &[u64]| {
        for (d, &c) in dst.chunks_mut(bytes).zip(src) {
            let v = c.wrapping_add(1 << (shift - 1)) >> shift;
            for (k, byte) in d.iter_mut().enumerate() {
                *byte = (v >> (8 * k)) as u8;
            }
        }
    };
    let queries = sk.pool.install(|| {
        batch
            .lists
            .iter()
            .map(|list| {
                let mut out = vec![0u8; list.lwe_ciphertext_count().0 * out_size.0 * bytes];
                out.par_chunks_mut(out_size.0 * bytes).zip(list.par_iter()).for_each_init(
                    || LweCiphertext::new(0u64, p.lwe_dimension.to_lwe_size(), p.ciphertext_modulus),
                    |small, (dst, ct)| {
                        if keyswitch {
                            keyswitch_lwe_ciphertext(&sk.ksk, &ct, small);
                            pack(dst, small.as_ref());
                        } else {
                            pack(dst, ct.as_ref());
                        }
                    },
                );
                out
            })
            .collect()
    });
    Ok(CompactBatch { params_name: p.name.to_string(), small_key: keyswitch, bits, width: batch.width(), queries })
}
