//! Ciphertext containers exchanged with Java, always batches: one entry per query in a batch.

use serde::{Deserialize, Serialize};
use tfhe::core_crypto::prelude::*;
use tfhe_versionable::{Versionize, VersionsDispatch};

/// Encrypted input vectors: one seeded GLWE per query, value i in coefficient i.
#[derive(Clone, Serialize, Deserialize, Versionize)]
#[versionize(GlweBatchVersions)]
pub struct GlweBatch {
    pub params_name: String,
    pub ciphertexts: Vec<SeededGlweCiphertextOwned<u64>>,
}

#[derive(VersionsDispatch)]
#[allow(dead_code)]
pub enum GlweBatchVersions {
    V0(GlweBatch),
}

/// LWE ciphertexts under the big key (2048 + 1 coefficients each): per query, one per neuron.
#[derive(Clone, Serialize, Deserialize, Versionize)]
#[versionize(LweBatchVersions)]
pub struct LweBatch {
    pub params_name: String,
    pub lists: Vec<LweCiphertextListOwned<u64>>,
}

#[derive(VersionsDispatch)]
#[allow(dead_code)]
pub enum LweBatchVersions {
    V0(LweBatch),
}

/// Compact results: each LWE coefficient modulus-switched to its top `bits` bits (8..=32) and packed
/// little-endian in ⌈bits/8⌉ bytes; either keyswitched to the small key first (fewest coefficients,
/// adds keyswitch noise ~2^-11) or still under the big key (no keyswitch noise).
#[derive(Clone, Serialize, Deserialize, Versionize)]
#[versionize(CompactBatchVersions)]
pub struct CompactBatch {
    pub params_name: String,
    pub small_key: bool,
    pub bits: u32,
    /// LWE ciphertexts per query.
    pub width: usize,
    /// Packed coefficients, one vector per query.
    pub queries: Vec<Vec<u8>>,
}

#[derive(VersionsDispatch)]
#[allow(dead_code)]
pub enum CompactBatchVersions {
    V0(CompactBatch),
}

impl LweBatch {
    /// Number of ciphertexts per query; all queries of a batch have the same count.
    pub fn width(&self) -> usize {
        self.lists.first().map_or(0, |l| l.lwe_ciphertext_count().0)
    }
}

impl CompactBatch {
    pub fn width(&self) -> usize {
        self.width
    }

    pub fn bytes_per_coefficient(bits: u32) -> usize {
        bits.div_ceil(8) as usize
    }
}
