//! The engine's operations, all on whole vectors and batches.
//!
//! Client side: encrypt integer vectors (one seeded GLWE each), decrypt LWE results.
//! Server side: dense layer on a GLWE, keyswitch + programmable bootstrap with one table per
//! output, levelled dense layer on LWEs, output compaction. Each is a prepared stage: `new` does
//! the work that depends only on the model (weight NTTs, accumulators) and validates it, `apply`
//! evaluates a batch on the server key's pool, parallel over outputs. The per-operation functions
//! (`dense_glwe`, `ks_pbs`, ...) are `new` + `apply`; a compiled circuit
//! ([`crate::circuit::CompiledCircuit`]) keeps the prepared stages and applies them per request,
//! so both paths run the same arithmetic in the same order.

use crate::ciphertext::{CompactBatch, GlweBatch, LweBatch};
use crate::error::{ensure, FheError, FheResult};
use crate::keys::{ClientKey, ServerKey};
use crate::lut;
use crate::params::FheParams;
use rayon::prelude::*;
use tfhe::core_crypto::fft_impl::fft64::math::fft::Fft;
use tfhe::core_crypto::commons::generators::NoiseRandomGenerator;
use tfhe::core_crypto::commons::math::random::Seed;
use tfhe::core_crypto::prelude::*;
use tfhe::core_crypto::seeders::new_seeder;
use tfhe_ntt::native64::Plan32;

pub(crate) fn check_params(expected: &str, actual: &str, what: &str) -> FheResult<()> {
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
    let coefficients = compact_coefficients(batch);
    Ok(coefficients
        .chunks(key.len() + 1)
        .map(|ct| {
            let (mask, body) = ct.split_at(key.len());
            let dot = key.iter().zip(mask).fold(0u64, |acc, (&s, &a)| acc.wrapping_add(a.wrapping_mul(s)));
            body.first().copied().unwrap_or(0).wrapping_sub(dot)
        })
        .collect())
}

/// Every coefficient of every compact ciphertext lifted back to the 64-bit torus, query-major.
pub fn compact_coefficients(batch: &CompactBatch) -> Vec<u64> {
    let bytes = CompactBatch::bytes_per_coefficient(batch.bits);
    let shift = 64 - batch.bits;
    batch
        .queries
        .iter()
        .flat_map(|q| q.chunks(bytes))
        .map(|c| c.iter().rev().fold(0u64, |acc, &b| (acc << 8) | b as u64) << shift)
        .collect()
}

/// Rounds a phase to the nearest multiple of `delta`, as a signed integer.
pub fn decode(phase: u64, delta: u64) -> i64 {
    let p = phase as i64 as i128;
    let d = delta as i128;
    (2 * p + d).div_euclid(2 * d) as i64
}

// ---------------------------------------------------------------- server side

/// Forward NTT of one polynomial: its residues modulo the plan's five 32-bit primes.
fn forward(ntt: &Plan32, poly: &[u64]) -> [Vec<u32>; 5] {
    let n = poly.len();
    let mut r: [Vec<u32>; 5] = std::array::from_fn(|_| vec![0u32; n]);
    let [r0, r1, r2, r3, r4] = &mut r;
    ntt.fwd(poly, r0, r1, r2, r3, r4);
    r
}

/// Dense layer on encrypted vectors: out_j = Σ_i w_ji · x_i + b_j (times Δ), one LWE per output.
///
/// Weights are laid out row-major (`outputs × inputs`). ⌊N/inputs⌋ neurons share one
/// GLWE × polynomial product: neuron k of a group has its weights reversed at offset k·inputs, so
/// coefficient k·inputs + inputs − 1 of the product holds its dot product. The weight polynomial
/// of each group is kept in the NTT domain.
pub struct PreparedDense {
    params_name: &'static str,
    polynomial_size: PolynomialSize,
    inputs: usize,
    outputs: usize,
    /// Forward NTT of each group's weight polynomial; group g holds neurons g·⌊N/inputs⌋.. .
    groups: Vec<[Vec<u32>; 5]>,
    bias: Vec<i64>,
    delta: u64,
    ntt: Plan32,
}

impl PreparedDense {
    /// Validates the layer and transforms its weights (sequentially: this runs once per model, or
    /// once per call on the per-operation path, outside any request's pool).
    pub fn new(
        params: &FheParams,
        inputs: usize,
        outputs: usize,
        weights: &[i64],
        bias: &[i64],
        delta: u64,
    ) -> FheResult<PreparedDense> {
        check_matrix(inputs, outputs, weights, bias)?;
        let n = params.polynomial_size.0;
        ensure(inputs <= n, || format!("{inputs} inputs exceed the polynomial size {n}"))?;
        let ntt = Plan32::try_new(n).ok_or_else(|| FheError::Internal(format!("no NTT plan for N={n}")))?;
        let per_product = n / inputs;
        let groups = weights
            .chunks(per_product * inputs)
            .map(|rows| {
                let mut w = vec![0u64; n];
                for (k, row) in rows.chunks(inputs).enumerate() {
                    for (i, &wi) in row.iter().enumerate() {
                        w[k * inputs + inputs - 1 - i] = wi as u64;
                    }
                }
                forward(&ntt, &w)
            })
            .collect();
        Ok(PreparedDense {
            params_name: params.name,
            polynomial_size: params.polynomial_size,
            inputs,
            outputs,
            groups,
            bias: bias.to_vec(),
            delta,
            ntt,
        })
    }

    pub fn outputs(&self) -> usize {
        self.outputs
    }

    pub fn apply(&self, sk: &ServerKey, batch: &GlweBatch) -> FheResult<LweBatch> {
        let p = &sk.params;
        check_params(p.name, self.params_name, "dense layer")?;
        check_params(p.name, &batch.params_name, "GLWE batch")?;
        let (n, inputs) = (self.polynomial_size.0, self.inputs);
        let per_product = n / inputs;
        let lwe_size = p.big_lwe_dimension().to_lwe_size();
        let polys = p.glwe_size().0;
        let ntt = &self.ntt;

        let lists = sk.pool.install(|| {
            batch
                .ciphertexts
                .iter()
                .map(|seeded| {
                    let glwe = seeded.clone().decompress_into_glwe_ciphertext();
                    // Forward NTT of each polynomial of the ciphertext, once per query.
                    let residues: Vec<[Vec<u32>; 5]> =
                        glwe.as_polynomial_list().iter().map(|poly| forward(ntt, poly.as_ref())).collect();
                    let mut out = vec![0u64; self.outputs * lwe_size.0];
                    out.par_chunks_mut(per_product * lwe_size.0)
                        .zip(self.groups.par_iter())
                        .enumerate()
                        .for_each(|(group, (chunk, wr))| {
                            let first = group * per_product;
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
                                *b = b.wrapping_add((self.bias[first + k] as u64).wrapping_mul(self.delta));
                            }
                        });
                    LweCiphertextList::from_container(out, lwe_size, p.ciphertext_modulus)
                })
                .collect()
        });
        Ok(LweBatch { params_name: p.name.to_string(), lists })
    }
}

/// [`PreparedDense`] prepared for one call.
pub fn dense_glwe(
    sk: &ServerKey,
    batch: &GlweBatch,
    inputs: usize,
    outputs: usize,
    weights: &[i64],
    bias: &[i64],
    delta: u64,
) -> FheResult<LweBatch> {
    check_params(sk.params.name, &batch.params_name, "GLWE batch")?;
    PreparedDense::new(&sk.params, inputs, outputs, weights, bias, delta)?.apply(sk, batch)
}

/// Bootstraps per chunk of one query's ciphertexts: the granularity at which
/// [`PreparedBootstrap::apply_with`] calls its checkpoint (a few hundred ms of work at most on
/// one core, less on a pool), small enough to stop a long evaluation promptly.
pub const BOOTSTRAP_CHUNK: usize = 256;

/// Called between bootstrap chunks; an error stops the evaluation with that error. The hook for
/// cancelling an evaluation in flight.
pub type Checkpoint<'a> = &'a (dyn Fn() -> FheResult<()> + Sync);

/// Keyswitch (big → small key) then programmable bootstrap of every LWE of a batch, through
/// accumulators built once from the tables.
///
/// Holds either one table of `domain` values for all outputs, or one per output. Input values
/// must be encoded with `lut::input_delta(domain)`. Saturating tables (see [`lut`]) read the
/// nearer end's value for inputs that leave the domain by less than the table's flat ends.
pub struct PreparedBootstrap {
    params_name: &'static str,
    accumulators: Vec<lut::Accumulator>,
}

impl PreparedBootstrap {
    /// `tables` holds one or more tables of `domain` values, output-major.
    pub fn new(
        params: &FheParams,
        tables: &[i64],
        domain: usize,
        delta_out: u64,
        saturating: bool,
    ) -> FheResult<PreparedBootstrap> {
        lut::check_domain(params, domain)?;
        ensure(!tables.is_empty() && tables.len() % domain == 0, || {
            format!("{} table values do not form whole tables of {domain}", tables.len())
        })?;
        let accumulators = tables
            .chunks(domain)
            .map(|t| lut::accumulator(params, t, delta_out, saturating))
            .collect::<FheResult<Vec<_>>>()?;
        Ok(PreparedBootstrap { params_name: params.name, accumulators })
    }

    /// Number of tables: 1 (shared by all outputs) or one per output.
    pub fn tables(&self) -> usize {
        self.accumulators.len()
    }

    pub fn apply(&self, sk: &ServerKey, batch: &LweBatch) -> FheResult<LweBatch> {
        self.apply_with(sk, batch, &|| Ok(()))
    }

    /// Like [`Self::apply`], calling `checkpoint` before each [`BOOTSTRAP_CHUNK`] of every query.
    pub fn apply_with(&self, sk: &ServerKey, batch: &LweBatch, checkpoint: Checkpoint) -> FheResult<LweBatch> {
        let p = &sk.params;
        check_params(p.name, self.params_name, "bootstrap")?;
        check_params(p.name, &batch.params_name, "LWE batch")?;
        let width = batch.width();
        let tables = self.tables();
        ensure(tables == 1 || tables == width, || {
            format!("{tables} tables for {width} values: expected one table or one per value")
        })?;
        let accumulators = &self.accumulators;
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
                    let mut out =
                        LweCiphertextList::new(0u64, big_size, list.lwe_ciphertext_count(), p.ciphertext_modulus);
                    for (c, (mut out_chunk, in_chunk)) in
                        out.chunks_mut(BOOTSTRAP_CHUNK).zip(list.chunks(BOOTSTRAP_CHUNK)).enumerate()
                    {
                        checkpoint()?;
                        let first = c * BOOTSTRAP_CHUNK;
                        out_chunk.par_iter_mut().zip(in_chunk.par_iter()).enumerate().for_each_init(
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
                            |(buffers, small), (k, (mut out_ct, in_ct))| {
                                keyswitch_lwe_ciphertext(&sk.ksk, &in_ct, small);
                                let b = small.get_mut_body().data;
                                *b = b.wrapping_add(half_unit);
                                let switched = lwe_ciphertext_centered_binary_modulus_switch::<u64, usize, _>(
                                    small.as_view(),
                                    log_modulus,
                                );
                                let table = &accumulators[if tables == 1 { 0 } else { first + k }];
                                let mut acc = table.glwe.clone();
                                blind_rotate_assign_mem_optimized(
                                    &switched,
                                    &mut acc,
                                    &sk.fourier_bsk,
                                    fft.as_view(),
                                    buffers.stack(),
                                );
                                extract_lwe_sample_from_glwe_ciphertext(&acc, &mut out_ct, MonomialDegree(0));
                                let b = out_ct.get_mut_body().data;
                                *b = b.wrapping_add(table.output_offset);
                            },
                        );
                    }
                    Ok(out)
                })
                .collect::<FheResult<Vec<_>>>()
        })?;
        Ok(LweBatch { params_name: p.name.to_string(), lists })
    }
}

/// Range reduction: a batch holds every neuron's accumulator twice, first at a coarse scale whose
/// worst case fits the bootstrap's domain, then at a fine scale that may wrap. The coarse half is
/// bootstrapped through tables giving, at the fine scale, how far each value lies outside its
/// neuron's window (0 inside), and that correction is subtracted from the fine half. The result,
/// one LWE per neuron, holds the fine accumulator moved into a few coarse positions of its window,
/// so the next bootstrap can spend its positions on the window instead of the worst case.
pub struct PreparedReduce {
    corrections: PreparedBootstrap,
}

impl PreparedReduce {
    /// One table of `domain` values per neuron, output-major; the corrections are encoded with
    /// `delta_out`, which must be the incoming values' delta.
    pub fn new(params: &FheParams, tables: &[i64], domain: usize, delta_out: u64) -> FheResult<PreparedReduce> {
        Ok(PreparedReduce { corrections: PreparedBootstrap::new(params, tables, domain, delta_out, false)? })
    }

    /// Neurons: half the incoming width.
    pub fn neurons(&self) -> usize {
        self.corrections.tables()
    }

    pub fn apply_with(&self, sk: &ServerKey, batch: &LweBatch, checkpoint: Checkpoint) -> FheResult<LweBatch> {
        let p = &sk.params;
        check_params(p.name, &batch.params_name, "LWE batch")?;
        let half = self.neurons();
        let width = batch.width();
        ensure(width == 2 * half, || {
            format!("range reduction of {half} neurons takes {} values per query, got {width}", 2 * half)
        })?;
        let lwe_size = p.big_lwe_dimension().to_lwe_size();
        let split = half * lwe_size.0;
        let coarse = LweBatch {
            params_name: batch.params_name.clone(),
            lists: batch
                .lists
                .iter()
                .map(|l| LweCiphertextList::from_container(l.as_ref()[..split].to_vec(), lwe_size, p.ciphertext_modulus))
                .collect(),
        };
        let corrections = self.corrections.apply_with(sk, &coarse, checkpoint)?;
        drop(coarse);
        let lists = batch
            .lists
            .iter()
            .zip(corrections.lists)
            .map(|(list, correction)| {
                let mut fine = list.as_ref()[split..].to_vec();
                for (f, &c) in fine.iter_mut().zip(correction.as_ref()) {
                    *f = f.wrapping_sub(c);
                }
                LweCiphertextList::from_container(fine, lwe_size, p.ciphertext_modulus)
            })
            .collect();
        Ok(LweBatch { params_name: p.name.to_string(), lists })
    }
}

/// [`PreparedReduce`] prepared for one call.
pub fn reduce(sk: &ServerKey, batch: &LweBatch, tables: &[i64], domain: usize, delta_out: u64) -> FheResult<LweBatch> {
    check_params(sk.params.name, &batch.params_name, "LWE batch")?;
    PreparedReduce::new(&sk.params, tables, domain, delta_out)?.apply_with(sk, batch, &|| Ok(()))
}

/// [`PreparedBootstrap`] prepared for one call. `tables` holds either one table of `domain`
/// values for all outputs, or one per output (`width × domain`, output-major).
pub fn ks_pbs(
    sk: &ServerKey,
    batch: &LweBatch,
    tables: &[i64],
    domain: usize,
    delta_out: u64,
    saturating: bool,
) -> FheResult<LweBatch> {
    check_params(sk.params.name, &batch.params_name, "LWE batch")?;
    PreparedBootstrap::new(&sk.params, tables, domain, delta_out, saturating)?.apply(sk, batch)
}

/// Levelled dense layer on LWEs: out_j = Σ_i w_ji · in_i + b_j·Δ. No bootstrap; noise grows by
/// the L2 norm of each weight row.
pub struct LevelledDense {
    inputs: usize,
    outputs: usize,
    weights: Vec<i64>,
    bias: Vec<i64>,
    delta: u64,
}

impl LevelledDense {
    pub fn new(inputs: usize, outputs: usize, weights: &[i64], bias: &[i64], delta: u64) -> FheResult<LevelledDense> {
        check_matrix(inputs, outputs, weights, bias)?;
        Ok(LevelledDense { inputs, outputs, weights: weights.to_vec(), bias: bias.to_vec(), delta })
    }

    pub fn inputs(&self) -> usize {
        self.inputs
    }

    pub fn outputs(&self) -> usize {
        self.outputs
    }

    pub fn apply(&self, sk: &ServerKey, batch: &LweBatch) -> FheResult<LweBatch> {
        let p = &sk.params;
        check_params(p.name, &batch.params_name, "LWE batch")?;
        let (inputs, outputs) = (self.inputs, self.outputs);
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
                        let row = &self.weights[j * inputs..(j + 1) * inputs];
                        for (&w, ct) in row.iter().zip(input.chunks(lwe_size.0)) {
                            if w != 0 {
                                let w = w as u64;
                                for (a, &c) in acc.iter_mut().zip(ct) {
                                    *a = a.wrapping_add(c.wrapping_mul(w));
                                }
                            }
                        }
                        let b = &mut acc[lwe_size.0 - 1];
                        *b = b.wrapping_add((self.bias[j] as u64).wrapping_mul(self.delta));
                    });
                    LweCiphertextList::from_container(out, lwe_size, p.ciphertext_modulus)
                })
                .collect()
        });
        Ok(LweBatch { params_name: p.name.to_string(), lists })
    }
}

/// [`LevelledDense`] for one call.
pub fn dense_lwe(
    sk: &ServerKey,
    batch: &LweBatch,
    inputs: usize,
    outputs: usize,
    weights: &[i64],
    bias: &[i64],
    delta: u64,
) -> FheResult<LweBatch> {
    check_params(sk.params.name, &batch.params_name, "LWE batch")?;
    LevelledDense::new(inputs, outputs, weights, bias, delta)?.apply(sk, batch)
}

/// Adds a fresh encryption of zero under the client's compact public key to every ciphertext
/// (tfhe-rs's public-key encryption, mask and body noise from its public-key parameters, a new
/// random vector per ciphertext from the OS-seeded CSPRNG): the result decrypts to the same value
/// but its mask is a fresh pseudo-random one, no longer a function of the server's computation.
/// Added noise: (n + 1)·σ²_pk (about 2^-42 of the torus).
fn rerandomize_in_place(sk: &ServerKey, list: &mut LweCiphertextListOwned<u64>) -> FheResult<()> {
    let pk = sk.public_key()?;
    let (_, noise) = sk.params.public_key_encryption()?;
    let mut seeder = new_seeder();
    let seeds: Vec<Seed> = (0..list.lwe_ciphertext_count().0).map(|_| seeder.seed()).collect();
    let size = list.lwe_size();
    list.par_iter_mut().zip(seeds.into_par_iter()).for_each(|(mut ct, seed)| {
        let mut zero = LweCiphertext::new(0u64, size, ct.ciphertext_modulus());
        let mut generator = NoiseRandomGenerator::<DefaultRandomGenerator>::new_from_seed(seed);
        encrypt_lwe_ciphertext_with_compact_public_key(pk, &mut zero, Plaintext(0), noise, noise, &mut generator);
        lwe_ciphertext_add_assign(&mut ct, &zero);
    });
    Ok(())
}

/// [`rerandomize_in_place`] on a copy of a batch (the per-operation API; compaction does it inline).
pub fn rerandomize(sk: &ServerKey, batch: &LweBatch) -> FheResult<LweBatch> {
    check_params(sk.params.name, &batch.params_name, "LWE batch")?;
    let mut lists = batch.lists.clone();
    sk.pool.install(|| lists.iter_mut().try_for_each(|l| rerandomize_in_place(sk, l)))?;
    Ok(LweBatch { params_name: sk.params.name.to_string(), lists })
}

/// Compacts results for the trip back: each coefficient rounded to its top `bits` bits (8..=32)
/// and packed, after a re-randomization under the client's public key when `rerandomize` is set
/// and a keyswitch to the small key when `keyswitch` is set. Sizes per value:
/// ⌈bits/8⌉·(n+1) bytes with the keyswitch, ⌈bits/8⌉·(N+1) without. Added noise: the rounding,
/// σ ≈ 2^-bits·√((dim/2+1)/12), plus the keyswitch's ~2^-11 and the public-key encryption's ~2^-42
/// if requested.
#[derive(Clone, Copy, Debug)]
pub struct Compaction {
    keyswitch: bool,
    bits: u32,
    rerandomize: bool,
}

impl Compaction {
    pub fn new(keyswitch: bool, bits: u32, rerandomize: bool) -> FheResult<Compaction> {
        ensure((8..=32).contains(&bits), || format!("compaction bits must be in [8, 32], got {bits}"))?;
        Ok(Compaction { keyswitch, bits, rerandomize })
    }

    pub fn apply(&self, sk: &ServerKey, batch: &LweBatch) -> FheResult<CompactBatch> {
        let p = &sk.params;
        check_params(p.name, &batch.params_name, "LWE batch")?;
        let rerandomized;
        let batch = if self.rerandomize {
            rerandomized = rerandomize(sk, batch)?;
            &rerandomized
        } else {
            batch
        };
        let (keyswitch, bits) = (self.keyswitch, self.bits);
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
}

/// [`Compaction`] for one call.
pub fn compact(
    sk: &ServerKey,
    batch: &LweBatch,
    keyswitch: bool,
    bits: u32,
    rerandomize: bool,
) -> FheResult<CompactBatch> {
    check_params(sk.params.name, &batch.params_name, "LWE batch")?;
    Compaction::new(keyswitch, bits, rerandomize)?.apply(sk, batch)
}
