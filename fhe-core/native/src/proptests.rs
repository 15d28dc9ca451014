//! Mutation property tests over serialized keys and ciphertexts: whatever bytes arrive (flipped,
//! truncated, a size field set to 0 or to its maximum, a crafted compression seed), reading them
//! gives a value that is safe to use or a `Malformed`/`ParameterMismatch` error, never a panic. A
//! panic would reach Java as an `AssertionError` and the server would answer 500 instead of
//! `invalid_ciphertext`/`invalid_key`.

use crate::ciphertext::{CompactBatch, GlweBatch};
use crate::error::{FheError, FheResult};
use crate::keys::{ClientKey, EvaluationKeyData, ServerKey};
use crate::params::{FheParams, PBS_L1};
use crate::pool::EvaluationPool;
use crate::{ops, serial};
use proptest::collection::vec;
use proptest::prelude::*;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;
use tfhe::core_crypto::commons::math::random::{CompressionSeed, Seed};
use tfhe::core_crypto::prelude::*;

const LIMIT: u64 = 1 << 30;

struct Bytes {
    params: FheParams,
    client: ClientKey,
    glwe: Vec<u8>,
    compact: Vec<u8>,
    eval: Vec<u8>,
}

/// One key pair and one serialized object of each kind, made once (insecure fixed seed: tests only).
fn bytes() -> &'static Bytes {
    static BYTES: OnceLock<Bytes> = OnceLock::new();
    BYTES.get_or_init(|| {
        let params = FheParams::by_name(PBS_L1).unwrap();
        let client = ClientKey::generate_insecure_seeded(params, 7);
        let eval = client.generate_evaluation_key().unwrap();
        let pool = EvaluationPool::new(0).unwrap();
        let server = ServerKey::expand(params, &eval, &pool);
        let input = ops::encrypt(&client, &[1, 2, 3, 0, 1, 2, 3, 0], 8, 1 << 58).unwrap();
        let lwes = ops::dense_glwe(&server, &input, 8, 2, &[1; 16], &[0; 2], 1 << 58).unwrap();
        let compact = ops::compact(&server, &lwes, true, 16, false).unwrap();
        Bytes {
            params,
            glwe: serial::to_bytes(&input, LIMIT).unwrap(),
            compact: serial::to_bytes(&compact, LIMIT).unwrap(),
            eval: serial::to_bytes(&eval, LIMIT).unwrap(),
            client,
        }
    })
}

/// A change to serialized bytes.
#[derive(Clone, Debug)]
enum Mutation {
    /// XOR a byte.
    Flip(usize, u8),
    /// Overwrite an 8-byte little-endian word (sizes, lengths, dimensions): 0, all ones, or anything.
    Word(usize, u64),
    /// Cut the bytes short.
    Truncate(usize),
}

fn mutation(window: usize) -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(at, x)| Mutation::Flip(at, x)),
        (0..window, prop_oneof![Just(0u64), Just(u64::MAX), any::<u64>()]).prop_map(|(at, w)| Mutation::Word(at, w)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

/// Applies mutations; `Word` lands in the first `window` bytes, where the headers and lengths are.
fn mutate(original: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut b = original.to_vec();
    for m in mutations {
        if b.is_empty() {
            break;
        }
        match *m {
            Mutation::Flip(at, x) => {
                let i = at % b.len();
                b[i] ^= x;
            }
            Mutation::Word(at, w) => {
                let i = at.min(b.len().saturating_sub(8));
                let end = (i + 8).min(b.len());
                b[i..end].copy_from_slice(&w.to_le_bytes()[..end - i]);
            }
            Mutation::Truncate(at) => b.truncate(at % b.len()),
        }
    }
    b
}

/// Runs `f`, turning a panic into a test failure that names the input's origin.
fn no_panic<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, TestCaseError> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|_| TestCaseError::fail(format!("{what} panicked")))
}

/// A refusal must be one of the errors the server answers `invalid_*` for.
fn refused_cleanly<T>(r: &FheResult<T>) -> bool {
    matches!(r, Ok(_) | Err(FheError::Malformed(_)) | Err(FheError::ParameterMismatch(_)))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_ciphertexts_are_refused_or_decompress(mutations in vec(mutation(512), 1..6)) {
        let f = bytes();
        let bad = mutate(&f.glwe, &mutations);
        let read = no_panic("reading a ciphertext batch", || serial::from_bytes::<GlweBatch>(&bad, &f.params, LIMIT))?;
        prop_assert!(refused_cleanly(&read), "{:?}", read.err());
        if let Ok(batch) = read {
            // What the server does first with an accepted batch: expand each seeded mask.
            no_panic("decompressing an accepted ciphertext", || {
                for ct in batch.ciphertexts {
                    ct.decompress_into_glwe_ciphertext();
                }
            })?;
        }
    }

    #[test]
    fn mutated_compact_results_are_refused_or_decrypt(mutations in vec(mutation(256), 1..6)) {
        let f = bytes();
        let bad = mutate(&f.compact, &mutations);
        let read = no_panic("reading a compact batch", || serial::from_bytes::<CompactBatch>(&bad, &f.params, LIMIT))?;
        prop_assert!(refused_cleanly(&read), "{:?}", read.err());
        if let Ok(batch) = read {
            let phases = no_panic("decrypting an accepted compact batch", || ops::compact_phases(&f.client, &batch))?;
            prop_assert!(phases.is_ok());
        }
    }
}

proptest! {
    // Expanding a key costs about a second: few cases, mutations where the headers and seeds are.
    #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_evaluation_keys_are_refused_or_expand(mutations in vec(mutation(1024), 1..4)) {
        let f = bytes();
        let mutations: Vec<Mutation> = mutations
            .into_iter()
            .map(|m| match m {
                Mutation::Flip(at, x) => Mutation::Flip(at % 1024, x),
                other => other,
            })
            .collect();
        let bad = mutate(&f.eval, &mutations);
        let read = no_panic("reading an evaluation key", || serial::from_bytes::<EvaluationKeyData>(&bad, &f.params, LIMIT))?;
        prop_assert!(refused_cleanly(&read), "{:?}", read.err());
        if let Ok(key) = read {
            let pool = EvaluationPool::new(2).unwrap();
            no_panic("expanding an accepted evaluation key", || ServerKey::expand(f.params, &key, &pool))?;
        }
    }
}

/// A compression seed whose random stream starts where it cannot produce a whole mask.
fn crafted_seed() -> CompressionSeed {
    use tfhe_csprng::generators::aes_ctr::{AesCtrParams, TableIndex};
    use tfhe_csprng::seeders::SeedKind;
    CompressionSeed { inner: AesCtrParams { seed: SeedKind::Ctr(Seed(1)), first_index: TableIndex::LAST } }
}

#[test]
fn a_crafted_seed_in_a_ciphertext_is_malformed_not_a_panic() {
    let f = bytes();
    let mut batch: GlweBatch = serial::from_bytes(&f.glwe, &f.params, LIMIT).unwrap();
    let ct = batch.ciphertexts.remove(0);
    let (glwe_size, modulus) = (ct.glwe_size(), ct.ciphertext_modulus());
    let poly = ct.polynomial_size();
    let crafted = SeededGlweCiphertext::from_container(ct.into_container(), glwe_size, crafted_seed(), modulus);
    assert_eq!(crafted.polynomial_size(), poly);
    batch.ciphertexts.insert(0, crafted);
    let bytes = serial::to_bytes(&batch, LIMIT).unwrap();
    let read = catch_unwind(|| serial::from_bytes::<GlweBatch>(&bytes, &f.params, LIMIT)).expect("no panic");
    assert!(matches!(read, Err(FheError::Malformed(_))), "{:?}", read.err());
}

#[test]
fn a_crafted_seed_in_an_evaluation_key_is_malformed_not_a_panic() {
    let f = bytes();
    let key: EvaluationKeyData = serial::from_bytes(&f.eval, &f.params, LIMIT).unwrap();
    let ksk = key.keyswitch_key.clone();
    let crafted_ksk = SeededLweKeyswitchKey::from_container(
        ksk.clone().into_container(),
        ksk.decomposition_base_log(),
        ksk.decomposition_level_count(),
        ksk.output_key_lwe_dimension().to_lwe_size(),
        crafted_seed(),
        ksk.ciphertext_modulus(),
    );
    let crafted = EvaluationKeyData { keyswitch_key: crafted_ksk, ..key };
    let bytes = serial::to_bytes(&crafted, LIMIT).unwrap();
    let read = catch_unwind(|| serial::from_bytes::<EvaluationKeyData>(&bytes, &f.params, LIMIT)).expect("no panic");
    assert!(matches!(read, Err(FheError::Malformed(_))), "{:?}", read.err());
}
