//! Named parameter sets. Geometry and noise come from tfhe-rs's own vetted constants (never
//! retyped); only the bootstrap key's decomposition may differ, which changes noise and speed but
//! not security (security depends on dimensions and noise distributions only).

use crate::error::{FheError, FheResult};
use tfhe::core_crypto::prelude::*;
use tfhe::shortint::parameters::{ClassicPBSParameters, CompactPublicKeyEncryptionParameters, ModulusSwitchType};
// Not aliased at the top level in 1.8.2; the current (v1_8) vetted constant.
use tfhe::shortint::parameters::current_params::classic::tuniform::p_fail_2_minus_128::ks_pbs::V1_8_PARAM_MESSAGE_1_CARRY_1_KS_PBS_TUNIFORM_2M128 as BASE_1_1;
use tfhe::shortint::parameters::PARAM_MESSAGE_2_CARRY_2_KS_PBS_TUNIFORM_2M128 as BASE_2_2;

/// Geometry, noise and decompositions of one named parameter set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FheParams {
    pub name: &'static str,
    /// Dimension of the small LWE key (bootstrap input).
    pub lwe_dimension: LweDimension,
    pub glwe_dimension: GlweDimension,
    pub polynomial_size: PolynomialSize,
    pub lwe_noise: DynamicDistribution<u64>,
    pub glwe_noise: DynamicDistribution<u64>,
    pub pbs_base_log: DecompositionBaseLog,
    pub pbs_level: DecompositionLevelCount,
    pub ks_base_log: DecompositionBaseLog,
    pub ks_level: DecompositionLevelCount,
    pub ciphertext_modulus: CiphertextModulus<u64>,
    /// The vetted shortint set the geometry and noise come from (also its public-key parameters).
    pub base: ClassicPBSParameters,
}

/// The shortint set the 2_2 sets build on: KS-PBS, TUniform noise, p-fail 2^-128 (tfhe-rs v1.8); also
/// the set of the shortint baseline timing.
pub const BASE_SHORTINT: ClassicPBSParameters = BASE_2_2;

/// Level-1 bootstrap exactly as tfhe-rs ships it (fastest; noisier bootstrap output).
pub const PBS_L1: &str = "TUNIFORM_2M128_2_2_PBS_L1";
/// Same keys and noise, level-2 bootstrap decomposition: ~2x bootstrap time, far less output noise.
pub const PBS_L2: &str = "TUNIFORM_2M128_2_2_PBS_L2";
/// tfhe-rs's 1_1 set as shipped: N = 512 with k = 4 (the big key stays 2048 long), so a bootstrap is
/// cheaper but reads a quarter of the positions; for small models whose steps still fit.
pub const PBS_1_1_L1: &str = "TUNIFORM_2M128_1_1_PBS_L1";

const fn from_base(
    name: &'static str,
    p: ClassicPBSParameters,
    pbs_base_log: usize,
    pbs_level: usize,
) -> FheParams {
    FheParams {
        name,
        lwe_dimension: p.lwe_dimension,
        glwe_dimension: p.glwe_dimension,
        polynomial_size: p.polynomial_size,
        lwe_noise: p.lwe_noise_distribution,
        glwe_noise: p.glwe_noise_distribution,
        pbs_base_log: DecompositionBaseLog(pbs_base_log),
        pbs_level: DecompositionLevelCount(pbs_level),
        ks_base_log: p.ks_base_log,
        ks_level: p.ks_level,
        ciphertext_modulus: p.ciphertext_modulus,
        base: p,
    }
}

pub const ALL: [FheParams; 3] = [
    from_base(PBS_L1, BASE_2_2, BASE_2_2.pbs_base_log.0, BASE_2_2.pbs_level.0),
    from_base(PBS_L2, BASE_2_2, 15, 2),
    from_base(PBS_1_1_L1, BASE_1_1, BASE_1_1.pbs_base_log.0, BASE_1_1.pbs_level.0),
];

impl FheParams {
    pub fn by_name(name: &str) -> FheResult<FheParams> {
        ALL.iter().copied().find(|p| p.name == name).ok_or_else(|| {
            let known: Vec<&str> = ALL.iter().map(|p| p.name).collect();
            FheError::InvalidArgument(format!(
                "unknown parameter set '{name}'; known sets: {}",
                known.join(", ")
            ))
        })
    }

    pub fn glwe_size(&self) -> GlweSize {
        self.glwe_dimension.to_glwe_size()
    }

    /// Dimension of the big LWE key (the GLWE key flattened): bootstrap output, dense outputs.
    pub fn big_lwe_dimension(&self) -> LweDimension {
        self.glwe_dimension.to_equivalent_lwe_dimension(self.polynomial_size)
    }

    /// Number of distinct positions the bootstrap can read in the padded half torus (= N).
    pub fn lut_positions(&self) -> usize {
        self.polynomial_size.0
    }

    /// log2 of the bound of a TUniform distribution (its support is [-2^b, 2^b]).
    pub fn tuniform_bound_log2(d: DynamicDistribution<u64>) -> u32 {
        match d {
            DynamicDistribution::TUniform(t) => t.bound_log2(),
            DynamicDistribution::Gaussian(_) => 0,
        }
    }

    /// tfhe-rs's own public-key encryption parameters for the set's base (its `TryFrom` conversion,
    /// the one `CompactPublicKey::new(&client_key)` uses): a compact public key under the big key,
    /// with the GLWE noise. Returned as (dimension, noise) after checking the dimension is the big
    /// key's, since responses are re-randomized under the key they are encrypted with.
    pub fn public_key_encryption(&self) -> FheResult<(LweDimension, DynamicDistribution<u64>)> {
        let pke = CompactPublicKeyEncryptionParameters::try_from(self.base)
            .map_err(|e| FheError::Internal(format!("tfhe-rs has no public-key parameters for the base set: {e}")))?;
        if pke.encryption_lwe_dimension != self.big_lwe_dimension() {
            return Err(FheError::Internal(format!(
                "public-key dimension {} is not the big key's {}",
                pke.encryption_lwe_dimension.0,
                self.big_lwe_dimension().0
            )));
        }
        Ok((pke.encryption_lwe_dimension, pke.encryption_noise_distribution))
    }

    /// Whether the set's base uses the centered modulus switch we reproduce.
    pub fn base_uses_centered_ms(&self) -> bool {
        matches!(self.base.modulus_switch_noise_reduction_params, ModulusSwitchType::CenteredMeanNoiseReduction)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry_comes_from_tfhe_constants() {
        let p = FheParams::by_name(PBS_L1).unwrap();
        assert_eq!(p.lwe_dimension, BASE_SHORTINT.lwe_dimension);
        assert_eq!(p.polynomial_size, BASE_SHORTINT.polynomial_size);
        assert_eq!(p.glwe_dimension, BASE_SHORTINT.glwe_dimension);
        assert_eq!(p.pbs_level, BASE_SHORTINT.pbs_level);
        assert_eq!(p.big_lwe_dimension().0, 2048);
        assert!(ALL.iter().all(FheParams::base_uses_centered_ms));
        let l2 = FheParams::by_name(PBS_L2).unwrap();
        assert_eq!(l2.lwe_noise, p.lwe_noise);
        assert_eq!(l2.glwe_noise, p.glwe_noise);
        assert_eq!(l2.pbs_level.0, 2);
        let (dim, noise) = p.public_key_encryption().unwrap();
        assert_eq!(dim, p.big_lwe_dimension());
        assert_eq!(noise, BASE_SHORTINT.glwe_noise_distribution);
    }

    #[test]
    fn one_one_set_is_tfhes_own_with_the_same_big_key_length() {
        let p = FheParams::by_name(PBS_1_1_L1).unwrap();
        assert_eq!(p.base, BASE_1_1);
        assert_eq!((p.lwe_dimension, p.glwe_dimension, p.polynomial_size), (BASE_1_1.lwe_dimension,
            BASE_1_1.glwe_dimension, BASE_1_1.polynomial_size));
        assert_eq!((p.pbs_base_log, p.pbs_level), (BASE_1_1.pbs_base_log, BASE_1_1.pbs_level));
        assert_eq!(p.big_lwe_dimension().0, 2048);
        assert_eq!(p.lut_positions(), 512);
        let (dim, noise) = p.public_key_encryption().unwrap();
        assert_eq!(dim, p.big_lwe_dimension());
        assert_eq!(noise, BASE_1_1.glwe_noise_distribution);
    }

    #[test]
    fn unknown_name_lists_known_sets() {
        let e = FheParams::by_name("nope").unwrap_err().to_string();
        assert!(e.contains(PBS_L1) && e.contains("nope"));
    }
}
