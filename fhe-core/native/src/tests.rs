//! Engine tests without a JVM. Keys are generated from fixed (insecure) seeds once per process.

use crate::ciphertext::{CompactBatch, GlweBatch, LweBatch};
use crate::error::FheError;
use crate::keys::{ClientKey, ClientKeyData, EvaluationKeyData, ServerKey};
use crate::params::{FheParams, PBS_L1, PBS_L2};
use crate::{lut, ops, serial};
use std::sync::OnceLock;

const LIMIT: u64 = 1 << 30;

struct Fixture {
    client: ClientKey,
    eval_bytes: Vec<u8>,
    server: ServerKey,
}

fn fixture(name: &'static str) -> &'static Fixture {
    static L1: OnceLock<Fixture> = OnceLock::new();
    static L2: OnceLock<Fixture> = OnceLock::new();
    let cell = if name == PBS_L1 { &L1 } else { &L2 };
    cell.get_or_init(|| {
        let params = FheParams::by_name(name).unwrap();
        let client = ClientKey::generate_insecure_seeded(params, 42);
        let eval = client.generate_evaluation_key();
        let eval_bytes = serial::to_bytes(&eval, LIMIT).unwrap();
        let server = ServerKey::expand(params, &eval, 0).unwrap();
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
    let out = ops::ks_pbs(&f.server, &lwes, &tables, domain, delta_out).unwrap();
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
    let values: Vec<i64> = (0..width as i64).map(|i| 200 + 6 * i).collect();
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
    let out = ops::ks_pbs(&f.server, &lwes, &identity, domain, delta_out).unwrap();
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
    let exact = ops::compact(&f.server, &logits, false, 32).unwrap();
    let phases = ops::compact_phases(&f.client, &exact).unwrap();
    for j in 0..outputs {
        assert_eq!(ops::decode(phases[j], delta), expected[j], "logit {j}");
    }
    // After the keyswitch the error is the keyswitch noise (~2^-12 of the torus, 2^8 units here).
    let small = ops::compact(&f.server, &logits, true, 32).unwrap();
    let phases = ops::compact_phases(&f.client, &small).unwrap();
    for j in 0..outputs {
        let err = (ops::decode(phases[j], delta) - expected[j]).abs();
        assert!(err < 1 << 11, "logit {j} off by {err}");
    }
    let bytes = serial::to_bytes(&small, LIMIT).unwrap();
    assert!(bytes.len() < 10 * 4 * 920 + 200, "compact response is {} bytes", bytes.len());
    // 24 bits under the big key: 3 bytes per coefficient, rounding noise ~2^-20.8 of the torus.
    let packed = ops::compact(&f.server, &logits, false, 24).unwrap();
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
    assert!(matches!(ops::ks_pbs(&f.server, &lwes, &[0; 12], 12, 1), Err(FheError::InvalidArgument(_))));
    assert!(matches!(ops::ks_pbs(&f.server, &lwes, &[0; 24], 16, 1), Err(FheError::InvalidArgument(_))));
    assert!(matches!(ops::dense_lwe(&f.server, &lwes, 3, 1, &[1; 3], &[0], 1), Err(FheError::InvalidArgument(_))));
}

