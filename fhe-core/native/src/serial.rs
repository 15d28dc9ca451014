//! Serialization of every key and ciphertext through `tfhe::safe_serialization`: versioned,
//! size-limited, and checked against the parameter set (shape and container lengths) so that a
//! malformed or foreign object is rejected before any operation touches it.

use crate::ciphertext::{CompactBatch, GlweBatch, LweBatch};
use crate::error::{FheError, FheResult};
use crate::keys::{ClientKeyData, EvaluationKeyData};
use crate::params::FheParams;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tfhe::core_crypto::commons::math::random::{CompressionSeed, Seed};
use tfhe::core_crypto::prelude::*;
use tfhe::named::Named;
use tfhe::safe_serialization::{DeserializationConfig, SerializationConfig};
use tfhe_versionable::{Unversionize, Versionize, VersionsDispatch};

/// Deep structural check of a deserialized object against a parameter set.
pub trait Conformance {
    fn check(&self, params: &FheParams) -> FheResult<()>;
}

fn mismatch(msg: String) -> FheError {
    FheError::ParameterMismatch(msg)
}

fn check_name(kind: &str, actual: &str, params: &FheParams) -> FheResult<()> {
    if actual == params.name {
        Ok(())
    } else {
        Err(mismatch(format!(
            "{kind} was made for parameter set '{actual}', expected '{}'",
            params.name
        )))
    }
}

fn check_eq<T: PartialEq + std::fmt::Debug>(kind: &str, field: &str, actual: T, expected: T) -> FheResult<()> {
    if actual == expected {
        Ok(())
    } else {
        Err(mismatch(format!("{kind}: {field} is {actual:?}, expected {expected:?}")))
    }
}

/// Every seeded object this engine writes starts its mask stream at the first index of a plain
/// AES-CTR seed. A crafted seed (another start, another kind) can exhaust the stream while the mask
/// is regenerated, which panics inside tfhe-rs; it is refused here, before anything decompresses.
fn check_seed(kind: &str, what: &str, seed: &CompressionSeed) -> FheResult<()> {
    let expected = CompressionSeed::from(Seed(0));
    if seed.inner.first_index == expected.inner.first_index
        && std::mem::discriminant(&seed.inner.seed) == std::mem::discriminant(&expected.inner.seed)
    {
        Ok(())
    } else {
        Err(FheError::Malformed(format!("{kind}: the {what} compression seed is not one this engine writes")))
    }
}

pub fn to_bytes<T: Serialize + Versionize + Named>(value: &T, limit: u64) -> FheResult<Vec<u8>> {
    let mut out = Vec::new();
    SerializationConfig::new(limit)
        .serialize_into(value, &mut out)
        .map_err(|e| FheError::InvalidArgument(format!("cannot serialize {}: {e}", T::NAME)))?;
    Ok(out)
}

/// Reads an object written by [`to_bytes`], refusing more than `limit` bytes, then checks it.
pub fn from_bytes<T>(bytes: &[u8], params: &FheParams, limit: u64) -> FheResult<T>
where
    T: DeserializeOwned + Unversionize + Named + Conformance,
{
    let value: T = read(bytes, limit)?;
    value.check(params)?;
    Ok(value)
}

/// [`from_bytes`] without the conformance check, for a caller that must own the value before it
/// is checked (a secret key, wiped by its owner's `Drop` if the check fails).
pub fn read<T>(bytes: &[u8], limit: u64) -> FheResult<T>
where
    T: DeserializeOwned + Unversionize + Named,
{
    if bytes.len() as u64 > limit {
        return Err(FheError::Malformed(format!(
            "{} is {} bytes, above the limit of {limit} bytes",
            T::NAME,
            bytes.len()
        )));
    }
    DeserializationConfig::new(limit)
        .disable_conformance()
        .deserialize_from(bytes)
        .map_err(|e| FheError::Malformed(format!("cannot read {} ({} bytes): {e}", T::NAME, bytes.len())))
}

macro_rules! named {
    ($t:ty, $name:literal) => {
        impl Named for $t {
            const NAME: &'static str = $name;
        }
    };
}

named!(ClientKeyData, "fheml::ClientKey");
named!(EvaluationKeyData, "fheml::EvaluationKey");
named!(GlweBatch, "fheml::GlweBatch");
named!(LweBatch, "fheml::LweBatch");
named!(CompactBatch, "fheml::CompactBatch");

impl Conformance for ClientKeyData {
    fn check(&self, p: &FheParams) -> FheResult<()> {
        const KIND: &str = "client key";
        check_name(KIND, &self.params_name, p)?;
        let glwe = self.glwe_secret_key.as_ref();
        check_eq(KIND, "GLWE key length", glwe.len(), p.glwe_dimension.0 * p.polynomial_size.0)?;
        check_eq(KIND, "polynomial size", self.glwe_secret_key.polynomial_size(), p.polynomial_size)?;
        let lwe = self.lwe_secret_key.as_ref();
        check_eq(KIND, "LWE key length", lwe.len(), p.lwe_dimension.0)
    }
}

impl ClientKeyData {
    /// Secret keys are binary; checked apart from the shape so the caller can wipe a bad key.
    pub fn check_binary(&self) -> FheResult<()> {
        let (glwe, lwe) = (self.glwe_secret_key.as_ref(), self.lwe_secret_key.as_ref());
        if glwe.iter().chain(lwe).any(|&b| b > 1) {
            return Err(FheError::Malformed("client key: secret key is not binary".into()));
        }
        Ok(())
    }
}

impl Conformance for EvaluationKeyData {
    fn check(&self, p: &FheParams) -> FheResult<()> {
        const KIND: &str = "evaluation key";
        check_name(KIND, &self.params_name, p)?;
        let bsk = &self.bootstrap_key;
        check_eq(KIND, "bootstrap input dimension", bsk.input_lwe_dimension(), p.lwe_dimension)?;
        check_eq(KIND, "bootstrap GLWE size", bsk.glwe_size(), p.glwe_size())?;
        check_eq(KIND, "bootstrap polynomial size", bsk.polynomial_size(), p.polynomial_size)?;
        check_eq(KIND, "bootstrap base log", bsk.decomposition_base_log(), p.pbs_base_log)?;
        check_eq(KIND, "bootstrap level", bsk.decomposition_level_count(), p.pbs_level)?;
        check_eq(KIND, "bootstrap modulus", bsk.ciphertext_modulus(), p.ciphertext_modulus)?;
        // Seeded: one body polynomial per GLWE row of each GGSW.
        let bsk_len = p.lwe_dimension.0 * p.glwe_size().0 * p.pbs_level.0 * p.polynomial_size.0;
        check_eq(KIND, "bootstrap key length", bsk.as_ref().len(), bsk_len)?;
        let ksk = &self.keyswitch_key;
        check_eq(KIND, "keyswitch input dimension", ksk.input_key_lwe_dimension(), p.big_lwe_dimension())?;
        check_eq(KIND, "keyswitch output dimension", ksk.output_key_lwe_dimension(), p.lwe_dimension)?;
        check_eq(KIND, "keyswitch base log", ksk.decomposition_base_log(), p.ks_base_log)?;
        check_eq(KIND, "keyswitch level", ksk.decomposition_level_count(), p.ks_level)?;
        check_eq(KIND, "keyswitch modulus", ksk.ciphertext_modulus(), p.ciphertext_modulus)?;
        let ksk_len = p.big_lwe_dimension().0 * p.ks_level.0;
        check_eq(KIND, "keyswitch key length", ksk.as_ref().len(), ksk_len)?;
        check_seed(KIND, "bootstrap key", &bsk.compression_seed())?;
        check_seed(KIND, "keyswitch key", &ksk.compression_seed())?;
        if let Some(pk) = &self.public_key {
            let (dimension, _) = p.public_key_encryption()?;
            check_eq(KIND, "public key dimension", pk.lwe_dimension(), dimension)?;
            check_eq(KIND, "public key length", pk.as_ref().len(), dimension.0)?;
            check_eq(KIND, "public key modulus", pk.ciphertext_modulus(), p.ciphertext_modulus)?;
            check_seed(KIND, "public key", &pk.compression_seed())?;
        }
        Ok(())
    }
}

/// A public key serialized on its own, only to measure what it adds to the upload.
#[derive(Clone, Serialize, Deserialize, Versionize)]
#[versionize(PublicKeyOnlyVersions)]
struct PublicKeyOnly(SeededLweCompactPublicKeyOwned<u64>);

#[derive(VersionsDispatch)]
#[allow(dead_code)]
enum PublicKeyOnlyVersions {
    V0(PublicKeyOnly),
}

named!(PublicKeyOnly, "fheml::PublicKey");

/// Serialized size of a public key on its own (what it adds to the upload).
pub fn public_key_bytes(key: &SeededLweCompactPublicKeyOwned<u64>) -> FheResult<usize> {
    Ok(to_bytes(&PublicKeyOnly(key.clone()), u64::MAX)?.len())
}

impl Conformance for GlweBatch {
    fn check(&self, p: &FheParams) -> FheResult<()> {
        const KIND: &str = "GLWE batch";
        check_name(KIND, &self.params_name, p)?;
        if self.ciphertexts.is_empty() {
            return Err(FheError::Malformed("GLWE batch is empty".into()));
        }
        for ct in &self.ciphertexts {
            check_eq(KIND, "GLWE size", ct.glwe_size(), p.glwe_size())?;
            check_eq(KIND, "body length", ct.as_ref().len(), p.polynomial_size.0)?;
            check_eq(KIND, "modulus", ct.ciphertext_modulus(), p.ciphertext_modulus)?;
            check_seed(KIND, "ciphertext", &ct.compression_seed())?;
        }
        Ok(())
    }
}

fn check_lists<S: UnsignedInteger>(
    kind: &str,
    lists: &[LweCiphertextListOwned<S>],
    lwe_size: LweSize,
    modulus: CiphertextModulus<S>,
) -> FheResult<()> {
    let Some(first) = lists.first() else {
        return Err(FheError::Malformed(format!("{kind} is empty")));
    };
    let width = first.lwe_ciphertext_count().0;
    if width == 0 {
        return Err(FheError::Malformed(format!("{kind} has no ciphertexts")));
    }
    for list in lists {
        check_eq(kind, "LWE size", list.lwe_size(), lwe_size)?;
        check_eq(kind, "container length", list.as_ref().len(), width * lwe_size.0)?;
        check_eq(kind, "modulus", list.ciphertext_modulus(), modulus)?;
    }
    Ok(())
}

impl Conformance for LweBatch {
    fn check(&self, p: &FheParams) -> FheResult<()> {
        check_name("LWE batch", &self.params_name, p)?;
        check_lists("LWE batch", &self.lists, p.big_lwe_dimension().to_lwe_size(), p.ciphertext_modulus)
    }
}

impl Conformance for CompactBatch {
    fn check(&self, p: &FheParams) -> FheResult<()> {
        const KIND: &str = "compact batch";
        check_name(KIND, &self.params_name, p)?;
        if !(8..=32).contains(&self.bits) {
            return Err(FheError::Malformed(format!("{KIND}: {} bits per coefficient is out of range", self.bits)));
        }
        if self.queries.is_empty() || self.width == 0 {
            return Err(FheError::Malformed(format!("{KIND} is empty")));
        }
        let dim = if self.small_key { p.lwe_dimension } else { p.big_lwe_dimension() };
        let expected = self.width * dim.to_lwe_size().0 * CompactBatch::bytes_per_coefficient(self.bits);
        for q in &self.queries {
            check_eq(KIND, "packed length", q.len(), expected)?;
        }
        Ok(())
    }
}
