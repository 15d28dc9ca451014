//! tfhe-rs's own shortint keyswitch + bootstrap on the base parameter set: the floor our
//! `ks_pbs` is benchmarked against, measured in the same process.

use crate::params::BASE_SHORTINT;
use std::time::Instant;
use tfhe::shortint::gen_keys;

/// Mean milliseconds of one `apply_lookup_table` (KS + PBS) on the calling thread.
pub fn shortint_ks_pbs_ms(iterations: usize) -> f64 {
    let (client, server) = gen_keys(BASE_SHORTINT);
    let lut = server.generate_lookup_table(|x| (x + 1) % 4);
    let mut ct = client.encrypt(1);
    for _ in 0..3 {
        server.apply_lookup_table_assign(&mut ct, &lut);
    }
    let iterations = iterations.max(1);
    let start = Instant::now();
    for _ in 0..iterations {
        server.apply_lookup_table_assign(&mut ct, &lut);
    }
    let elapsed = start.elapsed().as_secs_f64() * 1e3 / iterations as f64;
    assert_eq!(client.decrypt(&ct), (1 + 3 + iterations as u64) % 4, "baseline lost correctness");
    elapsed
}
