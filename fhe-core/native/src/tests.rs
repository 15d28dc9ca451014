//! Engine tests without a JVM. Keys are generated from fixed (insecure) seeds once per process.

use crate::ciphertext::{CompactBatch, GlweBatch, LweBatch};
use crate::circuit::{self, CompiledCircuit, StageSpec};
use crate::error::{FheError, FheResult};
use crate::keys::{ClientKey, ClientKeyData, EvaluationKeyData, ServerKey};
use crate::params::{FheParams, PBS_1_1_L1, PBS_L1, PBS_L2};
use crate::pool::EvaluationPool;
use crate::{lut, ops, serial};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

const LIMIT: u64 = 1 << 30;

struct Fixture {
    client: ClientKey,
    eval_bytes: Vec<u8>,
    server: ServerKey,
}

/// One pool for every fixture key, as on a server.
fn pool() -> &'static EvaluationPool {
    static POOL: OnceLock<EvaluationPool> = OnceLock::new();
    POOL.get_or_init(|| EvaluationPool::new(0).unwrap())
}

fn fixture(name: &'static str) -> &'static Fixture {
    static L1: OnceLock<Fixture> = OnceLock::new();
    static L2: OnceLock<Fixture> = OnceLock::new();
    static ONE_ONE: OnceLock<Fixture> = OnceLock::new();
    let cell = match name {
        PBS_L1 => &L1,
        PBS_1_1_L1 => &ONE_ONE,
        _ => &L2,
    };
    cell.get_or_init(|| {
        let params = FheParams::by_name(name).unwrap();
        let client = ClientKey::generate_insecure_seeded(params, 42);
        let eval = client.generate_evaluation_key().unwrap();
        let eval_bytes = serial::to_bytes(&eval, LIMIT).unwrap();
        let server = ServerKey::expand(params, &eval, pool());
        Fixture { client, eval_bytes, server }
    })
}

/// Tiny deterministic generator (xorshift) for test data.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }
}

fn std_dev(xs: &[f64]) -> f64 {
    let mean = xs.iter().sum::<f64>() / xs.len() as f64;
    (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64).sqrt()
}

#[test]
fn dense_glwe_is_exact() {
    let f = fixture(PBS_L1);
    let mut rng = Rng(7);
    let (inputs, outputs, batch) = (784, 21, 2);
    let x: Vec<i64> = (0..inputs * batch).map(|_| rng.range(0, 15)).collect();
    let w: Vec<i64> = (0..inputs * outputs).map(|_| rng.range(-15, 15)).collect();
    let b: Vec<i64> = (0..outputs).map(|_| rng.range(-1000, 1000)).collect();
    let delta = 1u64 << 40;
    let ct = ops::encrypt(&f.client, &x, inputs, delta).unwrap();
    let out = ops::dense_glwe(&f.server, &ct, inputs, outputs, &w, &b, delta).unwrap();
    let phases = ops::phases(&f.client, &out).unwrap();
    let mut errors = Vec::new();
    for q in 0..batch {
        for j in 0..outputs {
            let expected: i64 = (0..inputs).map(|i| w[j * inputs + i] * x[q * inputs + i]).sum::<i64>() + b[j];
            let phase = phases[q * outputs + j];
            assert_eq!(ops::decode(phase, delta), expected, "query {q} neuron {j}");
            errors.push(phase.wrapping_sub((expected as u64).wrapping_mul(delta)) as i64 as f64);
        }
    }
    // Fresh GLWE noise is ~2^-47.8 of the torus; times ||w|| (~250) stays far below 2^-30.
    let sigma = std_dev(&errors) / 2f64.powi(64);
    assert!(sigma < 2f64.powi(-30), "dense noise {sigma:e}");
}

#[test]
fn bootstrap_applies_each_table() {
    let f = fixture(PBS_L1);
    let mut rng = Rng(11);
    let domain = 16;
    let width = 24;
    let delta_in = lut::input_delta(domain);
    // Build LWEs holding known values through a dense layer with identity rows.
    let values: Vec<i64> = (0..width as i64).map(|i| i % domain as i64).collect();
    let mut w = vec![0i64; width * width];
    for j in 0..width {
        w[j * width + j] = 1;
    }
    let ct = ops::encrypt(&f.client, &values, width, delta_in).unwrap();
    let lwes = ops::dense_glwe(&f.server, &ct, width, width, &w, &vec![0; width], delta_in).unwrap();
    let tables: Vec<i64> = (0..width * domain).map(|_| rng.range(-8, 7)).collect();
    let delta_out = 1u64 << 59;
    let out = ops::ks_pbs(&f.server, &lwes, &tables, domain, delta_out, false).unwrap();
    let got: Vec<i64> = ops::phases(&f.client, &out).unwrap().iter().map(|&p| ops::decode(p, delta_out)).collect();
    for j in 0..width {
        assert_eq!(got[j], tables[j * domain + values[j] as usize], "output {j} value {}", values[j]);
    }
}

/// Measures the bootstrap's reading error in positions (the quantity the compiler budgets for)
/// and the output noise that the next dense layer multiplies.
fn measure_pbs_noise(name: &'static str) -> (f64, f64) {
    let f = fixture(name);
    let n = f.server.params.polynomial_size.0;
    let domain = n;
    let delta_in = lut::input_delta(domain);
    let width = 256;
    // Spread over the table, a tenth of it clear of either end (N = 2048: 204, 210, ... 1841).
    let margin = n as i64 / 10;
    let values: Vec<i64> = (0..width as i64).map(|i| margin + i * (n as i64 - 2 * margin) / width as i64).collect();
    let mut w = vec![0i64; width * width];
    for j in 0..width {
        w[j * width + j] = 1;
    }
    let ct = ops::encrypt(&f.client, &values, width, delta_in).unwrap();
    let lwes = ops::dense_glwe(&f.server, &ct, width, width, &w, &vec![0; width], delta_in).unwrap();
    let identity: Vec<i64> = (0..domain as i64).collect();
    // Values < 2^11 times 2^52 stay in the half torus; the residual window (±2^-13) is far wider
    // than the output noise, so the measurement does not saturate.
    let delta_out = 1u64 << 52;
    let out = ops::ks_pbs(&f.server, &lwes, &identity, domain, delta_out, false).unwrap();
    let phases = ops::phases(&f.client, &out).unwrap();
    let mut position_errors = Vec::new();
    let mut output_noise = Vec::new();
    for (j, &p) in phases.iter().enumerate() {
        let read = ops::decode(p, delta_out);
        position_errors.push((read - values[j]) as f64);
        output_noise.push(p.wrapping_sub((read as u64).wrapping_mul(delta_out)) as i64 as f64 / 2f64.powi(64));
    }
    let mean = position_errors.iter().sum::<f64>() / width as f64;
    assert!(mean.abs() < 1.5, "reading is biased by {mean} positions");
    (std_dev(&position_errors), std_dev(&output_noise))
}

#[test]
fn bootstrap_noise_l1() {
    let (pos, out) = measure_pbs_noise(PBS_L1);
    eprintln!("L1: reading sigma {pos:.2} positions, output sigma 2^{:.2}", out.log2());
    assert!(pos > 2.0 && pos < 12.0, "reading sigma {pos}");
    assert!(out > 2f64.powi(-17) && out < 2f64.powi(-13), "output sigma {out:e}");
}

#[test]
fn bootstrap_noise_l2() {
    let (pos, out) = measure_pbs_noise(PBS_L2);
    eprintln!("L2: reading sigma {pos:.2} positions, output sigma 2^{:.2}", out.log2());
    assert!(pos > 2.0 && pos < 12.0, "reading sigma {pos}");
    assert!(out > 2f64.powi(-25) && out < 2f64.powi(-20), "output sigma {out:e}");
}

#[test]
fn bootstrap_noise_1_1() {
    let (pos, out) = measure_pbs_noise(PBS_1_1_L1);
    eprintln!("1_1: reading sigma {pos:.2} positions, output sigma 2^{:.2}", out.log2());
    // Same modulus-switch rounding in positions as 2_2 (n is close), but on 512 positions, not 2048.
    assert!(pos > 2.0 && pos < 12.0, "reading sigma {pos}");
    assert!(out > 2f64.powi(-19) && out < 2f64.powi(-12), "output sigma {out:e}");
}

#[test]
fn levelled_dense_and_compact() {
    let f = fixture(PBS_L2);
    let mut rng = Rng(3);
    let (hidden, outputs) = (40, 10);
    let delta = 1u64 << 44;
    let x: Vec<i64> = (0..hidden).map(|_| rng.range(0, 63)).collect();
    let mut eye = vec![0i64; hidden * hidden];
    for j in 0..hidden {
        eye[j * hidden + j] = 1;
    }
    let ct = ops::encrypt(&f.client, &x, hidden, delta).unwrap();
    let lwes = ops::dense_glwe(&f.server, &ct, hidden, hidden, &eye, &vec![0; hidden], delta).unwrap();
    let w: Vec<i64> = (0..hidden * outputs).map(|_| rng.range(-31, 31)).collect();
    let b: Vec<i64> = (0..outputs).map(|_| rng.range(-500, 500)).collect();
    let logits = ops::dense_lwe(&f.server, &lwes, hidden, outputs, &w, &b, delta).unwrap();
    let expected: Vec<i64> =
        (0..outputs).map(|j| (0..hidden).map(|i| w[j * hidden + i] * x[i]).sum::<i64>() + b[j]).collect();
    // Under the big key the modulus switch to 2^32 keeps levelled results exact.
    let exact = ops::compact(&f.server, &logits, false, 32, false).unwrap();
    let phases = ops::compact_phases(&f.client, &exact).unwrap();
    for j in 0..outputs {
        assert_eq!(ops::decode(phases[j], delta), expected[j], "logit {j}");
    }
    // After the keyswitch the error is the keyswitch noise (~2^-12 of the torus, 2^8 units here).
    let small = ops::compact(&f.server, &logits, true, 32, false).unwrap();
    let phases = ops::compact_phases(&f.client, &small).unwrap();
    for j in 0..outputs {
        let err = (ops::decode(phases[j], delta) - expected[j]).abs();
        assert!(err < 1 << 11, "logit {j} off by {err}");
    }
    let bytes = serial::to_bytes(&small, LIMIT).unwrap();
    assert!(bytes.len() < 10 * 4 * 920 + 200, "compact response is {} bytes", bytes.len());
    // 24 bits under the big key: 3 bytes per coefficient, rounding noise ~2^-20.8 of the torus.
    let packed = ops::compact(&f.server, &logits, false, 24, false).unwrap();
    let phases = ops::compact_phases(&f.client, &packed).unwrap();
    for j in 0..outputs {
        let err = (ops::decode(phases[j], delta) - expected[j]).abs();
        assert!(err < 1 << 5, "24-bit logit {j} off by {err}");
    }
    let bytes = serial::to_bytes(&packed, LIMIT).unwrap();
    assert!(bytes.len() < 10 * 3 * 2049 + 200, "24-bit response is {} bytes", bytes.len());
}

#[test]
fn serialization_round_trips_and_sizes() {
    let f = fixture(PBS_L1);
    let p = f.server.params;
    let eval: EvaluationKeyData = serial::from_bytes(&f.eval_bytes, &p, LIMIT).unwrap();
    assert_eq!(serial::to_bytes(&eval, LIMIT).unwrap(), f.eval_bytes);
    eprintln!("eval key: {} bytes", f.eval_bytes.len());
    assert!(f.eval_bytes.len() < 64 << 20);

    let ck_bytes = serial::to_bytes(&f.client.data, LIMIT).unwrap();
    let ck: ClientKeyData = serial::from_bytes(&ck_bytes, &p, LIMIT).unwrap();
    assert_eq!(serial::to_bytes(&ck, LIMIT).unwrap(), ck_bytes);

    let x: Vec<i64> = (0..784).map(|i| i % 16).collect();
    let ct = ops::encrypt(&f.client, &x, 784, 1 << 52).unwrap();
    let ct_bytes = serial::to_bytes(&ct, LIMIT).unwrap();
    eprintln!("query: {} bytes", ct_bytes.len());
    assert!(ct_bytes.len() <= 20480);
    let back: GlweBatch = serial::from_bytes(&ct_bytes, &p, LIMIT).unwrap();
    assert_eq!(serial::to_bytes(&back, LIMIT).unwrap(), ct_bytes);
}

#[test]
fn bad_bytes_are_rejected() {
    let f = fixture(PBS_L1);
    let p = f.server.params;
    let x: Vec<i64> = vec![1; 100];
    let ct_bytes = serial::to_bytes(&ops::encrypt(&f.client, &x, 100, 1 << 52).unwrap(), LIMIT).unwrap();

    let truncated = serial::from_bytes::<GlweBatch>(&ct_bytes[..ct_bytes.len() / 2], &p, LIMIT);
    assert!(matches!(truncated, Err(FheError::Malformed(_))));
    let oversized = serial::from_bytes::<GlweBatch>(&ct_bytes, &p, 1000);
    assert!(matches!(oversized, Err(FheError::Malformed(_))));
    let wrong_type = serial::from_bytes::<LweBatch>(&ct_bytes, &p, LIMIT);
    assert!(matches!(wrong_type, Err(FheError::Malformed(_))));
    let other = FheParams::by_name(PBS_L2).unwrap();
    let wrong_params = serial::from_bytes::<GlweBatch>(&ct_bytes, &other, LIMIT);
    assert!(matches!(wrong_params, Err(FheError::ParameterMismatch(_))));
    let wrong_key = serial::from_bytes::<EvaluationKeyData>(&f.eval_bytes, &other, LIMIT);
    assert!(matches!(wrong_key, Err(FheError::ParameterMismatch(_))));
    // Flipping bytes anywhere must give an error or a conformant object, never a panic.
    for i in (0..ct_bytes.len()).step_by(97) {
        let mut bad = ct_bytes.clone();
        bad[i] ^= 0xA5;
        let _ = serial::from_bytes::<GlweBatch>(&bad, &p, LIMIT);
        let _ = serial::from_bytes::<CompactBatch>(&bad, &p, LIMIT);
    }
}

#[test]
fn invalid_arguments_are_errors_not_panics() {
    let f = fixture(PBS_L1);
    let ct = ops::encrypt(&f.client, &[1, 2, 3], 3, 1 << 52).unwrap();
    assert!(matches!(ops::encrypt(&f.client, &[1, 2, 3], 2, 1), Err(FheError::InvalidArgument(_))));
    assert!(matches!(ops::encrypt(&f.client, &vec![0; 4096], 4096, 1), Err(FheError::InvalidArgument(_))));
    assert!(matches!(ops::dense_glwe(&f.server, &ct, 3, 2, &[1; 5], &[0; 2], 1), Err(FheError::InvalidArgument(_))));
    assert!(matches!(ops::dense_glwe(&f.server, &ct, 0, 2, &[], &[0; 2], 1), Err(FheError::InvalidArgument(_))));
    let lwes = ops::dense_glwe(&f.server, &ct, 3, 2, &[1; 6], &[0; 2], 1).unwrap();
    assert!(matches!(ops::ks_pbs(&f.server, &lwes, &[0; 12], 12, 1, false), Err(FheError::InvalidArgument(_))));
    assert!(matches!(ops::ks_pbs(&f.server, &lwes, &[0; 24], 16, 1, false), Err(FheError::InvalidArgument(_))));
    assert!(matches!(ops::dense_lwe(&f.server, &lwes, 3, 1, &[1; 3], &[0], 1), Err(FheError::InvalidArgument(_))));
}


/// An exact circuit (every table read on a box centre, far from its edges): 8 inputs in [0, 3] →
/// 6 (values < 16) → per-output tables over 16 → 4 (values < 16) → one shared table over 16 with
/// negative outputs → 2 outputs, compacted under the big key.
struct ExactCircuit {
    w1: Vec<i64>,
    b1: Vec<i64>,
    t1: Vec<i64>,
    w2: Vec<i64>,
    b2: Vec<i64>,
    t2: Vec<i64>,
    w3: Vec<i64>,
    b3: Vec<i64>,
}

const DOMAIN: usize = 16;
const OUT_DELTA: u64 = 1 << 56;

impl ExactCircuit {
    fn new(seed: u64) -> ExactCircuit {
        let mut rng = Rng(seed);
        // At most 4 ones per row: 4·3 + 1 < 16.
        let w1 = (0..6 * 8).map(|i| i64::from(i % 8 < 4) * rng.range(0, 1)).collect();
        let t1 = (0..6 * DOMAIN).map(|_| rng.range(0, 3)).collect();
        // At most 3 ones per row: 3·3 + 2 < 16.
        let w2 = (0..4 * 6).map(|i| i64::from(i % 6 < 3) * rng.range(0, 1)).collect();
        let t2 = (0..DOMAIN as i64).map(|v| v % 5 - 2).collect();
        ExactCircuit {
            w1,
            b1: vec![1; 6],
            t1,
            w2,
            b2: (0..4).map(|_| rng.range(0, 2)).collect(),
            t2,
            w3: (0..2 * 4).map(|_| rng.range(-2, 2)).collect(),
            b3: vec![3, -3],
        }
    }

    fn stages(&self) -> Vec<StageSpec<'_>> {
        let delta = lut::input_delta(DOMAIN);
        vec![
            StageSpec::InputDense { inputs: 8, outputs: 6, weights: &self.w1, bias: &self.b1, delta },
            StageSpec::Bootstrap { domain: DOMAIN, tables: &self.t1, delta_out: delta, saturating: false },
            StageSpec::LevelledDense { inputs: 6, outputs: 4, weights: &self.w2, bias: &self.b2, delta },
            StageSpec::Bootstrap { domain: DOMAIN, tables: &self.t2, delta_out: OUT_DELTA, saturating: false },
            StageSpec::LevelledDense { inputs: 4, outputs: 2, weights: &self.w3, bias: &self.b3, delta: OUT_DELTA },
            StageSpec::Compact { keyswitch: false, bits: 32, rerandomize: false },
        ]
    }

    /// The same stages through the per-operation functions.
    fn per_stage(&self, sk: &ServerKey, input: &GlweBatch) -> CompactBatch {
        let delta = lut::input_delta(DOMAIN);
        let h = ops::dense_glwe(sk, input, 8, 6, &self.w1, &self.b1, delta).unwrap();
        let h = ops::ks_pbs(sk, &h, &self.t1, DOMAIN, delta, false).unwrap();
        let h = ops::dense_lwe(sk, &h, 6, 4, &self.w2, &self.b2, delta).unwrap();
        let h = ops::ks_pbs(sk, &h, &self.t2, DOMAIN, OUT_DELTA, false).unwrap();
        let h = ops::dense_lwe(sk, &h, 4, 2, &self.w3, &self.b3, OUT_DELTA).unwrap();
        ops::compact(sk, &h, false, 32, false).unwrap()
    }

    fn plain(&self, x: &[i64]) -> Vec<i64> {
        let dense = |x: &[i64], w: &[i64], b: &[i64]| -> Vec<i64> {
            let dot = |j: usize| x.iter().enumerate().map(|(i, &xi)| w[j * x.len() + i] * xi).sum::<i64>();
            b.iter().enumerate().map(|(j, &bj)| bj + dot(j)).collect()
        };
        let h = dense(x, &self.w1, &self.b1);
        let h: Vec<i64> = h.iter().enumerate().map(|(j, &v)| self.t1[j * DOMAIN + v as usize]).collect();
        let h: Vec<i64> = dense(&h, &self.w2, &self.b2).iter().map(|&v| self.t2[v as usize]).collect();
        dense(&h, &self.w3, &self.b3)
    }
}

#[test]
fn compiled_circuit_equals_the_per_stage_path_bit_for_bit() {
    let f = fixture(PBS_L1);
    let c = ExactCircuit::new(5);
    let compiled = CompiledCircuit::new(f.server.params, 8, &c.stages()).unwrap();
    assert_eq!(compiled.output_width(), 2);
    let mut rng = Rng(9);
    let x: Vec<i64> = (0..8 * 3).map(|_| rng.range(0, 3)).collect();
    let input = ops::encrypt(&f.client, &x, 8, lut::input_delta(DOMAIN)).unwrap();
    let fast = compiled.evaluate(&f.server, &input).unwrap();
    let slow = c.per_stage(&f.server, &input);
    assert_eq!(serial::to_bytes(&fast, LIMIT).unwrap(), serial::to_bytes(&slow, LIMIT).unwrap());
    let phases = ops::compact_phases(&f.client, &fast).unwrap();
    let got: Vec<i64> = phases.iter().map(|&p| ops::decode(p, OUT_DELTA)).collect();
    for q in 0..3 {
        assert_eq!(got[q * 2..q * 2 + 2], c.plain(&x[q * 8..q * 8 + 8]), "query {q}");
    }
    // Prepared stages are reusable: a second evaluation computes the same ciphertexts.
    let again = compiled.evaluate(&f.server, &input).unwrap();
    assert_eq!(serial::to_bytes(&again, LIMIT).unwrap(), serial::to_bytes(&fast, LIMIT).unwrap());
}

#[test]
fn checkpoint_runs_between_bootstrap_chunks_and_its_error_stops_the_evaluation() {
    let f = fixture(PBS_L1);
    let width = ops::BOOTSTRAP_CHUNK + 10;
    let delta = lut::input_delta(DOMAIN);
    let (weights, bias, table) = (vec![1; width], vec![0; width], vec![7; DOMAIN]);
    let stages = [
        StageSpec::InputDense { inputs: 1, outputs: width, weights: &weights, bias: &bias, delta },
        StageSpec::Bootstrap { domain: DOMAIN, tables: &table, delta_out: OUT_DELTA, saturating: false },
        StageSpec::Compact { keyswitch: false, bits: 32, rerandomize: false },
    ];
    let compiled = CompiledCircuit::new(f.server.params, 1, &stages).unwrap();
    let input = ops::encrypt(&f.client, &[3], 1, delta).unwrap();
    let calls = AtomicUsize::new(0);
    let count = || -> FheResult<()> {
        calls.fetch_add(1, Ordering::SeqCst);
        Ok(())
    };
    let out = compiled.evaluate_with(&f.server, &input, &count).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2, "one call per chunk of {}", ops::BOOTSTRAP_CHUNK);
    let phases = ops::compact_phases(&f.client, &out).unwrap();
    assert!(phases.iter().all(|&p| ops::decode(p, OUT_DELTA) == 7));
    let stop = || -> FheResult<()> { Err(FheError::Internal("stopped".into())) };
    let err = compiled.evaluate_with(&f.server, &input, &stop).err().unwrap();
    assert!(matches!(err, FheError::Internal(m) if m == "stopped"));
}

#[test]
fn compilation_validates_the_circuit() {
    let p = FheParams::by_name(PBS_L1).unwrap();
    let c = ExactCircuit::new(1);
    let good = c.stages();
    let invalid = |stages: &[StageSpec], input_length: usize, what: &str| {
        let e = CompiledCircuit::new(p, input_length, stages).err();
        let e = e.unwrap_or_else(|| panic!("{what} was accepted"));
        assert!(matches!(e, FheError::InvalidArgument(_)), "{what}: {e:?}");
    };
    assert!(CompiledCircuit::new(p, 8, &good).is_ok());
    assert!(CompiledCircuit::new(p, 8, &[good[0], good[3], good[2], good[3], good[5]]).is_ok());
    invalid(&good, 7, "input length other than the first layer's inputs");
    invalid(&good[1..], 8, "no input layer first");
    invalid(&good[..5], 8, "no compaction last");
    invalid(&[good[0], good[5], good[5]], 8, "compaction in the middle");
    invalid(&[good[0], good[0], good[5]], 8, "a second input layer");
    invalid(&[good[0], good[4], good[5]], 8, "levelled layer of the wrong width");
    invalid(&[good[0], good[1], good[1], good[4], good[5]], 8, "4-wide layer after 6 values");
    let twelve = vec![0i64; 12];
    invalid(&[good[0], StageSpec::Bootstrap { domain: 12, tables: &twelve, delta_out: 1, saturating: false }, good[5]], 8, "domain 12");
    invalid(&[good[0], StageSpec::Bootstrap { domain: 4, tables: &twelve, delta_out: 1, saturating: false }, good[5]], 8, "3 tables for 6");
    invalid(&[good[0], StageSpec::Compact { keyswitch: true, bits: 40, rerandomize: false }], 8, "40 bits");
    let wide = vec![0i64; 2049];
    let one = vec![0i64; 1];
    let too_wide = StageSpec::InputDense { inputs: 2049, outputs: 1, weights: &wide, bias: &one, delta: 1 };
    invalid(&[too_wide, good[5]], 2049, "more inputs than N");
}

#[test]
fn compiled_circuit_refuses_another_parameter_set() {
    let (l1, l2) = (fixture(PBS_L1), fixture(PBS_L2));
    let c = ExactCircuit::new(2);
    let for_l2 = CompiledCircuit::new(l2.server.params, 8, &c.stages()).unwrap();
    let input = ops::encrypt(&l1.client, &[1; 8], 8, lut::input_delta(DOMAIN)).unwrap();
    assert!(matches!(for_l2.evaluate(&l1.server, &input), Err(FheError::ParameterMismatch(_))));
    assert!(matches!(for_l2.evaluate(&l2.server, &input), Err(FheError::ParameterMismatch(_))));
}

#[test]
fn stages_decode_from_their_flat_layout() {
    let dense = [circuit::INPUT_DENSE, 2, 1, 5, 7, 8, 9];
    assert!(matches!(
        StageSpec::decode(&dense).unwrap(),
        StageSpec::InputDense { inputs: 2, outputs: 1, weights: [7, 8], bias: [9], delta: 5 }
    ));
    let tables = [circuit::BOOTSTRAP, 2, 2, 1 << 59, 1, 2, 3, 4];
    let decoded = StageSpec::decode(&tables).unwrap();
    assert!(matches!(decoded, StageSpec::Bootstrap { domain: 2, tables: [1, 2, 3, 4], .. }));
    let compact = [circuit::COMPACT, 1, 24, 0];
    assert!(matches!(StageSpec::decode(&compact).unwrap(), StageSpec::Compact { keyswitch: true, bits: 24, rerandomize: false }));
    for bad in [
        &[circuit::COMPACT, 1, 24][..],
        &[circuit::LEVELLED_DENSE, 2, 1, 5, 7, 8],
        &[circuit::LEVELLED_DENSE, 2, 1, -5, 7, 8, 9],
        &[circuit::LEVELLED_DENSE, 2, 1, 0, 7, 8, 9],
        &[circuit::INPUT_DENSE, -2, 1, 5, 7, 8, 9],
        &[circuit::INPUT_DENSE, i64::MAX, i64::MAX, 5],
        &[circuit::BOOTSTRAP, 2, 2, 1, 1, 2, 3],
        &[circuit::COMPACT, 2, 24, 0],
        &[circuit::COMPACT, 0, 24, 0, 1],
        &[9, 0, 0, 1],
    ] {
        assert!(matches!(StageSpec::decode(bad), Err(FheError::InvalidArgument(_))), "{bad:?} was accepted");
    }
}

#[test]
fn server_keys_share_one_pool_that_outlives_its_handle() {
    let f = fixture(PBS_L1);
    let p = f.server.params;
    let eval: EvaluationKeyData = serial::from_bytes(&f.eval_bytes, &p, LIMIT).unwrap();
    let pool = EvaluationPool::new(2).unwrap();
    let (a, b) = (ServerKey::expand(p, &eval, &pool), ServerKey::expand(p, &eval, &pool));
    assert!(Arc::ptr_eq(&a.pool, &b.pool));
    drop(pool);
    // The keys keep the threads alive after the pool's own handle is gone.
    assert_eq!((a.threads(), b.threads()), (2, 2));
    let ct = ops::encrypt(&f.client, &[4, 5], 2, 1 << 40).unwrap();
    for key in [&a, &b] {
        let out = ops::dense_glwe(key, &ct, 2, 1, &[3, -1], &[2], 1 << 40).unwrap();
        assert_eq!(ops::decode(ops::phases(&f.client, &out).unwrap()[0], 1 << 40), 3 * 4 - 5 + 2);
    }
    assert!(matches!(EvaluationPool::new(crate::pool::MAX_THREADS + 1), Err(FheError::InvalidArgument(_))));
}

#[test]
fn chunked_evaluation_equals_one_pass_and_a_raised_flag_cancels() {
    let f = fixture(PBS_L1);
    let c = ExactCircuit::new(11);
    let compiled = CompiledCircuit::new(f.server.params, 8, &c.stages()).unwrap();
    let mut rng = Rng(12);
    let x: Vec<i64> = (0..8 * 5).map(|_| rng.range(0, 3)).collect();
    let input = ops::encrypt(&f.client, &x, 8, lut::input_delta(DOMAIN)).unwrap();
    let whole = compiled.evaluate(&f.server, &input).unwrap();
    let flag = circuit::CancelFlag::default();
    let chunks = AtomicUsize::new(0);
    let counted = || -> FheResult<()> {
        chunks.fetch_add(1, Ordering::SeqCst);
        flag.check()
    };
    let parts = compiled.evaluate_chunked(&f.server, &input, 2, &counted).unwrap();
    assert_eq!(parts.queries.len(), 5);
    let decode = |b: &CompactBatch| -> Vec<i64> {
        ops::compact_phases(&f.client, b).unwrap().iter().map(|&p| ops::decode(p, OUT_DELTA)).collect()
    };
    assert_eq!(decode(&parts), decode(&whole), "chunks of 2 queries compute what one pass computes");
    assert!(chunks.load(Ordering::SeqCst) >= 3, "a checkpoint before each of the 3 chunks");
    assert!(matches!(compiled.evaluate_chunked(&f.server, &input, 0, &|| Ok(())), Err(FheError::InvalidArgument(_))));
    flag.cancel();
    let cancelled = compiled.evaluate_chunked(&f.server, &input, 2, &|| flag.check());
    assert!(matches!(cancelled, Err(FheError::Cancelled(_))));
}

/// LWEs holding `values` (one per ciphertext) at `delta`, through an identity dense layer.
fn lwes_of(f: &Fixture, values: &[i64], delta: u64) -> LweBatch {
    let width = values.len();
    let mut eye = vec![0i64; width * width];
    for j in 0..width {
        eye[j * width + j] = 1;
    }
    let ct = ops::encrypt(&f.client, values, width, delta).unwrap();
    ops::dense_glwe(&f.server, &ct, width, width, &eye, &vec![0; width], delta).unwrap()
}

#[test]
fn a_saturating_table_reads_the_nearer_end_past_either_end_where_a_plain_one_wraps() {
    let f = fixture(PBS_L1);
    let domain = 16;
    // Flat ends: 2 below, 9 above, a ramp in between.
    let table: Vec<i64> = (0..domain as i64).map(|v| (v - 4).clamp(2, 9)).collect();
    let delta_in = lut::input_delta(domain);
    let delta_out = 1u64 << 56;
    // In the domain; past the top by up to the bottom flat's length (7 values); below 0 by up to
    // the top flat's (3 values); and, last, one step further down, where the mirrored ramp begins.
    let values = [0i64, 7, 15, 16, 18, 22, -1, -3, -5];
    let lwes = lwes_of(f, &values, delta_in);
    let read = |saturating: bool| -> Vec<i64> {
        let out = ops::ks_pbs(&f.server, &lwes, &table, domain, delta_out, saturating).unwrap();
        ops::phases(&f.client, &out).unwrap().iter().map(|&p| ops::decode(p, delta_out)).collect()
    };
    assert_eq!(read(true), vec![2, 3, 9, 9, 9, 9, 2, 2, 4], "saturating");
    // The same inputs through the plain table come back negated past either end.
    assert_eq!(read(false), vec![2, 3, 9, -2, -2, -2, -9, -9, -7], "plain");
    // Saturating tables need an even output delta (Δ/2 must be exact).
    assert!(matches!(ops::ks_pbs(&f.server, &lwes, &table, domain, 3, true), Err(FheError::InvalidArgument(_))));
}

#[test]
fn rerandomized_compaction_decrypts_the_same_with_a_fresh_mask() {
    let f = fixture(PBS_L2);
    let delta = 1u64 << 50;
    let values = [5i64, -7, 100, 0];
    let lwes = lwes_of(f, &values, delta);
    let a = ops::compact(&f.server, &lwes, false, 32, true).unwrap();
    let b = ops::compact(&f.server, &lwes, false, 32, true).unwrap();
    let plain = ops::compact(&f.server, &lwes, false, 32, false).unwrap();
    for batch in [&a, &b, &plain] {
        let got: Vec<i64> = ops::compact_phases(&f.client, batch).unwrap().iter().map(|&p| ops::decode(p, delta)).collect();
        assert_eq!(got, values);
    }
    let (ca, cb, cp) =
        (ops::compact_coefficients(&a), ops::compact_coefficients(&b), ops::compact_coefficients(&plain));
    let dim = f.server.params.big_lwe_dimension().0 + 1;
    for j in 0..values.len() {
        let mask = |c: &[u64]| c[j * dim..j * dim + dim - 1].to_vec();
        // The mask is fresh each time: it shares nothing with the computed one or another run's.
        let same = |x: &[u64], y: &[u64]| x.iter().zip(y).filter(|(p, q)| p == q).count();
        assert!(same(&mask(&ca), &mask(&cp)) < 4 && same(&mask(&ca), &mask(&cb)) < 4, "value {j}");
    }
    // The per-operation re-randomization: noise about (n + 1)·σ² of TUniform(17), ~2^-42.
    let r = ops::rerandomize(&f.server, &lwes).unwrap();
    let phases = ops::phases(&f.client, &r).unwrap();
    for (j, &p) in phases.iter().enumerate() {
        let err = p.wrapping_sub((values[j] as u64).wrapping_mul(delta)) as i64;
        assert!(err.unsigned_abs() < 1 << 26, "value {j}: error {err}");
    }
}

#[test]
fn a_key_without_public_key_cannot_serve_a_sanitized_circuit() {
    let f = fixture(PBS_L1);
    let p = f.server.params;
    let mut eval: EvaluationKeyData = serial::from_bytes(&f.eval_bytes, &p, LIMIT).unwrap();
    assert!(eval.public_key.is_some());
    eval.public_key = None;
    let old = ServerKey::expand(p, &eval, pool());
    let lwes = lwes_of(f, &[1, 2], 1 << 50);
    assert!(matches!(ops::compact(&old, &lwes, false, 32, true), Err(FheError::ParameterMismatch(_))));
    assert!(ops::compact(&old, &lwes, false, 32, false).is_ok());
    // A public key of the wrong shape is refused when read.
    let mut bad: EvaluationKeyData = serial::from_bytes(&f.eval_bytes, &p, LIMIT).unwrap();
    use tfhe::core_crypto::prelude::*;
    let mut generator = SecretRandomGenerator::<DefaultRandomGenerator>::new(tfhe::core_crypto::commons::math::random::Seed(7));
    let other = allocate_and_generate_new_binary_lwe_secret_key(LweDimension(1024), &mut generator);
    let small = allocate_and_generate_new_seeded_lwe_compact_public_key(
        &other,
        p.glwe_noise,
        p.ciphertext_modulus,
        tfhe::core_crypto::seeders::new_seeder().as_mut(),
    );
    bad.public_key = Some(small);
    let bytes = serial::to_bytes(&bad, LIMIT).unwrap();
    assert!(matches!(serial::from_bytes::<EvaluationKeyData>(&bytes, &p, LIMIT), Err(FheError::ParameterMismatch(_))));
    let size = serial::public_key_bytes(eval_public_key(f)).unwrap();
    eprintln!("public key: {size} bytes of {} in the evaluation key", f.eval_bytes.len());
    assert!(size > 8 * 2048 && size < 8 * 2048 + 256, "a seeded public key is one body polynomial: {size}");
}

fn eval_public_key(f: &Fixture) -> &'static tfhe::core_crypto::prelude::SeededLweCompactPublicKeyOwned<u64> {
    static KEY: OnceLock<EvaluationKeyData> = OnceLock::new();
    let eval = KEY.get_or_init(|| serial::from_bytes(&f.eval_bytes, &f.server.params, LIMIT).unwrap());
    eval.public_key.as_ref().unwrap()
}

#[test]
fn secret_keys_are_wiped() {
    let f = fixture(PBS_L1);
    let mut data = f.client.data.clone();
    assert!(data.glwe_secret_key.as_ref().iter().any(|&b| b != 0));
    data.zeroize_secrets();
    assert!(data.glwe_secret_key.as_ref().iter().chain(data.lwe_secret_key.as_ref()).all(|&b| b == 0));
    // A key refused after reading is wiped by its owner (ClientKey's Drop) before the error returns.
    let mut key = ClientKey { params: f.client.params, data: f.client.data.clone() };
    key.data.glwe_secret_key.as_mut()[0] = 7;
    assert!(matches!(key.data.check_binary(), Err(FheError::Malformed(_))));
}

#[test]
fn a_compiled_circuit_with_saturation_and_sanitized_output_matches_the_per_stage_path() {
    let f = fixture(PBS_L1);
    let delta = lut::input_delta(DOMAIN);
    let (w, b) = (vec![1i64, 1, 1, 1], vec![0i64]);
    let table: Vec<i64> = (0..DOMAIN as i64).map(|v| (v - 3).clamp(0, 6)).collect();
    let stages = [
        StageSpec::InputDense { inputs: 4, outputs: 1, weights: &w, bias: &b, delta },
        StageSpec::Bootstrap { domain: DOMAIN, tables: &table, delta_out: OUT_DELTA, saturating: true },
        StageSpec::Compact { keyswitch: false, bits: 24, rerandomize: true },
    ];
    let compiled = CompiledCircuit::new(f.server.params, 4, &stages).unwrap();
    // Sums 0, 5, 16 and 19: past the domain of 16 they saturate at 6 instead of wrapping.
    let x: Vec<i64> = vec![0, 0, 0, 0, 2, 2, 1, 0, 4, 4, 4, 4, 5, 5, 5, 4];
    let input = ops::encrypt(&f.client, &x, 4, delta).unwrap();
    let out = compiled.evaluate(&f.server, &input).unwrap();
    let got: Vec<i64> = ops::compact_phases(&f.client, &out).unwrap().iter().map(|&p| ops::decode(p, OUT_DELTA)).collect();
    assert_eq!(got, vec![0, 2, 6, 6]);
}

#[test]
fn new_stage_kinds_decode() {
    let tables = [circuit::SATURATING_BOOTSTRAP, 2, 1, 1 << 59, 1, 2];
    assert!(matches!(StageSpec::decode(&tables).unwrap(), StageSpec::Bootstrap { saturating: true, .. }));
    let compact = [circuit::COMPACT, 0, 24, 1];
    assert!(matches!(StageSpec::decode(&compact).unwrap(), StageSpec::Compact { rerandomize: true, .. }));
    assert!(matches!(StageSpec::decode(&[circuit::COMPACT, 0, 24, 2]), Err(FheError::InvalidArgument(_))));
}
