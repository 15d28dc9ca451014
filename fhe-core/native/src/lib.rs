//! fhe-ml's FHE engine: coarse, vector-level TFHE operations on tfhe-rs `core_crypto`.
//!
//! The pure-Rust core (`params`, `keys`, `pool`, `ciphertext`, `ops`, `circuit`, `lut`, `serial`)
//! is usable and tested without a JVM; `jni_bridge` is the thin JNI layer the Java API calls.

pub mod baseline;
pub mod ciphertext;
pub mod circuit;
pub mod error;
pub mod keys;
pub mod lut;
pub mod ops;
pub mod params;
pub mod pool;
pub mod serial;

mod jni_bridge;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod proptests;
