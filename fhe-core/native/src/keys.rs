//! Keys: the client's secret keys, the seeded evaluation key it uploads, and the server key
//! (Fourier bootstrap key + keyswitch key) the server expands once and shares between threads.

use crate::error::{FheError, FheResult};
use crate::params::FheParams;
use crate::pool::EvaluationPool;
use rayon::ThreadPool;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tfhe::core_crypto::prelude::*;
use tfhe::core_crypto::commons::math::random::Seed;
use tfhe::core_crypto::seeders::new_seeder;
use tfhe_versionable::{Upgrade, Version, Versionize, VersionsDispatch};
use zeroize::Zeroize;

/// The client's secrets: the GLWE ("big") key and the small LWE key. Never leaves the client.
#[derive(Clone, Serialize, Deserialize, Versionize)]
#[versionize(ClientKeyDataVersions)]
pub struct ClientKeyData {
    pub params_name: String,
    pub glwe_secret_key: GlweSecretKeyOwned<u64>,
    pub lwe_secret_key: LweSecretKeyOwned<u64>,
}

#[derive(VersionsDispatch)]
#[allow(dead_code)]
pub enum ClientKeyDataVersions {
    V0(ClientKeyData),
}

/// What the client uploads: seeded bootstrap key + keyswitch key (only bodies and a seed) and,
/// from V1 on, a seeded compact public key under the big key, with which the server re-randomizes
/// responses (a V0 key, made before, reads with none and cannot serve a sanitized circuit).
#[derive(Clone, Serialize, Deserialize, Versionize)]
#[versionize(EvaluationKeyDataVersions)]
pub struct EvaluationKeyData {
    pub params_name: String,
    pub bootstrap_key: SeededLweBootstrapKeyOwned<u64>,
    pub keyswitch_key: SeededLweKeyswitchKeyOwned<u64>,
    pub public_key: Option<SeededLweCompactPublicKeyOwned<u64>>,
}

/// The layout before the public key was added.
#[derive(Version)]
pub struct EvaluationKeyDataV0 {
    params_name: String,
    bootstrap_key: SeededLweBootstrapKeyOwned<u64>,
    keyswitch_key: SeededLweKeyswitchKeyOwned<u64>,
}

impl Upgrade<EvaluationKeyData> for EvaluationKeyDataV0 {
    type Error = std::convert::Infallible;

    fn upgrade(self) -> Result<EvaluationKeyData, Self::Error> {
        Ok(EvaluationKeyData {
            params_name: self.params_name,
            bootstrap_key: self.bootstrap_key,
            keyswitch_key: self.keyswitch_key,
            public_key: None,
        })
    }
}

#[derive(VersionsDispatch)]
#[allow(dead_code)]
pub enum EvaluationKeyDataVersions {
    V0(EvaluationKeyDataV0),
    V1(EvaluationKeyData),
}

pub struct ClientKey {
    pub params: FheParams,
    pub data: ClientKeyData,
}

/// The secret key material is overwritten when the key is released (Java `close()` or its
/// Cleaner), so a freed key does not linger in the process's memory.
impl Drop for ClientKey {
    fn drop(&mut self) {
        self.data.zeroize_secrets();
    }
}

impl ClientKeyData {
    /// Overwrites both secret keys with zeros.
    pub fn zeroize_secrets(&mut self) {
        self.glwe_secret_key.as_mut().zeroize();
        self.lwe_secret_key.as_mut().zeroize();
    }
}

impl ClientKey {
    /// Fresh keys from the OS-seeded CSPRNG.
    pub fn generate(params: FheParams) -> ClientKey {
        let mut seeder = new_seeder();
        let mut secret_generator =
            SecretRandomGenerator::<DefaultRandomGenerator>::new(seeder.seed());
        Self::generate_with(params, &mut secret_generator)
    }

    /// Deterministic keys, for tests only (a known seed is not a secret).
    pub fn generate_insecure_seeded(params: FheParams, seed: u128) -> ClientKey {
        let mut secret_generator =
            SecretRandomGenerator::<DefaultRandomGenerator>::new(Seed(seed));
        Self::generate_with(params, &mut secret_generator)
    }

    fn generate_with(
        params: FheParams,
        generator: &mut SecretRandomGenerator<DefaultRandomGenerator>,
    ) -> ClientKey {
        let glwe_secret_key = allocate_and_generate_new_binary_glwe_secret_key(
            params.glwe_dimension,
            params.polynomial_size,
            generator,
        );
        let lwe_secret_key =
            allocate_and_generate_new_binary_lwe_secret_key(params.lwe_dimension, generator);
        ClientKey {
            params,
            data: ClientKeyData {
                params_name: params.name.to_string(),
                glwe_secret_key,
                lwe_secret_key,
            },
        }
    }

    pub fn big_lwe_key(&self) -> LweSecretKey<&[u64]> {
        self.data.glwe_secret_key.as_lwe_secret_key()
    }

    pub fn small_lwe_key(&self) -> &LweSecretKeyOwned<u64> {
        &self.data.lwe_secret_key
    }

    /// Seeded bootstrap key (small → GLWE), keyswitch key (big → small) and compact public key
    /// (under the big key, with tfhe-rs's public-key parameters for the base set).
    pub fn generate_evaluation_key(&self) -> FheResult<EvaluationKeyData> {
        let p = &self.params;
        let (_, pke_noise) = p.public_key_encryption()?;
        let mut seeder = new_seeder();
        let bootstrap_key = par_allocate_and_generate_new_seeded_lwe_bootstrap_key(
            &self.data.lwe_secret_key,
            &self.data.glwe_secret_key,
            p.pbs_base_log,
            p.pbs_level,
            p.glwe_noise,
            p.ciphertext_modulus,
            seeder.as_mut(),
        );
        let keyswitch_key = allocate_and_generate_new_seeded_lwe_keyswitch_key(
            &self.big_lwe_key(),
            &self.data.lwe_secret_key,
            p.ks_base_log,
            p.ks_level,
            p.lwe_noise,
            p.ciphertext_modulus,
            seeder.as_mut(),
        );
        let public_key = allocate_and_generate_new_seeded_lwe_compact_public_key(
            &self.big_lwe_key(),
            pke_noise,
            p.ciphertext_modulus,
            seeder.as_mut(),
        );
        Ok(EvaluationKeyData {
            params_name: p.name.to_string(),
            bootstrap_key,
            keyswitch_key,
            public_key: Some(public_key),
        })
    }
}

/// The server's expanded keys plus the evaluation pool they run on. Immutable after construction,
/// so `&ServerKey` is shared freely between JVM threads; the pool is shared with other keys.
pub struct ServerKey {
    pub params: FheParams,
    pub fourier_bsk: FourierLweBootstrapKeyOwned,
    pub ksk: LweKeyswitchKeyOwned<u64>,
    /// The client's public key, for re-randomizing responses; none for a V0 evaluation key.
    pub public_key: Option<LweCompactPublicKeyOwned<u64>>,
    /// Every operation on this key runs here; the `Arc` keeps the threads alive as long as the key.
    pub pool: Arc<ThreadPool>,
}

impl ServerKey {
    /// Expands a seeded evaluation key (decompress + Fourier transform) on `pool`'s threads.
    pub fn expand(params: FheParams, key: &EvaluationKeyData, pool: &EvaluationPool) -> ServerKey {
        let pool = pool.share();
        let (fourier_bsk, ksk) = pool.install(|| {
            let bsk = key.bootstrap_key.clone().par_decompress_into_lwe_bootstrap_key();
            let mut fourier_bsk = FourierLweBootstrapKey::new(
                bsk.input_lwe_dimension(),
                bsk.glwe_size(),
                bsk.polynomial_size(),
                bsk.decomposition_base_log(),
                bsk.decomposition_level_count(),
            );
            par_convert_standard_lwe_bootstrap_key_to_fourier(&bsk, &mut fourier_bsk);
            let ksk = key.keyswitch_key.clone().par_decompress_into_lwe_keyswitch_key();
            (fourier_bsk, ksk)
        });
        let public_key = key.public_key.clone().map(|k| k.decompress_into_lwe_compact_public_key());
        ServerKey { params, fourier_bsk, ksk, public_key, pool }
    }

    /// The public key, or the error a sanitized circuit gets from a key made before it existed.
    pub fn public_key(&self) -> FheResult<&LweCompactPublicKeyOwned<u64>> {
        self.public_key.as_ref().ok_or_else(|| {
            FheError::ParameterMismatch(
                "this evaluation key carries no public key (made by an older fhe-ml), so responses cannot be \
                 re-randomized: make new keys (fhe-ml keygen --rotate) and upload the new evaluation key"
                    .into(),
            )
        })
    }

    pub fn threads(&self) -> usize {
        self.pool.current_num_threads()
    }

    /// Bytes held by the expanded keys (what a key cache should count).
    pub fn memory_bytes(&self) -> usize {
        self.fourier_bsk.as_view().data().len() * std::mem::size_of::<c64>()
            + self.ksk.as_ref().len() * std::mem::size_of::<u64>()
            + self.public_key.as_ref().map_or(0, |k| k.as_ref().len() * std::mem::size_of::<u64>())
    }
}
